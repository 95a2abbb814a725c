#!/usr/bin/env bash
# The training recipe's venv (train/requirements.txt: torch, transformers, peft, accelerate),
# cached outside the repository, keyed by the hash of the requirements file and the Python
# version, so a warm run only checks that the venv imports. Cold: PyPI's torch wheel with its
# CUDA libraries, several GB. Prints the venv's python path as its last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
req=train/requirements.txt
py=${PYTHON:-python3}
key=$( (cat "$req"; "$py" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
venv="${FTLAB_CACHE:-$HOME/.cache/ftlab}/train-venv-$key"
# --check: print the venv's python if it is installed, exit 1 if not (tests use this; no install).
if [ "${1:-}" = "--check" ]; then
  [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ] && { echo "$venv/bin/python"; exit 0; }
  exit 1
fi
if [ -x "$venv/bin/python" ] && [ -f "$venv/.complete" ]; then
  "$venv/bin/python" -c 'import torch, transformers, peft, accelerate' \
    || { echo "cached train venv at $venv does not import; remove it and rerun"; exit 1; }
  echo "$venv/bin/python"
  exit 0
fi
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
"$py" -m venv "$venv" || { echo "python3 -m venv failed (install python3-venv)"; exit 1; }
"$venv/bin/pip" install --quiet --no-input -r "$req" \
  || { echo "pip could not install $req into $venv"; rm -rf "$venv"; exit 1; }
"$venv/bin/python" -c 'import torch, transformers, peft, accelerate' \
  || { echo "the train venv does not import torch/transformers/peft"; exit 1; }
touch "$venv/.complete"
echo "$venv/bin/python"
