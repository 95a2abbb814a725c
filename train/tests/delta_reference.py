#!/usr/bin/env python3
"""mean |Δw| computed directly with numpy, for test/train/delta.test.ts to check `ftlab delta`.

Reads the files with the safetensors library (not ftlab's reader; through torch, since numpy has
no bfloat16), then computes in numpy float64:
  delta_reference.py models BASE_DIR MODEL_DIR   Hugging Face folders, tensors by their names
  delta_reference.py adapter ADAPTER_DIR         PEFT LoRA: ΔW = (alpha/r)·B·A per module
prints {"tensors": {name: mean_abs}, "overall": mean_abs, "count": n} as JSON.
"""

import glob
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file


def load_dir(d):
    out = {}
    for f in sorted(glob.glob(os.path.join(d, "*.safetensors"))):
        out.update({k: v.to(torch.float64).numpy() for k, v in load_file(f).items()})
    return out


def main():
    mode = sys.argv[1]
    tensors, total, count = {}, 0.0, 0
    if mode == "models":
        a, b = load_dir(sys.argv[2]), load_dir(sys.argv[3])
        assert a.keys() == b.keys()
        for k in a:
            d = np.abs(b[k] - a[k])
            tensors[k] = float(d.mean())
            total += float(d.sum())
            count += d.size
    else:
        d = sys.argv[2]
        cfg = json.load(open(os.path.join(d, "adapter_config.json")))
        w = load_file(os.path.join(d, "adapter_model.safetensors"))
        scale = cfg["lora_alpha"] / cfg["r"]
        for k in sorted(w):
            if ".lora_A." not in k:
                continue
            module = k.split(".lora_A.")[0].removeprefix("base_model.model.")
            A = w[k].to(torch.float64).numpy()
            B = w[k.replace(".lora_A.", ".lora_B.")].to(torch.float64).numpy()
            delta = np.abs(scale * (B @ A))
            tensors[module + ".weight"] = float(delta.mean())
            total += float(delta.sum())
            count += delta.size
    print(json.dumps({"tensors": tensors, "overall": total / count, "count": count}))


if __name__ == "__main__":
    main()
