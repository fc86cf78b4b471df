#!/usr/bin/env bash
# The README's test command: set up (or reuse) .venv, then run the test suite on CPU.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh tests/test_models -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
export CUDA_VISIBLE_DEVICES=""
exec "$ROOT/.venv/bin/python" -m pytest tests "$@"
