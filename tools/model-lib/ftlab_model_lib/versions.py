"""The exact tool versions a model library is built with, and why each is pinned.

- apache-tvm 0.27.0.post1 (PyPI): its web runtime speaks the ABI of the tvmjs runtime bundled in
  @mlc-ai/web-llm 0.2.86 (11 imports, the same exports; checked by `runtime.check_abi`), and it
  ships the runtime's C++ sources, the Relax model DSL and the paged KV cache we build on.
- emscripten 3.1.6 (Debian bookworm's package): compiles the runtime to bitcode and links the
  library. Its clang/lld 14 cannot read TVM 0.27's LLVM 22 bitcode, so TVM emits wasm object files.
"""

from __future__ import annotations

import re
import shutil
import subprocess

TVM_VERSION = "0.27.0.post1"
EMCC_VERSION = "3.1.6"
WEB_LLM_VERSION = "0.2.86"

EMCC_INSTALL_HINT = "install emscripten with `sudo apt-get install -y emscripten` (Debian's 3.1.6)"


def emcc_version() -> str | None:
    """The installed emcc's version, or None when there is no emcc on PATH."""
    exe = shutil.which("emcc")
    if exe is None:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else "unknown"


def tvm_version() -> str:
    import tvm

    return str(tvm.__version__)
