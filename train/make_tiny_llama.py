#!/usr/bin/env python3
"""A tiny RANDOM Llama in Hugging Face format with the Llama-2 vocabulary, for smoke tests.

    python train/make_tiny_llama.py OUT_DIR --tokenizer-from DIR [--seed 0] [--layers 2] [--hidden 64]

transformers' own LlamaForCausalLM with seeded random weights (initializer_range 0.15, so
logits spread over a few nats instead of the near-uniform 0.02 default), saved with
save_pretrained in float32 safetensors, sharded (model.safetensors.index.json) so the converter's
multi-file path is exercised. The tokenizer files (tokenizer.json, tokenizer_config.json) are
copied from --tokenizer-from: ftlab's tiny MLC models carry the real Llama-2 tokenizer. Its text
is nonsense by design.
"""

import argparse
import os
import shutil

import torch
from transformers import LlamaConfig, LlamaForCausalLM


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--tokenizer-from", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=172)
    p.add_argument("--tie", action="store_true", help="tie lm_head to the embedding")
    p.add_argument("--init-std", type=float, default=0.15)
    p.add_argument("--max-shard-size", default="5MB")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    cfg = LlamaConfig(
        vocab_size=32000,
        hidden_size=a.hidden,
        intermediate_size=a.intermediate,
        num_hidden_layers=a.layers,
        num_attention_heads=a.heads,
        num_key_value_heads=a.kv_heads,
        head_dim=a.hidden // a.heads,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        initializer_range=a.init_std,
        tie_word_embeddings=a.tie,
        bos_token_id=1,
        eos_token_id=2,
    )
    model = LlamaForCausalLM(cfg).to(torch.float32)
    with torch.no_grad():
        # Norm weights near 1 but not exactly: a swapped norm would otherwise go unnoticed.
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.copy_(1 + 0.1 * torch.randn_like(param))
    model.save_pretrained(a.out, safe_serialization=True, max_shard_size=a.max_shard_size)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(a.tokenizer_from, f), os.path.join(a.out, f))
    print(a.out)


if __name__ == "__main__":
    main()
