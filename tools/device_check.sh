#!/usr/bin/env bash
# GPU check of the teacher store (issue 16 point 6; docs/teacher_store.md §5):
# train-step img/s of ResNet-18 and MobileNetV3-L with the CLIP RN50
# teacher (random init, 224 px, fp16 AMP + channels-last + half teacher),
# online vs read from a store, the one-off teacher pass (views/s) and the
# replaying loader (img/s per worker). One command, about 5 minutes on an
# H200, for a lent GPU machine with torch preinstalled and no network:
#
#   here:    bash tools/device_wheels.sh          # once: .whl/
#   there:   bash tools/device_check.sh           # carry .whl
#
# Results: $OUT/speed.{md,json} ($OUT if set, else work_dirs/device_check).
# Sizes can be overridden (DEVICE=cpu BATCH=4 ITERS=1 IMAGES=8 for a dry
# run of the script itself on a CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-.whl}
RESULT=${OUT:-work_dirs/device_check}
DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-256}
ITERS=${ITERS:-10}
IMAGES=${IMAGES:-1024}
WORKERS=${WORKERS:-8}
LIMIT=${LIMIT:-420}
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONPATH="$PWD"
if ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/lgd_mm_site "$WHEELS"/*.whl
    export PYTHONPATH="/tmp/lgd_mm_site:$PWD"
fi
mkdir -p "$RESULT"
DEVICE=$DEVICE $PY - <<'PY'
import os
import sys

import numpy
import torch

need = os.environ['DEVICE']
if need == 'cuda' and not torch.cuda.is_available():
    sys.exit('device_check: torch sees no CUDA device')
import cv2, mmcv, mmengine, mmpretrain, open_clip  # noqa: E401,F401
import lgd_mm  # noqa: F401
from lgd_mm.benchmark.speed import store  # noqa: F401
name = torch.cuda.get_device_name() if need == 'cuda' else 'cpu'
print(f'device_check: {name}; python {sys.version.split()[0]}, torch '
      f'{torch.__version__}, numpy {numpy.__version__}, cv2 '
      f'{cv2.__version__}, mmcv {mmcv.__version__}, mmengine '
      f'{mmengine.__version__}, mmpretrain {mmpretrain.__version__}')
PY
uptime
timeout "$LIMIT" $PY tools/benchmark_speed.py --sections store \
    --device "$DEVICE" --students r18 mbv3-l --batch-size "$BATCH" \
    --iters "$ITERS" --warmup 2 --store-images "$IMAGES" --store-views 2 \
    --store-workers "$WORKERS" --loader-workers "$((WORKERS / 2))" \
    "$WORKERS" --out "$RESULT/speed"
cat "${RESULT}/speed.md"
