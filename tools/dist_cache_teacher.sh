#!/usr/bin/env bash
# The teacher-only pre-pass of the teacher-output cache on several GPUs (or CPU processes) with
# torchrun, as tools/dist_train.sh trains; then train with: bash tools/dist_train.sh CONFIG GPUS
# --teacher-cache.
# Usage: bash tools/dist_cache_teacher.sh CONFIG GPUS [cache_teacher.py args...]
# Env: as tools/dist_train.sh.
CMKD_DIST_SCRIPT="$(dirname "$0")/analysis_tools/cache_teacher.py" exec bash "$(dirname "$0")/dist_train.sh" "$@"
