#!/usr/bin/env bash
# The README's test command: set up (or reuse) .venv, then run the test suite on CPU.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh tests/test_models -x`.
# The tests run in parallel (pytest-xdist), one worker per core up to 4, each with one torch
# thread: on 2 cores that takes about 8 minutes against 14 for one process with two threads
# (most tests are short runs whose threads would only contend). CMKD_TEST_WORKERS=0 runs them
# in one process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
export CUDA_VISIBLE_DEVICES=""
cores="$(nproc 2>/dev/null || echo 2)"
workers="${CMKD_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"
targets=(tests)  # the whole suite, unless the arguments name tests (a path, file::test)
for arg in "$@"; do
    [[ "$arg" != -* && -e "${arg%%::*}" ]] && targets=()
done
if [ "$workers" -gt 0 ]; then
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
    exec "$ROOT/.venv/bin/python" -m pytest "${targets[@]}" -n "$workers" --dist worksteal "$@"
fi
exec "$ROOT/.venv/bin/python" -m pytest "${targets[@]}" "$@"
