#!/usr/bin/env bash
# Fetch, here (the package registry is reachable), the wheels that
# tools/device_check.sh installs on a GPU machine that has Python, torch and
# the common scientific packages but no network (docs/teacher_store.md §5).
#
#   bash tools/device_wheels.sh [PYTHON_VERSION]      # default 3.12
#
# Writes .whl/ (git-ignored; carry it with the working tree):
# * the OpenMMLab pins of requirements/ that are pure Python (mmengine,
#   mmpretrain, mmsegmentation) and open_clip, with the small packages they
#   import that such a machine lacks;
# * mmcv 2.1.0 built here from its sdist WITHOUT ops (a py3 wheel): its
#   compiled ops would have to match the machine's torch; the store check
#   needs none (mmpretrain and mmdet import them optionally);
# * numpy 1.26.4 for that Python: the pin of docs/stack.md (numpy 2 breaks
#   mmcv's hue jitter in the LGD train pipeline), and pycocotools.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-3.12}
DEST=${WHEELS:-.whl}
PIP=${PIP:-.venv/bin/python -m pip}
mkdir -p "$DEST"
rm -f "$DEST"/*.whl
# pure-Python packages: any platform
$PIP download -q --no-deps --only-binary=:all: --python-version "$PY" \
    --implementation cp -d "$DEST" \
    mmengine==0.10.7 mmpretrain==1.2.0 mmsegmentation==1.2.2 \
    open_clip_torch==3.3.0 addict yapf platformdirs termcolor ftfy wcwidth \
    mat4py model-index ordered-set prettytable \
    importlib_metadata==10.2.0 lazy_importer
# compiled ones: the machine's Python and platform
$PIP download -q --no-deps --only-binary=:all: --python-version "$PY" \
    --implementation cp --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
    -d "$DEST" numpy==1.26.4 pycocotools
# mmcv without ops, from the sdist (it then names itself mmcv-lite; the
# module is mmcv). torch must be importable by this pip: --no-build-isolation
SDIST=$(mktemp -d)
$PIP download -q --no-deps --no-build-isolation \
    --no-binary=:all: -d "$SDIST" mmcv==2.1.0
MMCV_WITH_OPS=0 $PIP wheel -q --no-deps --no-build-isolation -w "$DEST" \
    "$SDIST"/mmcv-2.1.0.tar.gz
rm -rf "$SDIST"
ls -l "$DEST"
du -sh "$DEST"
