#!/usr/bin/env bash
# The README's demo command: set up (or reuse) .venv, then run the demo recipe of TASK (writes a
# demo dataset in the real on-disk format, trains teacher, baseline and distilled students, tests
# them and prints the results table):
#   det (default)  configs/recipes/cmkd_stf_demo.py          Seeing Through Fog, COCO mAP
#   seg            configs/recipes/cmkd_fcn_mfnet_demo.py    RGB-thermal FCNs on MFNet, mIoU
#   cekd           configs/recipes/cekd_mfnet_demo.py        CEKD on MFNet, mIoU
#   mavoc          configs/recipes/ntire2021_mavoc2021_demo.py, then njust-kmg_mavoc2024_demo.py
#   xview2         configs/recipes/xview2_demo.py            xView2 building damage, xView2 score
#   pair           configs/recipes/cmkd_llvip_demo.py        your own pair: the LLVIP example of
#                                                            docs/custom_pairs.md, COCO mAP
# Extra arguments go to tools/run_recipe.py (e.g. --work-dir, --cfg-options, --seeds 0 1 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TASK="${1:-det}"
[ $# -gt 0 ] && shift
case "$TASK" in
    det) RECIPES=(cmkd_stf_demo) ;;
    seg) RECIPES=(cmkd_fcn_mfnet_demo) ;;
    cekd) RECIPES=(cekd_mfnet_demo) ;;
    mavoc) RECIPES=(ntire2021_mavoc2021_demo njust-kmg_mavoc2024_demo) ;;
    xview2) RECIPES=(xview2_demo) ;;
    pair) RECIPES=(cmkd_llvip_demo) ;;
    *) echo "usage: bash tools/demo.sh [det|seg|cekd|mavoc|xview2|pair] [run_recipe.py options]" >&2; exit 2 ;;
esac
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
for recipe in "${RECIPES[@]}"; do
    "$ROOT/.venv/bin/python" tools/run_recipe.py "configs/recipes/$recipe.py" "$@"
done
