#!/usr/bin/env bash
# The main job on the offline embedded default: bootstraps the project venv
# (idempotent), then runs tools/demo.py. Extra args go to tools/demo.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
VENV="${LGD_MM_VENV:-$ROOT/.venv}"
cd "$ROOT"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$VENV/bin/python" tools/demo.py "$@"
