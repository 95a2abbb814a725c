"""The TVM web runtime, compiled with emscripten from the sources inside the apache-tvm wheel.

The wheel carries web/emcc/{wasm_runtime,webgpu_runtime,tvmjs_support}.cc, the runtime's src/ and
include/, and tvm-ffi's sources, but not nine small support headers those sources include; ftlab
writes its own (tools/model-lib/runtime-support/, same paths). `ensure_runtime()` assembles a source
tree from the wheel plus those headers, compiles the three units to wasm object files, and caches
them under ~/.cache/ftlab/tvm-web-runtime-<tvm>-emcc<emcc>-<hash>/ (hash of the headers and flags).

Object files rather than LLVM bitcode: bitcode is re-optimized at every library link (LTO), which
made each link take minutes; objects are linked as they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_root, hash_files
from .progress import phase, say
from .versions import EMCC_INSTALL_HINT, emcc_version, tvm_version

SUPPORT_DIR = Path(__file__).resolve().parent.parent / "runtime-support"
UNITS = ("wasm_runtime", "webgpu_runtime", "tvmjs_support")
CFLAGS = ["-O3", "-std=c++17", "-Wno-ignored-attributes"]


class ToolMissingError(RuntimeError):
    """A tool the build needs is not installed; the message says how to install it."""


@dataclass(frozen=True)
class Runtime:
    folder: Path
    objects: tuple[Path, ...]
    key: str


def _wheel_dirs() -> tuple[Path, Path]:
    import tvm
    import tvm_ffi

    return Path(tvm.__file__).parent, Path(tvm_ffi.__file__).parent


def runtime_key() -> str:
    emcc = emcc_version()
    if emcc is None:
        raise ToolMissingError(f"emcc not found: {EMCC_INSTALL_HINT}")
    headers = sorted(p for p in SUPPORT_DIR.rglob("*.h"))
    digest = hash_files(headers, extra=" ".join(CFLAGS))
    return f"tvm-web-runtime-{tvm_version()}-emcc{emcc}-{digest}"


def _assemble_tree(dest: Path) -> None:
    """A TVM source root as web/Makefile expects it: the wheel's sources plus ftlab's headers."""
    tvm_dir, ffi_dir = _wheel_dirs()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copytree(tvm_dir / "src", dest / "src")
    shutil.copytree(tvm_dir / "include", dest / "include")
    shutil.copytree(tvm_dir / "web" / "emcc", dest / "web" / "emcc")
    ffi = dest / "3rdparty" / "tvm-ffi"
    shutil.copytree(ffi_dir / "include", ffi / "include")
    shutil.copytree(ffi_dir / "src", ffi / "src")
    shutil.copytree(ffi_dir / "3rdparty" / "dlpack", ffi / "3rdparty" / "dlpack")
    shutil.copytree(SUPPORT_DIR, dest, dirs_exist_ok=True)


def include_flags(root: Path) -> list[str]:
    return [
        f"-I{root}",
        f"-I{root / 'include'}",
        f"-I{root / '3rdparty' / 'tvm-ffi' / 'include'}",
        f"-I{root / '3rdparty' / 'tvm-ffi' / '3rdparty' / 'dlpack' / 'include'}",
        f"-I{root / '3rdparty' / 'compiler-rt'}",
    ]


def ensure_runtime() -> Runtime:
    """The compiled runtime objects, built once per key (tvm, emcc, headers, flags)."""
    key = runtime_key()
    folder = cache_root() / key
    objects = tuple(folder / f"{u}.o" for u in UNITS)
    if (folder / ".complete").exists() and all(o.exists() for o in objects):
        say(f"runtime: cached ({folder})")
        return Runtime(folder, objects, key)
    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    src = tmp / "src-tree"
    with phase("runtime", "assembling the TVM web runtime sources"):
        _assemble_tree(src)
    for unit in UNITS:
        with phase("runtime", f"emcc {unit}.cc"):
            cmd = ["emcc", *CFLAGS, *include_flags(src), "-c", "-o", str(tmp / f"{unit}.o"), str(src / "web" / "emcc" / f"{unit}.cc")]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if res.returncode != 0:
                raise RuntimeError(f"emcc failed on {unit}.cc:\n{res.stderr[-6000:]}")
    shutil.rmtree(src)
    (tmp / ".complete").write_text(key + "\n")
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)
    return Runtime(folder, objects, key)
