#!/usr/bin/env python3
"""Independent float64 reference of the Llama forward pass over an MLC weight folder.

Written from the MLC / Hugging Face definitions, sharing no code with the TypeScript cpu
backend: it parses tensor-cache.json and the shards itself, decodes float16 / bfloat16 /
f32-to-bf16 and q4 group-quantized records with numpy, and runs a full (cache-free) causal
forward pass in float64. Its logits are committed as JSON and test/cpu/reference.test.ts
checks the cpu engine against them.

    python3 tools/reference/llama_numpy.py            # rewrites tools/reference/tiny-random-llama.reference.json

Needs only numpy. It shares its author's reading of the conventions with the engine, so
llama_transformers.py checks the same prompts and positions with Hugging Face transformers' own
LlamaForCausalLM (it reads this script's JSON for them: run this one first). With transformers'
float32 islands lifted to float64 the two agree to ~1e-15.
"""
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = os.path.join(ROOT, "public", "models")
OUT = os.path.join(HERE, "tiny-random-llama.reference.json")

# Prompts as token ids (no tokenizer here on purpose): a short one starting with BOS, a longer
# one without BOS that spans well past position 0 (RoPE and the causal mask only show there).
PROMPTS = {
    "bos-hello": [1, 15043, 29892, 590, 1024, 338],
    "long-no-bos": [(i * 7919 + 13) % 31990 + 3 for i in range(40)],
}
TOP_K = 10


def load_tensors(folder):
    index_path = os.path.join(folder, "tensor-cache.json")
    if not os.path.exists(index_path):
        index_path = os.path.join(folder, "ndarray-cache.json")
    with open(index_path) as f:
        index = json.load(f)
    tensors = {}
    for shard in index["records"]:
        with open(os.path.join(folder, shard["dataPath"]), "rb") as f:
            data = f.read()
        assert len(data) == shard["nbytes"], shard["dataPath"]
        for r in shard["records"]:
            raw = data[r["byteOffset"] : r["byteOffset"] + r["nbytes"]]
            shape = r["shape"]
            dtype = r["dtype"]
            if dtype == "float32" and r.get("format") == "f32-to-bf16":
                arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif dtype == "bfloat16":
                arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            elif dtype == "float16":
                arr = np.frombuffer(raw, dtype="<f2")
            elif dtype == "float32":
                arr = np.frombuffer(raw, dtype="<f4")
            elif dtype == "uint32":
                arr = np.frombuffer(raw, dtype="<u4")
            else:
                raise ValueError(f"dtype {dtype}")
            tensors[r["name"]] = arr.reshape(shape)
    return tensors


def dequant_q4(q_weight, q_scale, k):
    """w[n, k] = (nibble_k − 7) · scale[n, k // 32]; nibble i of a word at bits 4i..4i+3."""
    n, words = q_weight.shape
    shifts = np.arange(8, dtype=np.uint32) * 4
    nibbles = (q_weight[:, :, None] >> shifts[None, None, :]) & 0xF  # [n, words, 8]
    q = nibbles.reshape(n, words * 8).astype(np.float64)[:, :k]
    scale = np.repeat(q_scale.astype(np.float64), 32, axis=1)[:, :k]
    return (q - 7.0) * scale


def matrix(t, name, k):
    if name + ".q_weight" in t:
        return dequant_q4(t[name + ".q_weight"], t[name + ".q_scale"], k)
    return t[name + ".weight"].astype(np.float64)


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w.astype(np.float64)


def rope(x, positions, theta):
    """Rotate-half RoPE on [T, heads, d] (HF layout: dimension i pairs with i + d/2)."""
    d = x.shape[-1]
    inv = 1.0 / theta ** (np.arange(0, d // 2, dtype=np.float64) * 2 / d)
    ang = positions[:, None].astype(np.float64) * inv[None, :]  # [T, d/2]
    cos = np.concatenate([np.cos(ang), np.cos(ang)], axis=-1)[:, None, :]
    sin = np.concatenate([np.sin(ang), np.sin(ang)], axis=-1)[:, None, :]
    rot = np.concatenate([-x[..., d // 2 :], x[..., : d // 2]], axis=-1)
    return x * cos + rot * sin


def forward(folder, ids):
    with open(os.path.join(folder, "mlc-chat-config.json")) as f:
        cfg = json.load(f)["model_config"]
    t = load_tensors(folder)
    H = cfg["hidden_size"]
    nh, nkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    inter = cfg["intermediate_size"]
    eps, theta = cfg["rms_norm_eps"], cfg["position_embedding_base"]
    T = len(ids)
    x = matrix(t, "model.embed_tokens", H)[ids]
    pos = np.arange(T)
    mask = np.triu(np.full((T, T), -np.inf), k=1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        h = rms_norm(x, t[f"{p}.input_layernorm.weight"], eps)
        qkv = h @ matrix(t, f"{p}.self_attn.qkv_proj", H).T
        q = qkv[:, : nh * hd].reshape(T, nh, hd)
        k = qkv[:, nh * hd : (nh + nkv) * hd].reshape(T, nkv, hd)
        v = qkv[:, (nh + nkv) * hd :].reshape(T, nkv, hd)
        q, k = rope(q, pos, theta), rope(k, pos, theta)
        rep = nh // nkv
        k = np.repeat(k, rep, axis=1)
        v = np.repeat(v, rep, axis=1)
        scores = np.einsum("thd,shd->hts", q, k) / np.sqrt(hd) + mask[None]
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        attn = np.einsum("hts,shd->thd", probs, v).reshape(T, nh * hd)
        x = x + attn @ matrix(t, f"{p}.self_attn.o_proj", nh * hd).T
        h = rms_norm(x, t[f"{p}.post_attention_layernorm.weight"], eps)
        gu = h @ matrix(t, f"{p}.mlp.gate_up_proj", H).T
        g, u = gu[:, :inter], gu[:, inter:]
        x = x + (g / (1 + np.exp(-g)) * u) @ matrix(t, f"{p}.mlp.down_proj", inter).T
    x = rms_norm(x, t["model.norm.weight"], eps)
    head = "lm_head" if ("lm_head.weight" in t or "lm_head.q_weight" in t) else "model.embed_tokens"
    return x @ matrix(t, head, H).T


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    models = sys.argv[1:] or ["tiny-random-llama-f32", "tiny-random-llama-q4f16_1"]
    out = {
        "about": "float64 numpy reference logits (tools/reference/llama_numpy.py) for the generated tiny random models",
        "topK": TOP_K,
        "models": {},
    }
    for model in models:
        folder = os.path.join(MODELS, model)
        shards = sorted(f for f in os.listdir(folder) if f.startswith("params_shard_"))
        entry = {"shardSha256": {s: sha256(os.path.join(folder, s)) for s in shards}, "prompts": {}}
        for name, ids in PROMPTS.items():
            logits = forward(folder, ids)
            positions = sorted({0, len(ids) // 2, len(ids) - 1})
            rows = []
            for p in positions:
                row = logits[p]
                top = np.argsort(-row, kind="stable")[:TOP_K]
                m = row.max()
                lse = float(m + np.log(np.exp(row - m).sum()))
                rows.append({"position": p, "ids": [int(i) for i in top], "logits": [float(row[i]) for i in top], "logSumExp": lse})
            entry["prompts"][name] = {"ids": ids, "positions": rows}
        out["models"][model] = entry
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
