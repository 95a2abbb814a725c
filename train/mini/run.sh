#!/usr/bin/env bash
# `npm run mini -- [options of train/mini/run_mini.py]`: the miniature study with the training
# venv (.ci/setup.d/30-train.sh makes it the first time, ~6 min and 5 GB; then seconds), niced.
# OMP_NUM_THREADS caps torch's threads (default: torch's own choice, one per core).
set -euo pipefail
cd "$(dirname "$0")/../.."
py=$(bash .ci/setup.d/30-train.sh | tail -1)
exec nice -n "${FTLAB_NICE:-10}" env TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$py" train/mini/run_mini.py "$@"
