"""The logit-processing and sampling functions web-llm 0.2.86 requires in every model library.

web-llm calls them at every sampling step (lib/index.js, LLMChatPipeline.sampleTokenFromLogits):
  softmax_with_temperature(logits[seq, pos, vocab], temperature[seq]) -> probs (same shape)
  argsort_probs(probs[pos, vocab]) -> (sorted_probs, sorted_indices[int32])
  sample_with_top_p(sorted_probs, sorted_indices, uniform[n], sample_indices[n], top_p[pos]) -> token[n]
  apply_logit_bias_inplace, apply_penalty_inplace, apply_bitmask_inplace (only when asked for)

ftlab decodes greedily from the logits its LogitProcessor captures, so these only have to be
correct and cheap, not fast. They are deliberately simple: TVM 0.27's GPU sort launches with
blockIdx.z, which the WebGPU code generator refuses, and a full sort of the vocabulary per token
is slow on a software adapter. So `argsort_probs` does one job of a sort that sampling needs: it
puts the most probable token first and leaves the rest in id order. Hence:
  - temperature 0 (web-llm clamps it to 1e-6: a one-hot distribution) samples the argmax exactly;
  - top_p = 1 samples exactly from the distribution (every token is in the nucleus);
  - 0 < top_p < 1 cuts the nucleus in id order after the argmax: NOT the usual nucleus sampling.
    ftlab never asks for it; a library meant for sampled chat should carry a real sort.
"""

from __future__ import annotations

from tvm import relax, tirx
from tvm.script import tirx as T


def _argmax_first() -> tirx.PrimFunc:
    """Per row: the argmax (lowest id on ties) moved to position 0, the other ids in order."""

    @T.prim_func
    def argmax_first(var_probs: T.handle, var_sorted: T.handle, var_indices: T.handle):
        T.func_attr({"tirx.noalias": True, "tirx.is_scheduled": True})
        rows, vocab = T.int64(), T.int64()
        probs = T.match_buffer(var_probs, (rows, vocab), "float32")
        sorted_probs = T.match_buffer(var_sorted, (rows, vocab), "float32")
        indices = T.match_buffer(var_indices, (rows, vocab), "int32")
        for r in T.thread_binding(rows, thread="blockIdx.x"):
            for _t in T.thread_binding(T.int64(1), thread="threadIdx.x"):
                # int32 locals: the WebGPU lowering narrows indices to 32 bits and refuses int64 buffers.
                best = T.decl_buffer((1,), "int32", scope="local")
                best[0] = 0
                for j in T.serial(vocab):
                    if probs[r, j] > probs[r, T.Cast("int64", best[0])]:
                        best[0] = T.Cast("int32", j)
                for j in T.serial(vocab):
                    j32 = T.Cast("int32", j)
                    src = T.if_then_else(j32 == 0, best[0], T.if_then_else(j32 <= best[0], j32 - 1, j32))
                    sorted_probs[r, j] = probs[r, T.Cast("int64", src)]
                    indices[r, j] = src

    return argmax_first


def _sample_top_p() -> tirx.PrimFunc:
    """Per sample: the nucleus is the shortest prefix of the row whose mass reaches top_p; pick
    the first position whose running sum exceeds uniform * (nucleus mass)."""

    @T.prim_func
    def sample_top_p(
        var_sorted: T.handle, var_indices: T.handle, var_uniform: T.handle, var_rows: T.handle, var_top_p: T.handle, var_out: T.handle
    ):
        T.func_attr({"tirx.noalias": True, "tirx.is_scheduled": True})
        nrows, vocab, n = T.int64(), T.int64(), T.int64()
        sorted_probs = T.match_buffer(var_sorted, (nrows, vocab), "float32")
        indices = T.match_buffer(var_indices, (nrows, vocab), "int32")
        uniform = T.match_buffer(var_uniform, (n,), "float32")
        sample_rows = T.match_buffer(var_rows, (n,), "int32")
        top_p = T.match_buffer(var_top_p, (nrows,), "float32")
        out = T.match_buffer(var_out, (n,), "int32")
        for i in T.thread_binding(n, thread="blockIdx.x"):
            for _t in T.thread_binding(T.int64(1), thread="threadIdx.x"):
                mass = T.decl_buffer((1,), "float32", scope="local")
                acc = T.decl_buffer((1,), "float32", scope="local")
                found = T.decl_buffer((1,), "int32", scope="local")
                mass[0] = T.float32(0)
                for j in T.serial(vocab):
                    if mass[0] < top_p[T.Cast("int64", sample_rows[i])]:
                        mass[0] = mass[0] + sorted_probs[T.Cast("int64", sample_rows[i]), j]
                acc[0] = T.float32(0)
                found[0] = 0
                out[i] = indices[T.Cast("int64", sample_rows[i]), 0]
                for j in T.serial(vocab):
                    if found[0] == 0:
                        acc[0] = acc[0] + sorted_probs[T.Cast("int64", sample_rows[i]), j]
                        if acc[0] > uniform[i] * mass[0]:
                            out[i] = indices[T.Cast("int64", sample_rows[i]), j]
                            found[0] = 1

    return sample_top_p


def _logit_bias() -> tirx.PrimFunc:
    @T.prim_func
    def apply_logit_bias_inplace(var_logits: T.handle, var_pos2seq: T.handle, var_ids: T.handle, var_bias: T.handle):
        T.func_attr({"global_symbol": "apply_logit_bias_inplace", "tirx.noalias": True, "tirx.is_scheduled": True})
        batch, vocab, ntok = T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch, vocab), "float32")
        pos2seq = T.match_buffer(var_pos2seq, (ntok,), "int32")
        ids = T.match_buffer(var_ids, (ntok,), "int32")
        bias = T.match_buffer(var_bias, (ntok,), "float32")
        for _b in T.thread_binding(1, thread="blockIdx.x"):
            for _t in T.thread_binding(1, thread="threadIdx.x"):
                for k in T.serial(ntok):
                    logits[pos2seq[k], ids[k]] = logits[pos2seq[k], ids[k]] + bias[k]

    return apply_logit_bias_inplace


def _penalty() -> tirx.PrimFunc:
    """OpenAI-style presence/frequency penalties and the repetition penalty, per seen token."""

    @T.prim_func
    def apply_penalty_inplace(
        var_logits: T.handle, var_seq_ids: T.handle, var_pos2seq: T.handle, var_ids: T.handle, var_cnt: T.handle, var_pen: T.handle
    ):
        T.func_attr({"global_symbol": "apply_penalty_inplace", "tirx.noalias": True, "tirx.is_scheduled": True})
        batch, vocab, ntok, nseq = T.int32(), T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch, vocab), "float32")
        seq_ids = T.match_buffer(var_seq_ids, (nseq,), "int32")
        pos2seq = T.match_buffer(var_pos2seq, (ntok,), "int32")
        ids = T.match_buffer(var_ids, (ntok,), "int32")
        cnt = T.match_buffer(var_cnt, (ntok,), "int32")
        pen = T.match_buffer(var_pen, (nseq, 3), "float32")
        for _b in T.thread_binding(1, thread="blockIdx.x"):
            for _t in T.thread_binding(1, thread="threadIdx.x"):
                for k in T.serial(ntok):
                    s = pos2seq[k]
                    v = logits[seq_ids[s], ids[k]] - pen[s, 0] - pen[s, 1] * T.Cast("float32", cnt[k])
                    logits[seq_ids[s], ids[k]] = T.if_then_else(v < T.float32(0), v * pen[s, 2], v / pen[s, 2])

    return apply_penalty_inplace


def _bitmask() -> tirx.PrimFunc:
    """Tokens whose bit is 0 in the grammar bitmask get -inf (a very negative number here)."""

    @T.prim_func
    def apply_bitmask_inplace(var_logits: T.handle, var_seq_ids: T.handle, var_mask: T.handle):
        T.func_attr({"global_symbol": "apply_bitmask_inplace", "tirx.noalias": True, "tirx.is_scheduled": True})
        batch, vocab, nseq = T.int32(), T.int32(), T.int32()
        logits = T.match_buffer(var_logits, (batch, vocab), "float32")
        seq_ids = T.match_buffer(var_seq_ids, (nseq,), "int32")
        mask = T.match_buffer(var_mask, (batch, (vocab + 31) // 32), "int32")
        for s in T.thread_binding(nseq, thread="blockIdx.x"):
            for t in T.thread_binding(256, thread="threadIdx.x"):
                for k in T.serial((vocab + 255) // 256):
                    j = k * 256 + t
                    if j < vocab:
                        if T.bitwise_and(T.shift_right(mask[seq_ids[s], j // 32], j % 32), 1) == 0:
                            logits[seq_ids[s], j] = T.float32(-3.0e38)

    return apply_bitmask_inplace


def attach_sampling_functions(mod: "tvm.IRModule") -> "tvm.IRModule":  # noqa: F821
    """Adds the seven functions to `mod` (a Relax module before relax.build)."""
    bb = relax.BlockBuilder(mod)
    f32 = "float32"

    # softmax_with_temperature: plain Relax ops (the default GPU pipeline schedules the reduction
    # one workgroup per row).
    seqs, pos, vocab = tirx.Var("num_seq", "int64"), tirx.Var("num_pos", "int64"), tirx.Var("vocab_size", "int64")
    logits = relax.Var("logits", relax.TensorType((seqs, pos, vocab), f32))
    temperature = relax.Var("temperature", relax.TensorType((seqs,), f32))
    with bb.function("softmax_with_temperature", [logits, temperature]):
        with bb.dataflow():
            t = bb.emit(relax.op.reshape(temperature, (seqs, 1, 1)))
            probs = bb.emit_output(relax.op.nn.softmax(relax.op.divide(logits, t), axis=-1))
        bb.emit_func_output(probs)

    rows, vocab2 = tirx.Var("num_pos", "int64"), tirx.Var("vocab_size", "int64")
    p = relax.Var("probs", relax.TensorType((rows, vocab2), f32))
    argmax_gv = bb.add_func(_argmax_first(), "ftlab_argmax_first")
    with bb.function("argsort_probs", [p]):
        out = bb.emit(
            relax.call_tir(
                argmax_gv, [p], out_ty=[relax.TensorType((rows, vocab2), f32), relax.TensorType((rows, vocab2), "int32")]
            )
        )
        bb.emit_func_output(out)

    nrows, vocab3, n = tirx.Var("num_pos", "int64"), tirx.Var("vocab_size", "int64"), tirx.Var("num_samples", "int64")
    sp = relax.Var("sorted_probs", relax.TensorType((nrows, vocab3), f32))
    si = relax.Var("sorted_indices", relax.TensorType((nrows, vocab3), "int32"))
    u = relax.Var("uniform_samples", relax.TensorType((n,), f32))
    rows_var = relax.Var("sample_indices", relax.TensorType((n,), "int32"))
    tp = relax.Var("top_p", relax.TensorType((nrows,), f32))
    sample_gv = bb.add_func(_sample_top_p(), "ftlab_sample_top_p")
    with bb.function("sample_with_top_p", [sp, si, u, rows_var, tp]):
        tok = bb.emit(relax.call_tir(sample_gv, [sp, si, u, rows_var, tp], out_ty=relax.TensorType((n,), "int32")))
        bb.emit_func_output(tok)

    mod = bb.get()
    mod["apply_logit_bias_inplace"] = _logit_bias()
    mod["apply_penalty_inplace"] = _penalty()
    mod["apply_bitmask_inplace"] = _bitmask()
    return mod
