"""A Llama in tvm.relax.frontend.nn whose parameters are named, shaped and typed as MLC's.

The names are the ones src/core/mlc writes and reads (llama-layout.ts): fused
`self_attn.qkv_proj` (q, k, v rows), fused `mlp.gate_up_proj` (gate rows, then up rows), and, for
the group-quantized formats, `<name>.q_weight` (uint32 [N, ceil(K/32)*4], eight 4-bit codes per
word, code i at bits 4i..4i+3) with `<name>.q_scale` ([N, ceil(K/32)], model dtype), where
w[n, k] = (code - 7) * scale[n, k // 32]. Embedding and lm_head are quantized alike.

Exported functions (what web-llm 0.2.86's LLMChatPipeline calls):
  embed(input_ids[seq])                          -> [seq, hidden]
  prefill(input_embed[1, seq, hidden], kv_cache) -> (logits[1, 1, vocab] of the last position, kv_cache)
  decode(input_embed[1, 1, hidden], kv_cache)    -> (logits[1, 1, vocab], kv_cache)
  create_tir_paged_kv_cache(max_batch, max_total_seq_len, prefill_chunk, page_size, sliding) -> kv_cache
Attention and RoPE (rotate-half, on HF-layout q/k) are TVM's own paged KV cache kernels
(tvm.relax.frontend.nn.llm.kv_cache.TIRPagedKVCache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tvm import relax, te, tirx
from tvm.relax.frontend import nn
from tvm.relax.frontend.nn import Tensor, op
from tvm.relax.frontend.nn.llm.kv_cache import PagedKVCache, RopeMode, TIRPagedKVCache
from tvm.target import Target

GROUP_SIZE = 32
CODES_PER_WORD = 8


@dataclass(frozen=True)
class LlamaConfig:
    """The model_config block of mlc-chat-config.json (the fields a Llama needs)."""

    hidden_size: int
    intermediate_size: int
    num_attention_heads: int
    num_hidden_layers: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    vocab_size: int
    position_embedding_base: float
    context_window_size: int
    prefill_chunk_size: int
    tie_word_embeddings: bool = False

    @staticmethod
    def from_chat_config(cfg: dict[str, Any]) -> LlamaConfig:
        m = cfg["model_config"]
        heads = int(m["num_attention_heads"])
        return LlamaConfig(
            hidden_size=int(m["hidden_size"]),
            intermediate_size=int(m["intermediate_size"]),
            num_attention_heads=heads,
            num_hidden_layers=int(m["num_hidden_layers"]),
            num_key_value_heads=int(m.get("num_key_value_heads") or heads),
            head_dim=int(m.get("head_dim") or int(m["hidden_size"]) // heads),
            rms_norm_eps=float(m["rms_norm_eps"]),
            vocab_size=int(m["vocab_size"]),
            position_embedding_base=float(m.get("position_embedding_base") or m.get("rope_theta") or 10000),
            context_window_size=int(m.get("context_window_size") or cfg.get("context_window_size")),
            prefill_chunk_size=int(m.get("prefill_chunk_size") or cfg.get("prefill_chunk_size")),
            tie_word_embeddings=bool(m.get("tie_word_embeddings", False)),
        )


@dataclass(frozen=True)
class Quantization:
    """q0f32 / q0f16 (no quantization) or q4f32_1 / q4f16_1 (4-bit groups of 32 along K)."""

    name: str
    bits: int  # 0: none
    dtype: str  # the model dtype: activations, norms, scales, KV cache

    @staticmethod
    def parse(name: str) -> Quantization:
        table = {
            "q0f32": Quantization("q0f32", 0, "float32"),
            "q0f16": Quantization("q0f16", 0, "float16"),
            "q4f32_1": Quantization("q4f32_1", 4, "float32"),
            "q4f16_1": Quantization("q4f16_1", 4, "float16"),
        }
        if name not in table:
            raise ValueError(f"unsupported quantization {name!r}: use one of {', '.join(table)}")
        return table[name]


def _padded_groups(k: int) -> int:
    return (k + GROUP_SIZE - 1) // GROUP_SIZE


def _dequantize(q_weight: te.Tensor, q_scale: te.Tensor, rows: Any, k: int, dtype: str) -> te.Tensor:
    """w[n, j] = (code(n, j) - 7) * scale[n, j // 32], for j < k (the padding codes are dropped)."""

    def value(n: Any, j: Any) -> Any:
        word = q_weight[n, j // CODES_PER_WORD]
        code = (word >> (tirx.Cast("uint32", j % CODES_PER_WORD) * tirx.const(4, "uint32"))) & tirx.const(0xF, "uint32")
        return (code.astype(dtype) - tirx.const(7, dtype)) * q_scale[n, j // GROUP_SIZE]

    return te.compute((rows, k), value, name="dequantize")


class Linear(nn.Module):
    """y = x W^T with W [out, in], stored plain (`.weight`) or group-quantized (`.q_weight`, `.q_scale`)."""

    def __init__(self, in_features: int, out_features: int, quant: Quantization):
        self.in_features = in_features
        self.out_features = out_features
        self.quant = quant
        if quant.bits == 0:
            self.weight = nn.Parameter((out_features, in_features), quant.dtype)
        else:
            groups = _padded_groups(in_features)
            self.q_weight = nn.Parameter((out_features, groups * GROUP_SIZE // CODES_PER_WORD), "uint32")
            self.q_scale = nn.Parameter((out_features, groups), quant.dtype)

    def full_weight(self) -> Tensor:
        if self.quant.bits == 0:
            return self.weight
        k, dtype = self.in_features, self.quant.dtype
        return op.tensor_expr_op(
            lambda qw, qs: _dequantize(qw, qs, qw.shape[0], k, dtype), name_hint="dequantize", args=[self.q_weight, self.q_scale]
        )

    def forward(self, x: Tensor) -> Tensor:
        return op.matmul(x, op.permute_dims(self.full_weight()))


class Embedding(nn.Module):
    """Rows of the [vocab, hidden] table, plain or group-quantized (only the looked-up rows are dequantized)."""

    def __init__(self, vocab_size: int, hidden_size: int, quant: Quantization):
        self.hidden_size = hidden_size
        self.quant = quant
        if quant.bits == 0:
            self.weight = nn.Parameter((vocab_size, hidden_size), quant.dtype)
        else:
            groups = _padded_groups(hidden_size)
            self.q_weight = nn.Parameter((vocab_size, groups * GROUP_SIZE // CODES_PER_WORD), "uint32")
            self.q_scale = nn.Parameter((vocab_size, groups), quant.dtype)

    def forward(self, ids: Tensor) -> Tensor:
        if self.quant.bits == 0:
            return op.take(self.weight, ids, axis=0)
        qw = op.take(self.q_weight, ids, axis=0)
        qs = op.take(self.q_scale, ids, axis=0)
        h, dtype = self.hidden_size, self.quant.dtype
        return op.tensor_expr_op(lambda w, s: _dequantize(w, s, w.shape[0], h, dtype), name_hint="dequantize_embed", args=[qw, qs])


class Attention(nn.Module):
    def __init__(self, cfg: LlamaConfig, quant: Quantization):
        self.cfg = cfg
        rows = (cfg.num_attention_heads + 2 * cfg.num_key_value_heads) * cfg.head_dim
        self.qkv_proj = Linear(cfg.hidden_size, rows, quant)
        self.o_proj = Linear(cfg.num_attention_heads * cfg.head_dim, cfg.hidden_size, quant)

    def forward(self, x: Tensor, kv: PagedKVCache, layer_id: int) -> Tensor:
        c = self.cfg
        b, s, _ = x.shape
        qkv = op.reshape(self.qkv_proj(x), (b, s, c.num_attention_heads + 2 * c.num_key_value_heads, c.head_dim))
        out = kv.attention_with_fused_qkv(layer_id, qkv, c.num_attention_heads, sm_scale=c.head_dim**-0.5)
        return self.o_proj(op.reshape(out, (b, s, c.num_attention_heads * c.head_dim)))


class MLP(nn.Module):
    def __init__(self, cfg: LlamaConfig, quant: Quantization):
        self.gate_up_proj = Linear(cfg.hidden_size, 2 * cfg.intermediate_size, quant)
        self.down_proj = Linear(cfg.intermediate_size, cfg.hidden_size, quant)

    def forward(self, x: Tensor) -> Tensor:
        gate, up = op.split(self.gate_up_proj(x), 2, axis=-1)
        return self.down_proj(op.silu(gate) * up)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: LlamaConfig, quant: Quantization):
        self.self_attn = Attention(cfg, quant)
        self.mlp = MLP(cfg, quant)
        self.input_layernorm = nn.RMSNorm(cfg.hidden_size, -1, cfg.rms_norm_eps, bias=False, dtype=quant.dtype)
        self.post_attention_layernorm = nn.RMSNorm(cfg.hidden_size, -1, cfg.rms_norm_eps, bias=False, dtype=quant.dtype)

    def forward(self, x: Tensor, kv: PagedKVCache, layer_id: int) -> Tensor:
        x = x + self.self_attn(self.input_layernorm(x), kv, layer_id)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, cfg: LlamaConfig, quant: Quantization):
        self.embed_tokens = Embedding(cfg.vocab_size, cfg.hidden_size, quant)
        self.layers = nn.ModuleList([DecoderLayer(cfg, quant) for _ in range(cfg.num_hidden_layers)])
        self.norm = nn.RMSNorm(cfg.hidden_size, -1, cfg.rms_norm_eps, bias=False, dtype=quant.dtype)

    def forward(self, x: Tensor, kv: PagedKVCache) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x, kv, i)
        return self.norm(x)


def _last_position(x: Tensor) -> Tensor:
    def index(t: te.Tensor) -> te.Tensor:
        b, s, d = t.shape
        return te.compute((b, 1, d), lambda i, _, k: t[i, s - 1, k], name="index_last")

    return op.tensor_expr_op(index, name_hint="index_last", args=[x])


class LlamaForCausalLM(nn.Module):
    def __init__(self, cfg: LlamaConfig, quant: Quantization, target: Target):
        if cfg.tie_word_embeddings:
            raise ValueError("tied embeddings are not supported yet (ftlab's Llama-2 models have an lm_head)")
        self.cfg = cfg
        self.quant = quant
        self.target = target
        self.model = Backbone(cfg, quant)
        self.lm_head = Linear(cfg.hidden_size, cfg.vocab_size, quant)

    def _logits(self, hidden: Tensor) -> Tensor:
        logits = self.lm_head(hidden)
        return logits if logits.dtype == "float32" else logits.astype("float32")

    def embed(self, input_ids: Tensor) -> Tensor:
        return self.model.embed_tokens(input_ids)

    def prefill(self, input_embed: Tensor, paged_kv_cache: PagedKVCache) -> tuple[Tensor, PagedKVCache]:
        hidden = self.model(input_embed, paged_kv_cache)
        return self._logits(_last_position(hidden)), paged_kv_cache

    def decode(self, input_embed: Tensor, paged_kv_cache: PagedKVCache) -> tuple[Tensor, PagedKVCache]:
        hidden = self.model(input_embed, paged_kv_cache)
        return self._logits(hidden), paged_kv_cache

    def create_tir_paged_kv_cache(
        self,
        max_batch_size: tirx.Var,
        max_total_seq_len: tirx.Var,
        prefill_chunk_size: tirx.Var,
        page_size: tirx.Var,
        support_sliding_window: tirx.Var,
    ) -> PagedKVCache:
        c = self.cfg
        return TIRPagedKVCache(
            attn_kind="mha",
            max_batch_size=max_batch_size,
            max_total_seq_len=max_total_seq_len,
            prefill_chunk_size=prefill_chunk_size,
            page_size=page_size,
            support_sliding_window=support_sliding_window,
            layer_partition=_shape([0, c.num_hidden_layers]),
            num_hidden_layers=c.num_hidden_layers,
            num_attention_heads=c.num_attention_heads,
            num_key_value_heads=c.num_key_value_heads,
            qk_head_dim=c.head_dim,
            v_head_dim=c.head_dim,
            mla_original_qk_head_dim=0,
            mla_original_v_head_dim=0,
            rope_mode=RopeMode.NORMAL,
            rope_scale=1,
            rope_theta=c.position_embedding_base,
            rope_scaling={},
            rope_ext_factors=relax.prim_value(0),  # "none" (no longrope factors)
            rotary_dim=c.head_dim,
            enable_disaggregation=False,
            dtype=self.quant.dtype,
            target=self.target,
        )

    def get_default_spec(self) -> nn.spec.ModuleSpec:
        h, dtype = self.cfg.hidden_size, self.quant.dtype
        packed = {"param_mode": "packed", "effect_mode": "none"}
        spec = {
            "embed": {"input_ids": nn.spec.Tensor(["seq_len"], "int32"), "$": packed},
            "prefill": {
                "input_embed": nn.spec.Tensor([1, "seq_len", h], dtype),
                "paged_kv_cache": nn.spec.Object(object_type=PagedKVCache),
                "$": packed,
            },
            "decode": {
                "input_embed": nn.spec.Tensor([1, 1, h], dtype),
                "paged_kv_cache": nn.spec.Object(object_type=PagedKVCache),
                "$": packed,
            },
            "create_tir_paged_kv_cache": {
                "max_batch_size": int,
                "max_total_seq_len": int,
                "prefill_chunk_size": int,
                "page_size": int,
                "support_sliding_window": int,
                "$": {"param_mode": "none", "effect_mode": "none"},
            },
        }
        return nn.spec.ModuleSpec.from_raw(spec, self)


def _shape(values: list[int]) -> relax.ShapeExpr:
    return relax.ShapeExpr(values)
