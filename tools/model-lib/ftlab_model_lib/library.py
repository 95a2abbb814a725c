"""Compile a Llama model folder into a web-llm model library (.wasm), and cache the result.

Phases (each reported on stderr): read the model's mlc-chat-config.json, export the nn.Module to
Relax, relax.build for WebGPU (host code for wasm32, system library), write wasm object files,
link them with the cached TVM web runtime by emcc. The cache key is the tool versions (TVM, emcc,
runtime key) plus a hash of this package's code, of the model's config and quantization, and the
schedule (schedule.py: "fallback" or "gpu"), so a second build of the same model is a file copy.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .cache import cache_root, hash_files
from .progress import phase, say
from .runtime import Runtime, ensure_runtime
from .schedule import DEFAULT_SCHEDULE, SCHEDULES
from .versions import WEB_LLM_VERSION

PACKAGE_DIR = Path(__file__).resolve().parent
# -O0 at link time: the runtime objects are already compiled at -O3, and binaryen's whole-module
# pass at -O2/-O3 made each link take ~3 minutes here (2 cores) for a 4.1 MB instead of a 7.0 MB
# library, with the same output and no measurable speed difference on the tiny model.
LINK_FLAGS = [
    "-O0",
    "--no-entry",
    "-sWASM_BIGINT=1",
    "-sERROR_ON_UNDEFINED_SYMBOLS=0",
    "-sSTANDALONE_WASM=1",
    "-sALLOW_MEMORY_GROWTH=1",
    "-sTOTAL_MEMORY=160MB",
]
WASM_HOST = {"kind": "llvm", "mtriple": "wasm32-unknown-unknown-wasm"}


@dataclass(frozen=True)
class BuildResult:
    wasm: Path
    bytes: int
    build_seconds: float
    cached: bool
    quantization: str
    required_features: list[str]
    cache_key: str
    schedule: str


def required_features(quantization: str) -> list[str]:
    """WebGPU features a library needs: f16 arithmetic for the *f16 formats, nothing else."""
    return ["shader-f16"] if "f16" in quantization else []


def _metadata(cfg: Any, quant: Any, named_params: list[tuple[str, Any]]) -> dict[str, Any]:
    """The JSON web-llm reads from `_metadata` (prefill chunk, KV kind, parameters by name)."""
    return {
        "model_type": "llama",
        "quantization": quant.name,
        "context_window_size": cfg.context_window_size,
        "sliding_window_size": -1,
        "attention_sink_size": -1,
        "prefill_chunk_size": cfg.prefill_chunk_size,
        "tensor_parallel_shards": 1,
        "pipeline_parallel_stages": 1,
        "disaggregation": False,
        "kv_state_kind": "kv_cache",
        "max_batch_size": 1,
        "model_task": "chat",
        "params": [
            {"name": name, "shape": [int(d) for d in p.shape], "dtype": str(p.dtype), "preprocs": []} for name, p in named_params
        ],
        "memory_usage": {},
        "built_by": "ftlab tools/model-lib",
    }


def _attach_metadata(mod: Any, metadata: dict[str, Any]) -> Any:
    import tvm
    from tvm import relax

    bb = relax.BlockBuilder(mod)
    with bb.function("_metadata", params=[]):
        bb.emit_func_output(tvm.ir.StringImm(json.dumps(metadata)))
    return bb.get()


def _link(runtime: Runtime):
    """An export_library compile function: wasm objects + the runtime objects, linked by emcc."""

    def link(output: str, objects: list[str], options: list[str] | None = None) -> None:
        cmd = ["emcc", *LINK_FLAGS, "-o", output, *map(str, runtime.objects), *objects, *(options or [])]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"emcc link failed:\n{res.stderr[-6000:]}")

    link.object_format = "o"  # type: ignore[attr-defined]
    return link


def build_key(model_dir: Path, quantization: str, runtime_key: str, schedule: str = DEFAULT_SCHEDULE) -> str:
    from .versions import tvm_version

    cfg = json.loads((model_dir / "mlc-chat-config.json").read_text())
    code = sorted(PACKAGE_DIR.glob("*.py"))
    model_part = json.dumps({"model_config": cfg.get("model_config"), "quantization": quantization, "schedule": schedule}, sort_keys=True)
    return hash_files(code, extra=f"{tvm_version()}|{runtime_key}|{WEB_LLM_VERSION}|{' '.join(LINK_FLAGS)}|{model_part}")


def compile_library(model_dir: Path, quantization: str, out: Path, schedule: str = DEFAULT_SCHEDULE) -> Path:
    """Uncached compile of one library to `out`."""
    import tvm
    from tvm import relax

    from .llama import LlamaConfig, LlamaForCausalLM, Quantization
    from .rope import install as install_precise_rope
    from .sampling import attach_sampling_functions
    from .schedule import relax_pipeline

    install_precise_rope()

    chat = json.loads((model_dir / "mlc-chat-config.json").read_text())
    cfg = LlamaConfig.from_chat_config(chat)
    quant = Quantization.parse(quantization)
    runtime = ensure_runtime()
    target = tvm.target.Target("webgpu", host=WASM_HOST)
    with phase("export", f"Llama {cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, {quant.name}"):
        model = LlamaForCausalLM(cfg, quant, target)
        mod, named_params = model.export_tvm(spec=model.get_default_spec())
        mod = _attach_metadata(mod, _metadata(cfg, quant, named_params))
        mod = attach_sampling_functions(mod)
    with phase("compile", f"relax.build for webgpu (wasm32 host, system library, {schedule} schedule)"):
        with target, tvm.transform.PassContext(config={"tirx.disable_cse_tir": True}):
            ex = relax.build(mod, target=target, relax_pipeline=relax_pipeline(target, schedule), system_lib=True)
    with phase("link", "emcc: model objects + TVM web runtime"):
        out.parent.mkdir(parents=True, exist_ok=True)
        ex.export_library(str(out), fcompile=_link(runtime))
    return out


def build_library(model_dir: Path, quantization: str | None = None, out: Path | None = None, schedule: str = DEFAULT_SCHEDULE) -> BuildResult:
    """The library for `model_dir` (cached by tool versions, code, config and schedule); copied to `out` if given."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r} (one of {', '.join(SCHEDULES)})")
    t0 = time.monotonic()
    model_dir = model_dir.resolve()
    chat = json.loads((model_dir / "mlc-chat-config.json").read_text())
    quantization = quantization or str(chat["quantization"])
    runtime = ensure_runtime()
    key = build_key(model_dir, quantization, runtime.key, schedule)
    cached = cache_root() / "model-libs" / f"llama-{quantization}-{schedule}-{key}.wasm"
    hit = cached.exists()
    if hit:
        say(f"library: cached ({cached})")
    else:
        with tempfile.TemporaryDirectory(prefix="ftlab-model-lib-") as tmp:
            built = compile_library(model_dir, quantization, Path(tmp) / "lib.wasm", schedule)
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".wasm.partial")
            shutil.copyfile(built, partial)
            partial.rename(cached)
    dest = cached
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, out)
        dest = out
    result = BuildResult(
        wasm=dest,
        bytes=dest.stat().st_size,
        build_seconds=round(time.monotonic() - t0, 1),
        cached=hit,
        quantization=quantization,
        required_features=required_features(quantization),
        cache_key=key,
        schedule=schedule,
    )
    say(f"library: {dest} ({result.bytes / 1e6:.1f} MB, {result.build_seconds} s{', cached' if hit else ''})")
    return result


def result_json(r: BuildResult) -> str:
    d = asdict(r)
    d["wasm"] = str(r.wasm)
    return json.dumps(d)
