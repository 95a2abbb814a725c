#!/usr/bin/env python3
"""Reference logits from Hugging Face transformers' own LlamaForCausalLM on the MLC tiny models.

llama_numpy.py is independent of the TypeScript cpu backend in code, but not in understanding:
the same engineer wrote both, so a wrong convention (RoPE pairing, head layout, RMSNorm eps
placement, SiLU gating order) would sit in both and agree with itself. This script removes that:
the forward pass is transformers' LlamaForCausalLM, which DEFINES what a Llama checkpoint in HF
layout computes. Only the MLC-to-HF weight mapping is ours, and it is the inverse of what
mlc_llm's converter does (python/mlc_llm/model/llama/llama_loader.py: `qkv_proj` is
np.concatenate([q_proj, k_proj, v_proj], axis=0) with no row permutation, `gate_up_proj` is
np.concatenate([gate_proj, up_proj], axis=0), every other name is copied as is).

The MLC folder is decoded here with its own small decoder (not imported from llama_numpy.py, so a
decoding slip cannot hide in both): tensor-cache.json + shards, float32 / float16 / bfloat16, and
"f32-to-bf16" float32 records as bfloat16; q4 group quantization w = (q - 7) * scale, groups of 32
along K (K padded to whole groups), nibble i of each uint32 at bits 4i..4i+3.

The model runs in float64 with the eager attention implementation, unmodified. For every model,
prompt and position in tiny-random-llama.reference.json (the numpy reference's), it records the
top-10 logits and the log-sum-exp, and writes tiny-random-llama.transformers.json with the
library versions. It also reports, per model, the largest log-prob difference from the numpy
reference twice: as is (~5e-7: transformers keeps three float32 islands in a float64 model, the
RMSNorm variance, the RoPE angles and the eager softmax), and with those islands lifted to float64
for a second, diagnostic pass (~1e-15: the two implementations then compute the same function, so
every convention agrees). Only the unmodified pass's values are committed.

Needs torch + transformers, which are NOT project dependencies: install them in a throwaway
virtualenv outside the repo. The committed values were made with torch 2.15.0 and transformers
5.23.0 from PyPI (the Linux torch wheel pulls its CUDA libraries, ~5 GB installed, and `import
torch` fails without them even on CPU; it installed here in about a minute):

    python3 -m venv /tmp/hfref-venv && /tmp/hfref-venv/bin/pip install torch==2.15.0 transformers==5.23.0
    npm run make-tiny-model && python3 tools/reference/llama_numpy.py
    /tmp/hfref-venv/bin/python tools/reference/llama_transformers.py   # ~6 s on CPU
"""

import contextlib
import datetime
import hashlib
import json
import os
import platform
import sys

import numpy as np
import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM
from transformers.models.llama import modeling_llama

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "public", "models")
NUMPY_REFERENCE = os.path.join(HERE, "tiny-random-llama.reference.json")
OUT = os.path.join(HERE, "tiny-random-llama.transformers.json")
TOP_K = 10
GROUP = 32


# --------------------------------------------------------------------------------------------
# MLC folder -> float64 numpy arrays by MLC name


def read_mlc_records(folder):
    """{name: np.ndarray} for every record of every shard, decoded by dtype/format."""
    index_path = os.path.join(folder, "tensor-cache.json")
    if not os.path.exists(index_path):
        index_path = os.path.join(folder, "ndarray-cache.json")  # older MLC name
    with open(index_path) as f:
        shards = json.load(f)["records"]
    out = {}
    for shard in shards:
        with open(os.path.join(folder, shard["dataPath"]), "rb") as f:
            blob = f.read()
        if len(blob) != shard["nbytes"]:
            raise ValueError(f"{shard['dataPath']}: {len(blob)} bytes, index says {shard['nbytes']}")
        for rec in shard["records"]:
            raw = blob[rec["byteOffset"] : rec["byteOffset"] + rec["nbytes"]]
            out[rec["name"]] = decode(raw, rec["dtype"], rec.get("format", "raw")).reshape(rec["shape"])
    return out


def decode(raw, dtype, fmt):
    def bf16(b):
        return (np.frombuffer(b, dtype="<u2").astype("<u4") << 16).view("<f4")

    # Real caches stamp "f32-to-bf16" on every record: it only means bfloat16 for float32 ones.
    if dtype == "bfloat16" or (dtype == "float32" and fmt == "f32-to-bf16"):
        return bf16(raw)
    if dtype in ("float32", "float16", "uint32"):
        return np.frombuffer(raw, dtype={"float32": "<f4", "float16": "<f2", "uint32": "<u4"}[dtype])
    raise ValueError(f"unsupported dtype {dtype}")


def q4_to_float(words, scales, k):
    """[N, K/8] uint32 words + [N, ceil(K/32)] scales -> [N, K] float64."""
    n = words.shape[0]
    # Unpack nibble i of each word from bits 4i..4i+3, lowest first.
    as_bytes = words.astype("<u4").view(np.uint8).reshape(n, -1)  # little-endian: byte j holds nibbles 2j, 2j+1
    q = np.empty((n, as_bytes.shape[1] * 2), dtype=np.int64)
    q[:, 0::2] = as_bytes & 0x0F
    q[:, 1::2] = as_bytes >> 4
    s = scales.astype(np.float64)
    w = (q.astype(np.float64) - 7.0).reshape(n, s.shape[1], GROUP) * s[:, :, None]
    return w.reshape(n, -1)[:, :k]


def mlc_matrix(records, name, in_features):
    if name + ".q_weight" in records:
        return q4_to_float(records[name + ".q_weight"], records[name + ".q_scale"], in_features)
    return records[name + ".weight"].astype(np.float64)


# --------------------------------------------------------------------------------------------
# MLC names -> HF state dict and config


def hf_config(model_config):
    c = model_config
    return LlamaConfig(
        hidden_size=c["hidden_size"],
        intermediate_size=c["intermediate_size"],
        num_hidden_layers=c["num_hidden_layers"],
        num_attention_heads=c["num_attention_heads"],
        num_key_value_heads=c["num_key_value_heads"],
        head_dim=c["head_dim"],
        rms_norm_eps=c["rms_norm_eps"],
        rope_theta=c["position_embedding_base"],
        vocab_size=c["vocab_size"],
        max_position_embeddings=c["context_window_size"],
        tie_word_embeddings=c.get("tie_word_embeddings", False),
        attention_bias=False,
        mlp_bias=False,
        hidden_act="silu",
        attn_implementation="eager",
    )


def hf_state_dict(records, c):
    H, inter = c["hidden_size"], c["intermediate_size"]
    q_rows = c["num_attention_heads"] * c["head_dim"]
    kv_rows = c["num_key_value_heads"] * c["head_dim"]
    sd = {
        "model.embed_tokens.weight": mlc_matrix(records, "model.embed_tokens", H),
        "model.norm.weight": records["model.norm.weight"].astype(np.float64),
    }
    if not c.get("tie_word_embeddings", False):
        sd["lm_head.weight"] = mlc_matrix(records, "lm_head", H)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}"
        qkv = mlc_matrix(records, f"{p}.self_attn.qkv_proj", H)
        assert qkv.shape[0] == q_rows + 2 * kv_rows, qkv.shape
        sd[f"{p}.self_attn.q_proj.weight"] = qkv[:q_rows]
        sd[f"{p}.self_attn.k_proj.weight"] = qkv[q_rows : q_rows + kv_rows]
        sd[f"{p}.self_attn.v_proj.weight"] = qkv[q_rows + kv_rows :]
        sd[f"{p}.self_attn.o_proj.weight"] = mlc_matrix(records, f"{p}.self_attn.o_proj", q_rows)
        gate_up = mlc_matrix(records, f"{p}.mlp.gate_up_proj", H)
        assert gate_up.shape[0] == 2 * inter, gate_up.shape
        sd[f"{p}.mlp.gate_proj.weight"] = gate_up[:inter]
        sd[f"{p}.mlp.up_proj.weight"] = gate_up[inter:]
        sd[f"{p}.mlp.down_proj.weight"] = mlc_matrix(records, f"{p}.mlp.down_proj", inter)
        for norm in ("input_layernorm", "post_attention_layernorm"):
            sd[f"{p}.{norm}.weight"] = records[f"{p}.{norm}.weight"].astype(np.float64)
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sd.items()}


def model_config(folder):
    with open(os.path.join(folder, "mlc-chat-config.json")) as f:
        return json.load(f)["model_config"]


def load_hf_model(folder):
    c = model_config(folder)
    config = hf_config(c)
    model = LlamaForCausalLM(config).to(torch.float64).eval()
    # strict: every HF parameter gets an MLC tensor and nothing is left over.
    model.load_state_dict(hf_state_dict(read_mlc_records(folder), c), strict=True)
    assert model.config.rms_norm_eps == c["rms_norm_eps"]
    return model


# --------------------------------------------------------------------------------------------


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def top_rows(logits, positions):
    rows = []
    for p in positions:
        row = logits[p]
        top = torch.topk(row, TOP_K)
        rows.append(
            {
                "position": p,
                "ids": [int(i) for i in top.indices],
                "logits": [float(v) for v in top.values],
                "logSumExp": float(torch.logsumexp(row, dim=-1)),
            }
        )
    return rows


@contextlib.contextmanager
def float64_throughout(rope_theta):
    """Diagnostic only: lift transformers' float32 islands to float64, restore them on exit."""
    rms_forward = modeling_llama.LlamaRMSNorm.forward
    rope_forward = modeling_llama.LlamaRotaryEmbedding.forward
    softmax = torch.nn.functional.softmax

    def rms_norm(self, h):
        return self.weight * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.variance_epsilon))

    def rope(self, x, position_ids):
        d = self.inv_freq.numel() * 2
        inv_freq = 1.0 / rope_theta ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
        angles = position_ids[..., None].double() * inv_freq
        emb = torch.cat((angles, angles), dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)

    def softmax64(x, dim=None, _stacklevel=3, dtype=None):
        return softmax(x, dim=dim, dtype=None if x.dtype == torch.float64 else dtype)

    modeling_llama.LlamaRMSNorm.forward = rms_norm
    modeling_llama.LlamaRotaryEmbedding.forward = rope
    torch.nn.functional.softmax = softmax64
    try:
        yield
    finally:
        modeling_llama.LlamaRMSNorm.forward = rms_forward
        modeling_llama.LlamaRotaryEmbedding.forward = rope_forward
        torch.nn.functional.softmax = softmax


def run_prompts(model, prompts):
    out = {}
    with torch.no_grad():
        for name, prompt in prompts.items():
            logits = model(input_ids=torch.tensor([prompt["ids"]], dtype=torch.long)).logits[0]
            positions = [r["position"] for r in prompt["positions"]]
            out[name] = {"ids": prompt["ids"], "positions": top_rows(logits, positions)}
    return out


def max_diff_vs_numpy(ours, theirs):
    """Largest |log-prob difference| over the reference's top-10 ids, and whether rankings match."""
    worst, same_rank = 0.0, True
    for name, prompt in theirs["prompts"].items():
        for a, b in zip(ours["prompts"][name]["positions"], prompt["positions"]):
            same_rank &= a["ids"] == b["ids"]
            for la, lb in zip(a["logits"], b["logits"]):
                worst = max(worst, abs((la - a["logSumExp"]) - (lb - b["logSumExp"])))
    return worst, same_rank


def main():
    torch.manual_seed(0)  # nothing here is random; weights come from the folder
    with open(NUMPY_REFERENCE) as f:
        numpy_ref = json.load(f)
    out = {
        "about": "Hugging Face transformers LlamaForCausalLM (float64, eager attention) logits for the "
        "generated tiny random models, same prompts and positions as tiny-random-llama.reference.json",
        "madeBy": {
            "command": "python tools/reference/llama_transformers.py (torch + transformers from PyPI in a venv)",
            "date": datetime.date.today().isoformat(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "numpy": np.__version__,
            "dtype": "float64",
            "attnImplementation": "eager",
        },
        "topK": TOP_K,
        "models": {},
    }
    for model_id, ref in numpy_ref["models"].items():
        folder = os.path.join(MODELS, model_id)
        hashes = {s: sha256(os.path.join(folder, s)) for s in ref["shardSha256"]}
        if hashes != ref["shardSha256"]:
            sys.exit(
                f"{model_id}: shards differ from the numpy reference's; run npm run make-tiny-model and llama_numpy.py first"
            )
        model = load_hf_model(folder)
        entry = {"shardSha256": hashes, "prompts": run_prompts(model, ref["prompts"])}
        worst, same_rank = max_diff_vs_numpy(entry, ref)
        with float64_throughout(float(model_config(folder)["position_embedding_base"])):
            worst64, _ = max_diff_vs_numpy({"prompts": run_prompts(model, ref["prompts"])}, ref)
        entry["vsNumpyReference"] = {
            "maxAbsLogprobDiff": worst,
            "sameTop10": same_rank,
            "maxAbsLogprobDiffFloat64Throughout": worst64,
        }
        print(
            f"{model_id}: max |log-prob diff| vs numpy reference {worst:.2e} (same top-10: {same_rank}); "
            f"{worst64:.2e} with transformers' float32 islands lifted to float64"
        )
        out["models"][model_id] = entry
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
