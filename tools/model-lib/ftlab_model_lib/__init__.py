"""ftlab's model-library builder: compiles a Llama-architecture model to a web-llm model library (.wasm).

Modules: versions (pins), progress (per-phase lines), cache (where builds live), runtime (the
TVM web runtime compiled with emscripten), llama (the model in tvm.relax.frontend.nn), sampling
(the logit and sampling kernels web-llm calls), library (compile + link), cli (the command).
"""
