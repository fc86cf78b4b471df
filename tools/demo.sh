#!/usr/bin/env bash
# The README's demo command: set up (or reuse) .venv, then run the cross-modal distillation demo
# (writes a demo dataset in the real on-disk format, trains teacher, baseline and distilled student,
# tests them and prints a metric table). Extra arguments go to tools/demo.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" tools/demo.py "$@"
