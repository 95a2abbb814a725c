#!/usr/bin/env python3
"""A miniature of the paper's study that a laptop CPU reproduces, end to end in one command.

    npm run mini -- --budget-min 30 --seed 0                 # or, with the venv's python:
    $PY train/mini/run_mini.py --out runs/mini --budget-min 30 --seed 0

Phases (each logs its progress and time):
  1. corpus    the paper's TRAINING sets' own texts (every *_train_*.json under paper-data, read in
               place, deduplicated), tokenized with the Llama-2 tokenizer;
  2. pretrain  a small Llama with the Llama-2 vocabulary (4 layers, hidden 256, tied embeddings,
               11.4M parameters) from random weights on that corpus;
  3. ft        the recipe (train/ftlab_train.py, --full as the paper did) on amazon_train_2000 in
               FT format (`ftlab export-train`);
  4. fticl     the same in FTICL format with 2 demos (`ftlab export-train --demos --shots 2`);
  5. convert   `ftlab convert` of base, FT and FTICL to MLC folders (q0f32) with manifests (method
               base/ft/fticl, training set amazon_train_2000 and its size from the run cards), and
               a copy into public/models/mini-*/ (git-ignored) where the app finds them
               (--no-install: not);
  6. eval      `ftlab eval` on the cpu engine: the paper's label-probability accuracy on the first
               --limit items of amazon (in domain), yelp and sst2 (out of domain), 0-shot (and
               2-shot on --icl-sets, default amazon), and ROUGE-L on the first --xsum-limit items of xsum (cross-task, 0-shot);
  7. report    `ftlab report --training-set amazon` on those records, then the table with the
               majority baseline (also in OUT/mini-results.json).

--budget-min is the TRAINING time in all, split by --split (default 55% pretraining, 15% FT, 30%
FTICL: FTICL examples are about three times as long); corpus, conversion and evaluation come on
top (evaluation grows with --limit: about 0.5 s per classification item per model on 2 cores).
The models are a MINIATURE trained on the paper's training texts, not Llama-2; their numbers show
the shape of the paper's findings at toy scale, nothing more. Nothing it writes may be committed
(weights trained on the paper's data).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import shutil
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
TRAINING_SET = "amazon_train_2000"
# The model ids the app knows (src/ui/state/mini-models.ts): keep the two lists equal.
MODEL_IDS = {"base": "mini-base", "ft": "mini-ft-amazon2000", "fticl": "mini-fticl-amazon2000"}
PHASES = ("corpus", "pretrain", "ft", "fticl", "convert", "eval", "report")


class Log:
    def __init__(self, out: str) -> None:
        self.started = time.time()
        self.phase_started = self.started
        self.file = open(os.path.join(out, "mini-log.txt"), "a")
        self.timings: dict[str, float] = {}
        self.current: str | None = None

    def __call__(self, msg: str) -> None:
        line = f"[{time.time() - self.started:6.0f} s] {msg}"
        print(line, file=sys.stderr, flush=True)
        self.file.write(line + "\n")
        self.file.flush()

    def phase(self, name: str, what: str) -> None:
        self.end_phase()
        self.current, self.phase_started = name, time.time()
        self(f"phase {PHASES.index(name) + 1}/{len(PHASES)} {name}: {what}")

    def end_phase(self) -> None:
        if self.current:
            self.timings[self.current] = round(time.time() - self.phase_started, 1)
            self(f"phase {self.current} done in {self.timings[self.current]:.0f} s")
            self.current = None


def ftlab(*args: str, stdout=None, show_progress: bool = False) -> str:
    """Runs the ftlab CLI (node, from the repository) and returns its stdout."""
    cmd = ["node", "--import", "tsx", os.path.join(ROOT, "src/cli/main.ts"), *args]
    r = subprocess.run(cmd, cwd=ROOT, stdout=stdout or subprocess.PIPE, stderr=None if show_progress else subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"run_mini: ftlab {args[0]} failed ({r.returncode}):\n{(r.stderr or '')[-3000:]}")
    return r.stdout if stdout is None else ""


def corpus(paper_data: str) -> list[str]:
    """Every text of every training file (deduplicated: the 2000/4000/6000 files overlap)."""
    files = sorted(glob.glob(os.path.join(paper_data, "*", "*_train_*.json")))
    if not files:
        sys.exit(f"run_mini: no training files (*/*_train_*.json) under {paper_data}; pass --paper-data DIR")
    seen, texts = set(), []
    for f in files:
        for item in json.load(open(f)):
            for k in TEXT_FIELDS:
                v = item.get(k)
                if isinstance(v, str) and v.strip() and v not in seen:
                    seen.add(v)
                    texts.append(v)
    return texts


def tokenize_corpus(texts: list[str], tok, seq: int, seed: int, n_val: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    ids: list[int] = []
    for chunk in range(0, len(texts), 1000):
        for row in tok(texts[chunk : chunk + 1000]).input_ids:
            ids.extend(row + [tok.eos_token_id])
    n = len(ids) // seq
    data = torch.tensor(ids[: n * seq]).view(n, seq)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = min(n_val, max(1, n // 50))
    return data[perm[n_val:]], data[perm[:n_val]], len(ids)


def mini_config() -> LlamaConfig:
    # 2048 positions (RoPE has no position weights): the longest xsum prompts fit the window.
    return LlamaConfig(
        vocab_size=32000, hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=4, head_dim=64, max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
    )


def pretrain(out: str, tok, train: torch.Tensor | None, val: torch.Tensor | None, seconds: float, seed: int, lr: float, log, max_steps: int | None = None) -> dict:
    """Next-token loss on 256-token windows of the corpus, AdamW, 50 warm-up steps, then a linear
    decay of the learning rate over the time budget (to a tenth), or over max_steps steps."""
    torch.manual_seed(seed)
    model = LlamaForCausalLM(mini_config())
    params = sum(p.numel() for p in model.parameters())
    if train is None:  # no pretraining: the random initialization is the base model
        model.save_pretrained(out, safe_serialization=True)
        tok.save_pretrained(out)
        return {"parameters": params, "steps": 0, "tokens_seen": 0, "val_perplexity": None, "seconds": 0}
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95))
    batch, step, start, last_log = 16, 0, time.time(), time.time()
    g = torch.Generator().manual_seed(seed)
    model.train()
    while (step < max_steps) if max_steps is not None else (time.time() - start < seconds):
        done = step / max_steps if max_steps is not None else (time.time() - start) / max(seconds, 1e-9)
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / 50) * max(0.1, 1 - done)
        rows = train[torch.randint(0, len(train), (batch,), generator=g)]
        loss = model(input_ids=rows, labels=rows).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        step += 1
        if time.time() - last_log > 30:
            last_log = time.time()
            log(f"pretrain step {step} loss {float(loss):.3f}, {step * batch * train.shape[1] / (time.time() - start):.0f} tokens/s ({time.time() - start:.0f}/{seconds:.0f} s)")
    model.eval()
    with torch.no_grad():
        losses = [float(model(input_ids=val[i : i + 16], labels=val[i : i + 16]).loss) for i in range(0, len(val), 16)]
    ppl = math.exp(sum(losses) / len(losses))
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    stats = {"parameters": params, "steps": step, "tokens_seen": step * batch * train.shape[1], "val_perplexity": round(ppl, 1), "seconds": round(time.time() - start)}
    log(f"pretrained: {json.dumps(stats)}")
    return stats


def majority(paper_data: str, task_dir: str, name: str, limit: int) -> float:
    items = json.load(open(os.path.join(paper_data, task_dir, f"{name}_test_500.json")))[:limit]
    labels = [i["output"] for i in items]
    return max(labels.count(v) for v in set(labels)) / len(labels)


def column(cell: dict) -> str:
    return f"{cell['dataset']} {'0-shot' if cell['mode'] == 'zero-shot' else str(cell['shots']) + '-shot'}"


def parse_split(text: str) -> tuple[float, float, float]:
    parts = [float(x) for x in text.split(",")]
    if len(parts) != 3 or any(p < 0 for p in parts) or sum(parts) <= 0:
        raise argparse.ArgumentTypeError(f"--split needs three non-negative shares (pretrain,ft,fticl), not {text!r}")
    total = sum(parts)
    return (parts[0] / total, parts[1] / total, parts[2] / total)


def parse_steps(text: str) -> tuple[int, int, int]:
    try:
        parts = [int(x) for x in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3 or any(p < 0 for p in parts) or parts[1] < 1 or parts[2] < 1:
        raise argparse.ArgumentTypeError(f"--steps needs three whole numbers PRE,FT,FTICL (FT and FTICL at least 1), not {text!r}")
    return (parts[0], parts[1], parts[2])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", default=os.path.join(ROOT, "runs", "mini"), help="working folder (checkpoints, MLC folders, records, results)")
    p.add_argument("--paper-data", default=os.path.join(ROOT, "..", "shared", "paper-data"))
    p.add_argument("--budget-min", "--budget-minutes", dest="budget_min", type=float, default=30.0, help="training time in all, minutes (pretraining + FT + FTICL)")
    p.add_argument("--split", type=parse_split, default=(0.55, 0.15, 0.30), help="shares of the budget: pretrain,ft,fticl")
    p.add_argument("--steps", type=parse_steps, help="PRE,FT,FTICL optimizer steps instead of the time budget (a run that is the same on any machine: CI)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=250, help="classification items per test set (the paper's first 250)")
    p.add_argument("--xsum-limit", type=int, default=50, help="xsum items (generation, 60 new tokens each; 0: no xsum)")
    p.add_argument("--test-sets", default="amazon,yelp,sst2", help="classification test sets (sentiment)")
    p.add_argument("--icl-sets", default="amazon", help="the classification sets also evaluated 2-shot (icl): '' for none, 'all' for every one")
    p.add_argument("--models", default="base,ft,fticl", help="which of the three models to evaluate")
    p.add_argument("--train-examples", type=int, help="use only the first N training examples (default: all 2000)")
    p.add_argument("--val-windows", type=int, default=64, help="held-out 256-token windows for the validation perplexity")
    p.add_argument("--pretrain-lr", type=float, default=2e-3)
    p.add_argument("--ft-lr", type=float, default=3e-4)
    p.add_argument("--ft-max-length", type=int, default=1024, help="tokens per FT example (the paper's 1024; shorter: faster, long reviews cut)")
    p.add_argument("--fticl-max-length", type=int, default=1024, help="tokens per FTICL example (2 demos make them about three times as long)")
    p.add_argument("--install", default=os.path.join(ROOT, "public", "models"), help="folder the MLC models are copied into for the app (mini-*/)")
    p.add_argument("--no-install", action="store_true", help="do not copy the models into --install")
    a = p.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    log = Log(a.out)
    budget = a.budget_min * 60
    shares = dict(zip(("pretrain", "ft", "fticl"), a.split))
    if a.steps:
        log(f"miniature study: {a.steps[0]} pretraining, {a.steps[1]} FT and {a.steps[2]} FTICL steps (--steps: no time budget), seed {a.seed}, out {a.out}")
    else:
        log(f"miniature study: training budget {a.budget_min:g} min (pretrain {shares['pretrain'] * budget:.0f} s, FT {shares['ft'] * budget:.0f} s, FTICL {shares['fticl'] * budget:.0f} s), seed {a.seed}, out {a.out}")

    tokenizer_dir = os.path.join(ROOT, "public", "models", "tiny-random-llama-f32")
    if not os.path.exists(os.path.join(tokenizer_dir, "tokenizer.json")):
        subprocess.run(["npx", "tsx", "scripts/make-tiny-model.ts"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    amazon = os.path.join(a.paper_data, "sentiment", f"{TRAINING_SET}.json")
    demos = os.path.join(a.paper_data, "sentiment", "few_shot", "amazon_few_shot.json")

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    if (a.steps[0] if a.steps else shares["pretrain"]) == 0:
        log.phase("corpus", "skipped: no pretraining (the base model keeps its random weights)")
        texts, train, val, n_tokens = [], None, None, 0
    else:
        log.phase("corpus", f"the training sets' texts under {a.paper_data}")
        texts = corpus(a.paper_data)
        train, val, n_tokens = tokenize_corpus(texts, tok, 256, a.seed, a.val_windows)
        log(f"corpus: {len(texts)} texts, {n_tokens} tokens, {len(train)} training windows of 256, {len(val)} validation windows")

    log.phase("pretrain", f"{a.steps[0]} steps" if a.steps else f"{shares['pretrain'] * budget:.0f} s")
    base_hf = os.path.join(a.out, "base-hf")
    shutil.rmtree(base_hf, ignore_errors=True)
    pre = pretrain(base_hf, tok, train, val, shares["pretrain"] * budget, a.seed, a.pretrain_lr, log, a.steps[0] if a.steps else None)
    pre |= {"corpus_texts": len(texts), "corpus_tokens": n_tokens}
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tokenizer_dir, f), os.path.join(base_hf, f))

    runs, fine_tuning = {}, {}
    for method in ("ft", "fticl"):
        amount = f"{a.steps[1 if method == 'ft' else 2]} steps" if a.steps else f"{shares[method] * budget:.0f} s"
        log.phase(method, f"{amount}, {TRAINING_SET} in {method.upper()} format{' (2 demos)' if method == 'fticl' else ''}")
        data = os.path.join(a.out, f"{method}.jsonl")
        extra = ["--demos", demos, "--shots", "2"] if method == "fticl" else []
        with open(data, "w") as f:
            ftlab("export-train", "--data", amazon, "--task", "sentiment", *extra, stdout=f)
        run = os.path.join(a.out, method)
        shutil.rmtree(run, ignore_errors=True)
        args = ["--model", base_hf, "--data", data, "--out", run, "--dataset", TRAINING_SET, "--full", "--epochs", "2",
                "--lr", str(a.ft_lr), "--micro-batch", "8", "--max-length", str(a.ft_max_length if method == "ft" else a.fticl_max_length),
                *(["--max-steps", str(a.steps[1 if method == "ft" else 2])] if a.steps else ["--time-budget", str(shares[method] * budget)]),
                "--base-name", MODEL_IDS["base"], "--model-id", MODEL_IDS[method], "--seed", str(a.seed), "--no-progress", "--save-every", "0", "--no-resume"]
        if method == "fticl":
            args += ["--shots", "2"]
        if a.train_examples:
            args += ["--limit", str(a.train_examples)]
        ftlab_train.main(args)
        card = json.load(open(os.path.join(run, "ftlab-run-card.json")))
        fine_tuning[method] = card["results"] | {"examples": card["data"]["examples"]}
        log(f"{method}: {card['results']['steps']} steps, eval loss {card['results']['eval_loss_before']:.3f} → {card['results']['eval_loss_after']:.3f}")
        runs[method] = run

    log.phase("convert", "ftlab convert (q0f32) with manifests")
    mlc = {"base": os.path.join(a.out, "mlc", MODEL_IDS["base"])}
    ftlab("convert", "--hf", base_hf, "--out", mlc["base"], "--quantization", "q0f32", "--id", MODEL_IDS["base"], "--base-model", MODEL_IDS["base"], "--force", "--json")
    for method, run in runs.items():
        mlc[method] = os.path.join(a.out, "mlc", MODEL_IDS[method])
        ftlab("convert", "--hf", os.path.join(run, "merged"), "--out", mlc[method], "--quantization", "q0f32", "--run-card", os.path.join(run, "ftlab-run-card.json"), "--force", "--json")
    log("converted: " + ", ".join(mlc.values()))
    if not a.no_install:
        for m in mlc.values():
            dest = os.path.join(a.install, os.path.basename(m))
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(m, dest)
        log(f"installed for the app: {', '.join(os.path.join(a.install, os.path.basename(m)) for m in mlc.values())}")

    evaluated = [m.strip() for m in a.models.split(",") if m.strip()]
    model_args = [arg for m in evaluated for arg in ("--model", mlc[m])]
    log.phase("eval", f"ftlab eval on the cpu engine: {a.test_sets} (0-shot; 2-shot: {a.icl_sets or 'none'}; first {a.limit}){f', xsum (0-shot, first {a.xsum_limit})' if a.xsum_limit else ''}, models {', '.join(evaluated)}")
    records = {k: os.path.join(a.out, f"eval-{k}.jsonl") for k in ("classification-zero-shot", "classification-icl", "xsum")}
    for f in records.values():
        if os.path.exists(f):
            os.remove(f)  # new weights: old records would be resumed as if they were these models'
    common = ["eval", "--engine", "cpu", "--paper-data", a.paper_data, "--templates", "0", *model_args]
    sets = [s.strip() for s in a.test_sets.split(",") if s.strip()]
    icl = sets if a.icl_sets == "all" else [s for s in a.icl_sets.split(",") if s.strip() in sets]
    cells = []
    # 0-shot on every set, then 2-shot on the --icl-sets (one records file: the plans differ, the cells do not overlap)
    for test_sets, mode in ((sets, "zero-shot"), (icl, "icl")):
        if not test_sets:
            continue
        cls_args = [*common, "--test-set", ",".join(test_sets), "--mode", mode, "--limit", str(a.limit), "--out", records[f"classification-{mode}"]]
        if mode == "icl":
            cls_args += ["--shots", "2"]
        cells += [json.loads(line) for line in ftlab(*cls_args, show_progress=True).splitlines() if line.strip()]
    if a.xsum_limit:
        # A prompt over the 2048-token window is an error record, not a failed run: counted below.
        xs = ["--test-set", "xsum", "--mode", "zero-shot", "--limit", str(a.xsum_limit), "--out", records["xsum"], "--tolerate-errors"]
        cells += [json.loads(line) for line in ftlab(*common, *xs, show_progress=True).splitlines() if line.strip()]
    log.end_phase()

    log.phase("report", "ftlab report --training-set amazon")
    merged_records = os.path.join(a.out, "eval-records.jsonl")
    with open(merged_records, "w") as out:
        for f in records.values():
            if os.path.exists(f):
                out.write(open(f).read())
    report = ftlab("report", "--records", merged_records, "--training-set", "amazon")

    table: dict = {"budget_min": None if a.steps else a.budget_min, "steps": list(a.steps) if a.steps else None, "seed": a.seed, "limit": a.limit, "xsum_limit": a.xsum_limit, "pretraining": pre, "fine_tuning": fine_tuning,
                   "majority": {s: majority(a.paper_data, "sentiment", s, a.limit) for s in sets}, "scores": {}, "errors": {}}
    for c in cells:
        row = table["scores"].setdefault(c["modelId"], {})
        if c.get("accuracy"):
            row[column(c)] = c["accuracy"]["value"]
        elif c.get("rougeL"):
            row["xsum ROUGE-L"] = c["rougeL"]["mid"]
        if c.get("errors"):
            table["errors"][f"{c['modelId']} {column(c)}"] = c["errors"]
    cols = sorted({k for row in table["scores"].values() for k in row}, key=lambda k: (k.startswith("xsum"), sets.index(k.split()[0]) if k.split()[0] in sets else 99, k))
    lines = [f"miniature study: {'steps ' + ','.join(map(str, a.steps)) if a.steps else f'training budget {a.budget_min:g} min'}, seed {a.seed}; pretraining {pre['steps']} steps ({pre['tokens_seen']} tokens)"
             f"{'' if pre['val_perplexity'] is None else ', validation perplexity ' + format(pre['val_perplexity'], '.0f')}; "
             f"FT {fine_tuning['ft']['steps']} steps, FTICL {fine_tuning['fticl']['steps']} steps; first {a.limit} items per sentiment set" + (f", {a.xsum_limit} xsum items" if a.xsum_limit else ""),
             f"{'model':24}" + "".join(f"{c:>15}" for c in cols),
             f"{'majority baseline':24}" + "".join(f"{table['majority'][c.split()[0]]:>15.3f}" if c.split()[0] in table["majority"] else f"{'—':>15}" for c in cols)]
    for name, row in table["scores"].items():
        lines.append(f"{name:24}" + "".join(f"{row[c]:>15.3f}" if c in row else f"{'—':>15}" for c in cols))
    if table["errors"]:
        lines.append("error records (prompts over the context window): " + ", ".join(f"{k} {v}" for k, v in table["errors"].items()))
    log.end_phase()
    table["phase_seconds"] = log.timings
    table["seconds"] = round(time.time() - log.started)
    with open(os.path.join(a.out, "mini-results.json"), "w") as f:
        json.dump(table, f, indent=2)
    print(report.rstrip() + "\n")
    print("\n".join(lines))
    log(f"done in {table['seconds']} s (phases: {', '.join(f'{k} {v:.0f} s' for k, v in log.timings.items())}); results in {os.path.join(a.out, 'mini-results.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
