"""The Relax pipeline for the libraries: TVM's generic GPU pipeline, with a choice of schedules.

Two schedules (`--schedule`, recorded in the cache key and the model folder's manifest):
- "fallback" (the default; what the tests and CI build): barrier-free kernels, below;
- "gpu": TVM's own generic GPU rules (dlight Matmul, GEMV, Reduction, GeneralReduction, then
  Fallback), i.e. gpu_generic's pipeline unchanged: workgroup-wide reductions through shared
  memory, which is what a real GPU runs fast and larger models want. On SwiftShader it costs
  seconds per token (below).

Why "fallback":

TVM's default GPU schedules (dlight's GEMV, Reduction and GeneralReduction rules) reduce across
the threads of a workgroup through shared memory with a barrier per step. On a software WebGPU
adapter a barrier is expensive: measured in Chromium on SwiftShader (2 loaded cores), 8000
workgroups of 256 threads with a barrier-tree reduction take 8.1 s per dispatch, of 64 threads
0.38 s, while 8000 barrier-free workgroups take 7 ms and one thread looping over 32000 floats
3.4 ms. The lm_head GEMV (32000 rows) was scheduled the first way and cost seconds per token.
Here every kernel the model code leaves unscheduled gets dlight's Fallback rule only: spatial
loops across threads, each thread running its reduction serially, no barriers. On a GPU this is
slower for large reductions; these libraries are for small models (tests, your own small
Llamas), where it is the right trade on every adapter. The paged-KV-cache attention kernels and
the sampling kernels carry their own schedules and are not touched.
"""

from __future__ import annotations

from typing import Any

# Names only here (no TVM import): the command line reads them before any build.
SCHEDULES = ("fallback", "gpu")
DEFAULT_SCHEDULE = "fallback"


def relax_pipeline(target: Any, schedule: str = DEFAULT_SCHEDULE) -> Any:
    """The Relax pipeline for `target` (a tvm.target.Target) with the given schedule."""
    import tvm
    from tvm import relax
    from tvm.relax.backend.gpu_generic import pipeline as gpu_generic
    from tvm.s_tir import dlight as dl

    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r} (one of {', '.join(SCHEDULES)})")
    if schedule == "gpu":
        legalize = gpu_generic.legalize_passes(target)
    else:
        legalize = [
            relax.transform.LegalizeOps(),
            relax.transform.AnnotateTIROpPattern(),
            relax.transform.FoldConstant(),
            relax.transform.FuseOps(),
            relax.transform.FuseTIR(),
            dl.ApplyDefaultSchedule(dl.gpu.Fallback()),
        ]

    @tvm.transform.module_pass(opt_level=0)
    def _pipeline(mod: Any, _ctx: Any) -> Any:
        with target:
            seq = tvm.transform.Sequential(
                gpu_generic.library_dispatch_passes(target)
                + legalize
                + gpu_generic.dataflow_lower_passes(target)
                + gpu_generic.finalize_passes(target)
            )
            return seq(mod)

    return _pipeline
