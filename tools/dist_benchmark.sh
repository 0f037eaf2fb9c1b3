#!/usr/bin/env bash
# Usage: bash tools/dist_benchmark.sh CHECKPOINT GPUS [benchmark.py args]
#   One process per GPU (torchrun); NNODES, NODE_RANK, MASTER_ADDR, PORT
#   select a multi-node rendezvous. Rank 0 writes the records.
set -e
CHECKPOINT=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$ROOT":$PYTHONPATH \
"$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/benchmark.py" "$CHECKPOINT" --launcher pytorch "${@:3}"
