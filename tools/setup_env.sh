#!/usr/bin/env bash
# Create (or reuse) the virtual environment .venv inside the repository and install cmkd_mm with
# everything it needs, in the order this stack requires:
#   1. torch==2.13.0 first (pinned exactly, so no CUDA wheels are pulled in);
#   2. setuptools<80 (mmengine 0.10.7, the mmcv build and mim need pkg_resources and the develop
#      install layout), wheel, ninja;
#   3. mmcv 2.1.0 with its CPU ops, built from source without build isolation (PyPI has only the sdist);
#   4. mmengine, mmdet, mmsegmentation, mmpretrain, mmrazor and their undeclared run-time needs,
#      the test requirements and the linters;
#   5. mim (openmim, without its dataset-download dependencies);
#   6. cmkd_mm itself in editable mode (with cmkd_mm/.mim linking tools/, configs/, model-index.yml).
# Every step is skipped when it is already satisfied, so the script is cheap to run again.
# Afterwards use .venv/bin/python (or ". .venv/bin/activate").
set -euo pipefail

CMKD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CMKD_VENV:-$CMKD_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
MIM_VERSION=0.3.9

_step() { printf '\n[setup_env] %s\n' "$*"; }
_fail() {
    printf '\n[setup_env] ERROR: %s\n' "$1" >&2
    [ -n "${2:-}" ] && printf '[setup_env] fix: %s\n' "$2" >&2
    exit 1
}

if [ ! -x "$VENV/bin/python" ]; then
    _step "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV" || _fail "could not create $VENV" \
        "install the venv module of your Python (Debian: apt-get install python3-venv)"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
PIP=(python -m pip --disable-pip-version-check)

stamp="$VENV/.cmkd_mm_setup"
want="$(cat "$CMKD_ROOT"/requirements/*.txt "$CMKD_ROOT/setup.py" | sha1sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && python -c 'import cmkd_mm, mmcv.ops' >/dev/null 2>&1; then
    _step "environment up to date ($VENV)"
    exit 0
fi

_have() {  # _have DIST VERSION -> true when exactly that version is installed
    python - "$1" "$2" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(0 if version(sys.argv[1]).split('+')[0] == sys.argv[2] else 1)
PY
}

if ! _have torch 2.13.0; then
    _step "installing torch==2.13.0 (CPU build)"
    "${PIP[@]}" install "torch==2.13.0" || _fail "torch==2.13.0 did not install" \
        "pin torch exactly to 2.13.0; any other request pulls CUDA wheels"
fi

_step "installing build tools (setuptools<80, wheel, ninja, numpy<2)"
"${PIP[@]}" install -q -r "$CMKD_ROOT/requirements/build.txt" \
    || _fail "build tools did not install" "check access to the package registry"

if ! python -c 'import mmcv, mmcv.ops; assert mmcv.__version__ == "2.1.0"' >/dev/null 2>&1; then
    _step "building mmcv==2.1.0 with CPU ops from source (about 10 minutes on 2 cores; pip caches the wheel)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "${PIP[@]}" install --no-build-isolation \
        -r "$CMKD_ROOT/requirements/mmcv.txt" \
        || _fail "mmcv 2.1.0 failed to build" \
            "install a C++ compiler (apt-get install g++), then run this script again"
    python -c 'import mmcv.ops' || _fail "mmcv installed without its compiled ops (mmcv._ext)" \
        "pip uninstall -y mmcv mmcv-lite; then run this script again"
fi

_step "installing the OpenMMLab packages and run-time requirements"
"${PIP[@]}" install -q -r "$CMKD_ROOT/requirements/runtime.txt" -r "$CMKD_ROOT/requirements/tests.txt" \
    -r "$CMKD_ROOT/requirements/lint.txt" \
    "torch==2.13.0" "setuptools>=77.0.3,<80" "numpy<2" \
    || _fail "the OpenMMLab packages did not install" "see the pip error above"

_step "installing mim (openmim ${MIM_VERSION}) without its dataset-download dependencies"
# openmim requires opendatalab -> openxlab, which pin setuptools 60 and numpy 2 and would break
# this stack; mim imports them only for `mim download --dataset`. Its other needs are in
# requirements/mim.txt.
"${PIP[@]}" install -q -r "$CMKD_ROOT/requirements/mim.txt" "numpy<2" "setuptools>=77.0.3,<80" \
    && "${PIP[@]}" install -q --no-deps "openmim==${MIM_VERSION}" \
    || _fail "mim did not install" "see the pip error above"

_step "installing cmkd_mm in editable mode (a develop install: mim reads tools and configs from it)"
# --no-use-pep517 makes it an egg-link to this folder, where mim looks for cmkd_mm/.mim; pip
# versions without that option get a PEP 660 editable install (everything but mim works).
if ! "${PIP[@]}" install -q --no-build-isolation --no-deps --no-use-pep517 -e "$CMKD_ROOT"; then
    "${PIP[@]}" install -q --no-build-isolation --no-deps -e "$CMKD_ROOT" \
        || _fail "cmkd_mm did not install" "see the pip error above"
fi

python -c 'import cmkd_mm' || _fail "import cmkd_mm failed" "see the traceback above"
echo "$want" > "$stamp"
_step "environment ready ($VENV)"
