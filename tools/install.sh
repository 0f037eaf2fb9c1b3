#!/usr/bin/env bash
# Install the pinned lgd_mm stack into a project virtualenv (idempotent).
#
#   bash tools/install.sh            # create/refresh .venv
#   LGD_MM_VENV=/path bash tools/install.sh
#
# What and why (measurements in docs/stack.md):
#   * torch==2.13.0 + torchvision==0.28.0 from the package index. A machine-wide
#     find-links folder may hold a CPU-only torch 2.13.0+cpu wheel that pip would
#     prefer; it breaks `import torchvision`, so torch is installed with find-links
#     pointing at our own wheel cache only.
#   * mmcv 2.1.0 with compiled ops: taken from a wheel folder when one has it
#     (our cache, ../shared/wheels, the user's PIP_FIND_LINKS), otherwise built
#     from the sdist once (~22 min on 2 cores) and kept in the wheel cache.
#   * the OpenMMLab packages, open_clip and lgd_mm (editable) on top, with the
#     pins of requirements/ as constraints so nothing re-resolves torch or numpy.
# A stamp in the venv records a hash of the inputs; a second run with the same
# inputs only checks imports and returns in seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LGD_MM_VENV:-$ROOT/.venv}"
PYTHON="${LGD_MM_PYTHON:-python3}"
CACHE="${LGD_MM_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lgd_mm/wheels}"
SHARED_WHEELS="$ROOT/../shared/wheels"
MMCV_VERSION=2.1.0

log() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"

# A GPU toolchain means: a visible NVIDIA GPU and nvcc. nvcc alone (as on CPU
# build machines) must not trigger an hours-long CUDA build of mmcv.
if command -v nvcc >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  MMCV_FLAVOUR=cuda
else
  MMCV_FLAVOUR=cpu
fi

# Wheel folders to search, in order: our cache, the shared folder, the user's.
# The user's PIP_FIND_LINKS is kept, except folders holding a `torch-*+cpu` wheel
# (the one that breaks torchvision 0.28.0).
FIND_LINKS=("$CACHE/$MMCV_FLAVOUR")
mkdir -p "$CACHE/$MMCV_FLAVOUR"
if [ -d "$SHARED_WHEELS" ] && [ "$MMCV_FLAVOUR" = cpu ]; then
  FIND_LINKS+=("$(cd "$SHARED_WHEELS" && pwd)")
fi
for link in ${PIP_FIND_LINKS:-}; do
  if [ -d "$link" ] && compgen -G "$link/torch-*+cpu*.whl" >/dev/null; then
    log "skipping find-links folder $link (holds a CPU-only torch wheel that breaks torchvision)"
    continue
  fi
  FIND_LINKS+=("$link")
done

INPUTS_HASH="$(cat "$ROOT/tools/install.sh" "$ROOT"/requirements/*.txt "$ROOT/setup.py" \
  | sha256sum | cut -c1-16)-$MMCV_FLAVOUR"
STAMP="$VENV/.lgd_mm_installed"

check_stack() {
  "$VENV/bin/python" - <<'EOF'
import torch, torchvision, mmcv, mmcv.ops, mmengine, mmdet, mmseg, mmpretrain, open_clip, lgd_mm  # noqa
from mmcv.ops import nms  # compiled ops present
assert torch.__version__.split('+')[0] == '2.13.0', torch.__version__
assert not torch.__version__.endswith('+cpu'), (
    'CPU-only torch wheel installed; it breaks torchvision 0.28.0')
EOF
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$INPUTS_HASH" ] && check_stack 2>/dev/null; then
  exit 0
fi

t0=$SECONDS
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

# Constraints for every step: the measured pins.
CONSTRAINTS="$VENV/lgd_mm-constraints.txt"
grep -hE '^[A-Za-z]' "$ROOT/requirements/runtime.txt" "$ROOT/requirements/mminstall.txt" \
  > "$CONSTRAINTS"

log "step 1/4: pip, setuptools<81, wheel"
PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q --upgrade pip 'setuptools<81' wheel

log "step 2/4: torch 2.13.0 + torchvision 0.28.0 (index builds)"
# find-links = our cache only: never the machine's CPU-only torch wheel.
PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q -c "$CONSTRAINTS" \
  torch==2.13.0 torchvision==0.28.0 'numpy<2'
"$PY" -c "import torch, torchvision; assert not torch.__version__.endswith('+cpu')" \
  || die "torch/torchvision do not import together (torch $("$PY" -c 'import torch;print(torch.__version__)' 2>/dev/null))"

log "step 3/4: mmengine, then mmcv $MMCV_VERSION with compiled ops ($MMCV_FLAVOUR)"
# mmcv.ops imports mmengine, so it must be there to check the ops.
PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q -c "$CONSTRAINTS" mmengine
have_ops() {
  "$PY" - "$MMCV_FLAVOUR" <<'EOF'
import sys
import mmcv
from mmcv.ops import nms  # noqa: F401  (imports mmcv._ext)
from mmcv.ops import get_compiling_cuda_version
assert mmcv.__version__ == '2.1.0', mmcv.__version__
if sys.argv[1] == 'cuda':
    assert get_compiling_cuda_version() != 'not available', 'mmcv built without CUDA'
EOF
}
if ! have_ops 2>/dev/null; then
  if PIP_FIND_LINKS="${FIND_LINKS[*]}" "$PY" -m pip install -q --no-deps --force-reinstall \
      --only-binary=mmcv "mmcv==$MMCV_VERSION" 2>/dev/null && have_ops 2>/dev/null; then
    log "mmcv installed from a wheel folder"
  else
    log "no usable mmcv wheel: building from the sdist (about 22 min on 2 cores)"
    if [ "$MMCV_FLAVOUR" = cuda ]; then force_cuda=1; else force_cuda=0; fi
    PIP_FIND_LINKS="${FIND_LINKS[0]}" MMCV_WITH_OPS=1 FORCE_CUDA=$force_cuda \
      MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$PY" -m pip wheel -q --no-build-isolation --no-deps --no-binary=mmcv \
      -w "$CACHE/$MMCV_FLAVOUR" "mmcv==$MMCV_VERSION"
    PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q --no-deps --force-reinstall \
      --no-index "mmcv==$MMCV_VERSION"
    have_ops || die "mmcv $MMCV_VERSION built but its ops do not import"
  fi
fi

log "step 4/4: OpenMMLab packages, open_clip, test tools, lgd_mm (editable)"
PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q -c "$CONSTRAINTS" \
  -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/mminstall.txt" \
  -r "$ROOT/requirements/tests.txt"
PIP_FIND_LINKS="${FIND_LINKS[0]}" "$PY" -m pip install -q -c "$CONSTRAINTS" \
  --no-deps --no-build-isolation -e "$ROOT"

check_stack || die "the installed stack does not import; see the error above"
echo "$INPUTS_HASH" > "$STAMP"
log "done in $((SECONDS - t0)) s: $VENV"
