#!/usr/bin/env bash
# The model-library builder (tools/model-lib) and the libraries of the two tiny test models, so
# the webgpu browser tests run web-llm's real engine on SwiftShader.
#   - emscripten: Debian's package (3.1.6), from apt;
#   - the builder venv: ~/.cache/ftlab/tvm-venv-0.27.0.post1 (apache-tvm==0.27.0.post1 from PyPI);
#   - the TVM web runtime objects: ~/.cache/ftlab/tvm-web-runtime-<tvm>-emcc<emcc>-<headers hash>/;
#   - the libraries: ~/.cache/ftlab/model-libs/llama-<quant>-<schedule>-<key>.wasm (schedule
#     "fallback", the default: barrier-free kernels for SwiftShader), copied into public/models/.
# Everything is keyed by versions and code hashes: a warm run only checks and copies (seconds).
set -euo pipefail
cd "$(dirname "$0")/../.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v emcc >/dev/null 2>&1; then
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq emscripten >/dev/null; } \
    || { echo "20-model-lib: could not install emscripten with apt-get (needed to build model libraries)"; exit 1; }
fi
start=$SECONDS
npm run -s model-lib -- --tiny || { echo "20-model-lib: building the tiny model libraries failed"; exit 1; }
echo "20-model-lib: model libraries ready in $((SECONDS - start)) s"
