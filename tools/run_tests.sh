#!/usr/bin/env bash
# The test command: bootstraps the project venv (idempotent), then runs pytest.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/install.sh"
VENV="${LGD_MM_VENV:-$ROOT/.venv}"
cd "$ROOT"
# No network at test time: hub lookups fail fast instead of retrying.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$VENV/bin/python" -m pytest "$@"
