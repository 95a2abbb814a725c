#!/usr/bin/env python3
"""Independent checks for the training smoke test (test/train/recipe.test.ts).

  smoke_check.py logits HF_DIR IDS_JSON       transformers' LlamaForCausalLM in float64 (eager
                                              attention) on the HF weights: at each position,
                                              the top-10 ids and their log-probs
  smoke_check.py merge BASE ADAPTER MERGED    max |merged − (base + (alpha/r)·B·A)| over the
                                              adapted modules, and max |merged − base| elsewhere
"""

import glob
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import LlamaForCausalLM


def load_dir(d):
    out = {}
    for f in sorted(glob.glob(os.path.join(d, "*.safetensors"))):
        out.update({k: v.to(torch.float64) for k, v in load_file(f).items()})
    return out


def logits(hf_dir, ids_json):
    prompts = json.loads(ids_json)
    model = LlamaForCausalLM.from_pretrained(hf_dir, dtype=torch.float64, attn_implementation="eager").eval()
    out = []
    with torch.no_grad():
        for ids in prompts:
            lp = torch.log_softmax(model(torch.tensor([ids])).logits[0], dim=-1)
            positions = []
            for pos in range(len(ids)):
                top = torch.topk(lp[pos], 10)
                positions.append({"position": pos, "ids": top.indices.tolist(), "logprobs": top.values.tolist()})
            out.append({"ids": ids, "positions": positions})
    print(json.dumps(out))


def merge(base_dir, adapter_dir, merged_dir):
    base, merged = load_dir(base_dir), load_dir(merged_dir)
    cfg = json.load(open(os.path.join(adapter_dir, "adapter_config.json")))
    lora = load_file(os.path.join(adapter_dir, "adapter_model.safetensors"))
    scale = cfg["lora_alpha"] / cfg["r"]
    adapted, worst_adapted, worst_other, max_delta = set(), 0.0, 0.0, 0.0
    for k in lora:
        if ".lora_A." not in k:
            continue
        module = k.split(".lora_A.")[0].removeprefix("base_model.model.")
        name = module + ".weight"
        A = lora[k].to(torch.float64)
        B = lora[k.replace(".lora_A.", ".lora_B.")].to(torch.float64)
        expected = base[name] + scale * (B @ A)
        worst_adapted = max(worst_adapted, float((merged[name] - expected).abs().max()))
        max_delta = max(max_delta, float((scale * (B @ A)).abs().max()))
        adapted.add(name)
    assert base.keys() == merged.keys(), (set(base) ^ set(merged))
    for name in base:
        if name not in adapted:
            worst_other = max(worst_other, float((merged[name] - base[name]).abs().max()))
    print(json.dumps({"modules": len(adapted), "scale": scale, "maxErrorAdapted": worst_adapted, "maxChangeElsewhere": worst_other, "maxDelta": max_delta}))


if __name__ == "__main__":
    {"logits": lambda: logits(sys.argv[2], open(sys.argv[3]).read()), "merge": lambda: merge(*sys.argv[2:5])}[sys.argv[1]]()
