#!/usr/bin/env python3
"""A miniature of the paper's study that a laptop CPU reproduces, end to end in one command:

  1. pretrain a small Llama with the Llama-2 vocabulary (4 layers, hidden 256, tied embeddings,
     11.4M parameters) on the paper's TRAINING sets' own texts (read in place from paper-data);
  2. fine-tune it, with train/ftlab_train.py (the recipe, --full as the paper did), on
     amazon_train_2000 in FT format and in FTICL format with 2 demos (`ftlab export-train`);
  3. convert base, FT and FTICL with `ftlab convert` (q0f32, manifests from the run cards);
  4. evaluate them with `ftlab eval` (the paper's label-probability method) on amazon (in domain),
     yelp (out of domain) and sst2, 0-shot and 2-shot, and print the table.

    PY=$(bash .ci/setup.d/30-train.sh | tail -1)
    $PY train/mini/run_mini.py --out runs/mini --budget-minutes 55 --seed 0

--budget-minutes splits the training time: 55% pretraining, 15% FT, 30% FTICL (FTICL examples
are three times as long). Evaluation comes on top (--limit items per test set; the paper's 250).
The models are a MINIATURE trained on the paper's training texts, not Llama-2; their numbers
show the shape of the paper's findings at toy scale, nothing more. Nothing it writes may be
committed (weights trained on the paper's data).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import subprocess
import sys
import time

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import ftlab_train  # noqa: E402  (the recipe, same code as for Llama-2-7b)

TEXT_FIELDS = ("input", "input_1", "input_2", "output", "answer")


def ftlab(*args: str, stdout=None) -> str:
    """Runs the ftlab CLI (node, from the repository) and returns its stdout."""
    cmd = ["node", "--import", "tsx", os.path.join(ROOT, "src/cli/main.ts"), *args]
    r = subprocess.run(cmd, cwd=ROOT, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"run_mini: ftlab {args[0]} failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout if stdout is None else ""


def corpus(paper_data: str) -> list[str]:
    """Every text of every training file (deduplicated: the 2000/4000/6000 files overlap)."""
    seen, texts = set(), []
    for f in sorted(glob.glob(os.path.join(paper_data, "*", "*_train_*.json"))):
        for item in json.load(open(f)):
            for k in TEXT_FIELDS:
                v = item.get(k)
                if isinstance(v, str) and v.strip() and v not in seen:
                    seen.add(v)
                    texts.append(v)
    return texts


def pretrain(out: str, tokenizer_dir: str, paper_data: str, seconds: float, seed: int, log) -> dict:
    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    texts = corpus(paper_data)
    ids: list[int] = []
    for t in texts:
        ids.extend(tok(t).input_ids + [tok.eos_token_id])
    seq = 256
    n = len(ids) // seq
    data = torch.tensor(ids[: n * seq]).view(n, seq)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = min(64, max(8, n // 50))
    val, train = data[perm[:n_val]], data[perm[n_val:]]
    cfg = LlamaConfig(
        vocab_size=32000, hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=4, head_dim=64, max_position_embeddings=1024, rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
    )
    model = LlamaForCausalLM(cfg)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01, betas=(0.9, 0.95))
    batch, step, start = 16, 0, time.time()
    model.train()
    while time.time() - start < seconds:
        lr = 2e-3 * min(1.0, (step + 1) / 50)
        for g in opt.param_groups:
            g["lr"] = lr
        rows = train[torch.randint(0, len(train), (batch,))]
        loss = model(input_ids=rows, labels=rows).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        step += 1
        if step % 25 == 0:
            log(f"pretrain step {step} loss {float(loss):.3f} ({time.time() - start:.0f}/{seconds:.0f} s)")
    model.eval()
    with torch.no_grad():
        losses = [float(model(input_ids=val[i : i + 16], labels=val[i : i + 16]).loss) for i in range(0, len(val), 16)]
    ppl = math.exp(sum(losses) / len(losses))
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        with open(os.path.join(tokenizer_dir, f), "rb") as src, open(os.path.join(out, f), "wb") as dst:
            dst.write(src.read())
    stats = {"parameters": params, "corpus_tokens": len(ids), "texts": len(texts), "steps": step, "tokens_seen": step * batch * seq, "val_perplexity": ppl, "seconds": round(time.time() - start)}
    log(f"pretrained: {json.dumps(stats)}")
    return stats


def majority(paper_data: str, task_dir: str, name: str, limit: int) -> float:
    items = json.load(open(os.path.join(paper_data, task_dir, f"{name}_test_500.json")))[:limit]
    labels = [i["output"] for i in items]
    return max(labels.count(v) for v in set(labels)) / len(labels)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--paper-data", default=os.path.join(ROOT, "..", "shared", "paper-data"))
    p.add_argument("--budget-minutes", type=float, default=55.0, help="training time in all (pretraining, FT, FTICL)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=250, help="items per test set (the paper's first 250)")
    p.add_argument("--test-sets", default="amazon,yelp,sst2")
    p.add_argument("--modes", default="zero-shot,icl", help="ftlab eval --mode (icl at 2 shots)")
    p.add_argument("--train-examples", type=int, help="use only the first N training examples (default: all 2000)")
    p.add_argument("--ft-lr", type=float, default=3e-4)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    started = time.time()
    log_file = open(os.path.join(a.out, "mini-log.txt"), "a")

    def log(msg: str) -> None:
        line = f"[{time.time() - started:6.0f} s] {msg}"
        print(line, file=sys.stderr, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    budget = a.budget_minutes * 60
    tokenizer_dir = os.path.join(ROOT, "public", "models", "tiny-random-llama-f32")
    if not os.path.exists(os.path.join(tokenizer_dir, "tokenizer.json")):
        subprocess.run(["npx", "tsx", "scripts/make-tiny-model.ts"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    amazon = os.path.join(a.paper_data, "sentiment", "amazon_train_2000.json")
    demos = os.path.join(a.paper_data, "sentiment", "few_shot", "amazon_few_shot.json")
    base_hf = os.path.join(a.out, "base-hf")
    pre = pretrain(base_hf, tokenizer_dir, a.paper_data, 0.55 * budget, a.seed, log)

    models = {}
    for method, share in (("ft", 0.15), ("fticl", 0.30)):
        data = os.path.join(a.out, f"{method}.jsonl")
        extra = ["--demos", demos, "--shots", "2"] if method == "fticl" else []
        with open(data, "w") as f:
            ftlab("export-train", "--data", amazon, "--task", "sentiment", *extra, stdout=f)
        run = os.path.join(a.out, method)
        args = ["--model", base_hf, "--data", data, "--out", run, "--dataset", "amazon_train_2000", "--full", "--epochs", "2",
                "--lr", str(a.ft_lr), "--micro-batch", "8", "--max-length", "1024", "--time-budget", str(share * budget),
                "--base-name", "mini-base", "--model-id", f"mini-{method}-amazon2000", "--seed", str(a.seed), "--no-progress", "--save-every", "0"]
        if method == "fticl":
            args += ["--shots", "2"]
        if a.train_examples:
            args += ["--limit", str(a.train_examples)]
        log(f"fine-tuning {method}")
        ftlab_train.main(args)
        models[method] = run

    mlc = {}
    mlc["base"] = os.path.join(a.out, "mlc", "mini-base")
    ftlab("convert", "--hf", base_hf, "--out", mlc["base"], "--quantization", "q0f32", "--id", "mini-base", "--base-model", "mini-base", "--force", "--json")
    for method, run in models.items():
        mlc[method] = os.path.join(a.out, "mlc", f"mini-{method}-amazon2000")
        ftlab("convert", "--hf", os.path.join(run, "merged"), "--out", mlc[method], "--quantization", "q0f32", "--run-card", os.path.join(run, "ftlab-run-card.json"), "--force", "--json")
    log("converted: " + ", ".join(mlc.values()))

    records = os.path.join(a.out, "eval-records.jsonl")
    eval_args = ["eval", "--engine", "cpu", "--paper-data", a.paper_data, "--test-set", a.test_sets, "--mode", a.modes, "--templates", "0", "--limit", str(a.limit), "--out", records]
    if any(m != "zero-shot" for m in a.modes.split(",")):
        eval_args += ["--shots", "2"]
    for m in mlc.values():
        eval_args += ["--model", m]
    log("evaluating (ftlab eval)")
    cells = [json.loads(line) for line in ftlab(*eval_args).splitlines() if line.strip()]

    table = {"pretraining": pre, "majority": {}, "accuracy": {}}
    sets = a.test_sets.split(",")
    for s in sets:
        table["majority"][s] = majority(a.paper_data, "sentiment", s, a.limit)
    for c in cells:
        key = f"{c['dataset']} {c['mode']}{'' if c['mode'] == 'zero-shot' else ' ' + str(c['shots']) + '-shot'}"
        table["accuracy"].setdefault(os.path.basename(c["modelId"]), {})[key] = c["accuracy"]["value"]
    with open(os.path.join(a.out, "mini-results.json"), "w") as f:
        json.dump(table, f, indent=2)
    cols = sorted({k for row in table["accuracy"].values() for k in row})
    print(f"miniature study ({a.limit} items per test set; training budget {a.budget_minutes:g} min, seed {a.seed}); "
          f"pretraining: {pre['steps']} steps, validation perplexity {pre['val_perplexity']:.0f}")
    print(f"{'model':28}" + "".join(f"{c:>20}" for c in cols))
    print(f"{'majority baseline':28}" + "".join(f"{table['majority'][c.split()[0]]:>20.3f}" for c in cols))
    for name, row in table["accuracy"].items():
        print(f"{name:28}" + "".join(f"{row.get(c, float('nan')):>20.3f}" for c in cols))
    log(f"done in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
