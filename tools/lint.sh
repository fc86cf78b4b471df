#!/usr/bin/env bash
# Lint the tree as OpenMMLab does: flake8, isort and yapf with the settings in setup.cfg, the
# versions pinned in requirements/lint.txt (the same as .pre-commit-config.yaml).
#   bash tools/lint.sh         check; exits non-zero and shows what is wrong
#   bash tools/lint.sh --fix   sort the imports and reformat in place, then check again
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${CMKD_VENV:-$ROOT/.venv}/bin"
[ -x "$BIN/flake8" ] || BIN="$(dirname "$(command -v flake8 || echo /nonexistent/flake8)")"
for tool in flake8 isort yapf; do
    [ -x "$BIN/$tool" ] || { echo "[lint] $tool not found; run: pip install -r requirements/lint.txt" >&2
                             exit 1; }
done
PATHS=(cmkd_mm configs tests tools setup.py)
if [ "${1:-}" = "--fix" ]; then
    "$BIN/isort" -q "${PATHS[@]}"
    "$BIN/yapf" -i -r -p "${PATHS[@]}"
fi
status=0
echo "[lint] flake8";  "$BIN/flake8" "${PATHS[@]}" || status=1
echo "[lint] isort";   "$BIN/isort" --check-only --diff -q "${PATHS[@]}" || status=1
echo "[lint] yapf";    out="$("$BIN/yapf" --diff -r -p "${PATHS[@]}")" || { echo "$out"; status=1; }
if [ "$status" -ne 0 ]; then
    echo "[lint] FAILED; 'bash tools/lint.sh --fix' sorts imports and reformats, flake8 errors" \
         "need a hand" >&2
    exit 1
fi
echo "[lint] clean"
