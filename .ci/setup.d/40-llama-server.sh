#!/usr/bin/env bash
# llama.cpp's OpenAI-compatible server (llama-cpp-python[server] from PyPI), the real server the
# openai backend's tests run against. PyPI has only the source: pip compiles llama.cpp with cmake.
# The built wheel and a venv are cached in ~/.cache/ftlab/llama-server-<version>/, so a warm
# run only checks the venv (seconds), and a lost venv is rebuilt from the wheel (no compile).
# Usage: bash .ci/setup.d/40-llama-server.sh        (prints the venv's python on its last line)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
version="$(tr -d '[:space:]' < "$root/tools/llama-server/VERSION")"
cache="${FTLAB_CACHE:-$HOME/.cache/ftlab}/llama-server-$version"
venv="$cache/venv"
python="$venv/bin/python"
# The server's own dependencies, pinned so a cached venv and a fresh one behave the same.
server_deps=(-r "$root/tools/llama-server/requirements.txt")

fail() { echo "llama-server $version: $1" >&2; exit 1; }

if [ -x "$python" ] && "$python" -c 'import llama_cpp, llama_cpp.server.app' 2>/dev/null; then
  echo "llama-server $version: cached in $cache"
  echo "$python"
  exit 0
fi

mkdir -p "$cache/wheels"
wheel="$(ls "$cache"/wheels/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n1 || true)"
if [ -z "$wheel" ]; then
  command -v cmake >/dev/null || fail "cmake is missing (apt-get install cmake)"
  command -v c++ >/dev/null || fail "a C++ compiler is missing (apt-get install g++)"
  start=$SECONDS
  # Only what the server needs: the llama library and the CPU backend. No llava/mtmd, no
  # -march=native (the cached wheel stays portable to another x86-64 CPU with AVX2), no curl.
  # llama.cpp builds no tests, tools or examples when it is a subproject.
  export CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DLLAMA_CURL=OFF -DGGML_OPENMP=ON"
  export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
  nice -n 10 python3 -m pip wheel --quiet --no-deps --no-binary llama-cpp-python \
    --wheel-dir "$cache/wheels" "llama-cpp-python==$version" \
    || fail "building llama-cpp-python from source failed (see pip's output above)"
  wheel="$(ls "$cache"/wheels/llama_cpp_python-"$version"-*.whl | head -n1)"
  echo "llama-server $version: built $(basename "$wheel") in $((SECONDS - start)) s"
fi

rm -rf "$venv"
python3 -m venv "$venv" || fail "python3 -m venv failed (apt-get install python3-venv)"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" "${server_deps[@]}" \
  || fail "installing the server's dependencies failed"
"$python" -c 'import llama_cpp, llama_cpp.server.app' || fail "the installed server does not import"
echo "llama-server $version: installed in $venv"
echo "$python"
