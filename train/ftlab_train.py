#!/usr/bin/env python3
"""Fine-tune a Llama checkpoint on ftlab's training data, the paper's way (FT or FTICL).

Input: the JSON lines `ftlab export-train` writes, one {"source", "target"} per line (FTICL
sources already carry their in-context examples). As the authors' train.py does, the text is
source + target, EOS is appended, and the loss is masked to the target: the source's tokens get
label -100. Defaults are the paper's settings (2 epochs, effective batch 16, max length 1024,
learning rate 2e-5 as the authors' code has it, linear schedule, bf16 where the hardware has it);
LoRA by default (rank, alpha, dropout, target modules as flags), full fine-tuning with --full
(the paper's way).

Writes into --out:
  adapter/                 the LoRA adapter (adapter_config.json, adapter_model.safetensors)
  merged/                  full weights: base + (alpha/r)·B·A (merge_and_unload), or the fully
                           fine-tuned model; config.json, model.safetensors, tokenizer files
  ftlab-run-card.json      every setting, the data's sha256, library versions, losses (also
                           copied into adapter/ and merged/); `ftlab convert --run-card` reads it
  checkpoints/step-N/      resumable state every --save-every optimizer steps (last two kept)
  train-log.jsonl          one line per optimizer step: loss, learning rate, tokens/s

Rerunning the same command resumes from the newest checkpoint (--no-resume starts over).

    python train/ftlab_train.py --model HF_DIR --data ft.jsonl --out runs/ft --dataset amazon_train_2000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import sys
import time

import accelerate
import numpy as np
import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from tqdm import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup

IGNORE_INDEX = -100
RUN_CARD = "ftlab-run-card.json"
DEFAULT_TARGETS = "q_proj,k_proj,v_proj,o_proj"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", required=True, help="base model: a Hugging Face folder (config.json, safetensors, tokenizer)")
    p.add_argument("--data", required=True, help="training data: JSON lines from `ftlab export-train`")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--method", choices=["ft", "fticl"], help="what the data is (default: fticl when --shots > 0, else ft)")
    p.add_argument("--dataset", help="training set name for the manifest, e.g. amazon_train_2000 (default: the data file's name)")
    p.add_argument("--shots", type=int, default=0, help="FTICL: in-context examples per training example (as exported)")
    p.add_argument("--template", type=int, default=0, help="prompt map the data was exported with")
    p.add_argument("--base-name", help="base model name for the run card (default: config's _name_or_path, else the folder name)")
    p.add_argument("--model-id", help="model id for the manifest (default: <base>-<method>-<dataset>)")
    p.add_argument("--limit", type=int, help="use only the first N examples")
    # The paper's settings
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--effective-batch", type=int, default=16, help="examples per optimizer step")
    p.add_argument("--micro-batch", type=int, default=4, help="examples per forward pass (gradient accumulation makes up the rest)")
    p.add_argument("--max-length", type=int, default=1024, help="tokens per example (longer ones are truncated)")
    p.add_argument("--lr", type=float, default=2e-5, help="peak learning rate (the authors' code; the paper's text says 0.002)")
    p.add_argument("--warmup-ratio", type=float, default=0.0)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto", help="auto: bf16 where the hardware has it")
    # LoRA (default) or full fine-tuning
    p.add_argument("--full", action="store_true", help="full fine-tuning (the paper's way) instead of LoRA")
    p.add_argument("--lora-r", type=int, default=8)
    p.add_argument("--lora-alpha", type=float, default=16)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--lora-targets", default=DEFAULT_TARGETS, help="comma-separated module names")
    p.add_argument("--seed", type=int, default=42)
    # Run control
    p.add_argument("--max-steps", type=int, help="stop after N optimizer steps (smoke tests)")
    p.add_argument("--time-budget", type=float, help="stop at the first optimizer step after this many seconds (train/mini)")
    p.add_argument("--save-every", type=int, default=50, help="checkpoint every N optimizer steps (0: never)")
    p.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints and start over")
    p.add_argument("--eval-examples", type=int, default=16, help="examples whose loss is measured before and after training")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (one log line per 10 steps instead)")
    a = p.parse_args(argv)
    if a.effective_batch % a.micro_batch != 0:
        p.error(f"--effective-batch {a.effective_batch} must be a multiple of --micro-batch {a.micro_batch}")
    a.method = a.method or ("fticl" if a.shots > 0 else "ft")
    if a.method == "fticl" and a.shots <= 0:
        p.error("--method fticl needs --shots K (the in-context examples per training example)")
    if a.method == "ft" and a.shots != 0:
        p.error("--shots is for --method fticl")
    return a


# ------------------------------------------------------------------------------------------
# Data


def read_examples(path: str, limit: int | None) -> tuple[list[dict], str]:
    with open(path, "rb") as f:
        raw = f.read()
    examples = []
    for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ex = json.loads(line)
        except json.JSONDecodeError as e:
            sys.exit(f"ftlab_train: {path} line {n}: not JSON ({e}); make it with `npm run ftlab -- export-train`")
        if not isinstance(ex.get("source"), str) or not isinstance(ex.get("target"), str):
            sys.exit(f"ftlab_train: {path} line {n}: needs string fields source and target (the output of `ftlab export-train`)")
        examples.append(ex)
    if not examples:
        sys.exit(f"ftlab_train: {path} has no examples")
    return (examples[:limit] if limit else examples), hashlib.sha256(raw).hexdigest()


def tokenize(examples: list[dict], tokenizer, max_length: int) -> list[dict]:
    """As the authors' train.py: tokenize source + target, append EOS, mask the source's tokens."""
    out = []
    for ex in examples:
        source_ids = tokenizer(ex["source"], truncation=True, max_length=max_length).input_ids
        ids = tokenizer(ex["source"] + ex["target"], truncation=True, max_length=max_length - 1).input_ids
        ids = ids + [tokenizer.eos_token_id]
        labels = list(ids)
        n = min(len(source_ids), len(ids))
        labels[:n] = [IGNORE_INDEX] * n
        out.append({"input_ids": ids, "labels": labels})
    return out


def collate(batch: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pads to the longest example; padding is masked out of attention and loss.

    Llama-2 has no pad token; the authors' code adds one (vocabulary 32001), which would stop the
    model from binding the prebuilt Llama-2 library. Padding with <unk> (id 0) under the mask
    computes the same loss and keeps the vocabulary at 32000.
    """
    width = max(len(b["input_ids"]) for b in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for i, b in enumerate(batch):
        n = len(b["input_ids"])
        ids[i, :n] = torch.tensor(b["input_ids"])
        labels[i, :n] = torch.tensor(b["labels"])
        mask[i, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    """The shuffled order of an epoch, a function of (seed, epoch) only: a resumed run replays it."""
    return list(np.random.default_rng([seed, epoch]).permutation(n))


# ------------------------------------------------------------------------------------------
# Checkpoints


def save_checkpoint(out: str, step: int, model, optimizer, scheduler, state: dict, keep: int = 2) -> None:
    root = os.path.join(out, "checkpoints")
    tmp = os.path.join(root, f".step-{step}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    model.save_pretrained(os.path.join(tmp, "model"), safe_serialization=True)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "torch_rng": torch.get_rng_state()}, os.path.join(tmp, "optim.pt"))
    with open(os.path.join(tmp, "state.json"), "w") as f:
        json.dump(state, f, indent=2)
    final = os.path.join(root, f"step-{step}")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)  # a checkpoint is complete or absent
    steps = sorted(int(d.split("-")[1]) for d in os.listdir(root) if d.startswith("step-"))
    for s in steps[:-keep]:
        shutil.rmtree(os.path.join(root, f"step-{s}"), ignore_errors=True)


def latest_checkpoint(out: str) -> str | None:
    root = os.path.join(out, "checkpoints")
    if not os.path.isdir(root):
        return None
    steps = sorted(int(d.split("-")[1]) for d in os.listdir(root) if d.startswith("step-"))
    return os.path.join(root, f"step-{steps[-1]}") if steps else None


# ------------------------------------------------------------------------------------------
# Training


def mean_loss(model, batches: list[dict]) -> float:
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad():
        for b in batches:
            n = int((b["labels"][:, 1:] != IGNORE_INDEX).sum())
            total += float(target_loss(model, b)) * n
            tokens += n
    model.train()
    return total / max(tokens, 1)


def target_loss(model, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """model(**batch).loss (mean cross-entropy over the target tokens), with the LM head applied
    only where a label is: a classification target is 2-3 tokens of a few-hundred-token example,
    and the head (vocabulary × hidden) is most of a small model's cost (72% of train/mini's).
    The same number up to float rounding; the decoder layers still see every token."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = inner.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    labels = batch["labels"][:, 1:]
    keep = labels != IGNORE_INDEX
    logits = inner.lm_head(hidden[:, :-1][keep]).float()
    return torch.nn.functional.cross_entropy(logits, labels[keep])


def versions() -> dict:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "accelerate": accelerate.__version__,
        "numpy": np.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    bf16 = args.precision == "bf16" or (args.precision == "auto" and torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    accumulation = args.effective_batch // args.micro_batch
    # Accumulation is counted here, not by accelerate: an epoch's last, short round still steps.
    accelerator = accelerate.Accelerator(mixed_precision="bf16" if bf16 else "no")

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if tokenizer.eos_token_id is None:
        sys.exit(f"ftlab_train: the tokenizer in {args.model} has no EOS token")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (tokenizer.unk_token_id or 0)
    examples, data_sha = read_examples(args.data, args.limit)
    data = tokenize(examples, tokenizer, args.max_length)
    truncated = sum(1 for ex, d in zip(examples, data) if len(d["input_ids"]) >= args.max_length)

    # LoRA under bf16 keeps the frozen base in bf16 (Llama-2-7b: 13.5 GB instead of 27); the
    # adapter's own weights stay float32 (peft's default). Full fine-tuning keeps float32 master
    # weights and computes in bf16 under autocast.
    load_dtype = torch.bfloat16 if bf16 and not args.full else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=load_dtype)
    base_config = model.config
    base_name = args.base_name or (base_config._name_or_path if base_config._name_or_path and not os.path.isdir(base_config._name_or_path) else os.path.basename(os.path.abspath(args.model)))
    if not args.full:
        lora = LoraConfig(
            r=args.lora_r,
            lora_alpha=args.lora_alpha,
            lora_dropout=args.lora_dropout,
            target_modules=[t.strip() for t in args.lora_targets.split(",") if t.strip()],
            bias="none",
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(data) / args.effective_batch)
    total_steps = math.ceil(steps_per_epoch * args.epochs)
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * total_steps), total_steps)
    model, optimizer = accelerator.prepare(model, optimizer)

    eval_batches = [collate(data[i : i + args.micro_batch], pad_id) for i in range(0, min(args.eval_examples, len(data)), args.micro_batch)]
    eval_batches = [{k: v.to(accelerator.device) for k, v in b.items()} for b in eval_batches]

    step, epoch, position, tokens_seen, loss_before = 0, 0, 0, 0, None
    ckpt = None if args.no_resume else latest_checkpoint(args.out)
    if ckpt:
        state = json.load(open(os.path.join(ckpt, "state.json")))
        if state.get("data_sha256") != data_sha or state.get("recipe") != resume_key(args):
            sys.exit(f"ftlab_train: {ckpt} was made with other data or settings; pass --no-resume to start over (or another --out)")
        unwrapped = accelerator.unwrap_model(model)
        if args.full:
            from safetensors.torch import load_file

            files = [f for f in os.listdir(os.path.join(ckpt, "model")) if f.endswith(".safetensors")]
            sd = {}
            for f in files:
                sd.update(load_file(os.path.join(ckpt, "model", f)))
            unwrapped.load_state_dict(sd, strict=False)
        else:
            from peft import set_peft_model_state_dict
            from safetensors.torch import load_file

            set_peft_model_state_dict(unwrapped, load_file(os.path.join(ckpt, "model", "adapter_model.safetensors")))
        o = torch.load(os.path.join(ckpt, "optim.pt"), weights_only=False)
        optimizer.load_state_dict(o["optimizer"])
        scheduler.load_state_dict(o["scheduler"])
        torch.set_rng_state(o["torch_rng"])
        step, epoch, position, tokens_seen, loss_before = state["step"], state["epoch"], state["position"], state["tokens"], state["loss_before"]
        print(f"ftlab_train: resuming from {ckpt} (step {step}/{total_steps})", file=sys.stderr)
    if loss_before is None:
        loss_before = mean_loss(model, eval_batches)

    log = open(os.path.join(args.out, "train-log.jsonl"), "a")
    bar = tqdm(total=total_steps, initial=step, desc=f"{args.method} {'full' if args.full else 'lora'}", unit="step", disable=args.no_progress, dynamic_ncols=True)
    started = time.time()
    window_tokens, window_start, micro_losses = 0, time.time(), []
    order = epoch_order(len(data), args.seed, epoch)
    while step < total_steps:
        if position >= len(order):
            epoch, position = epoch + 1, 0
            order = epoch_order(len(data), args.seed, epoch)
        batch_ids = order[position : position + args.micro_batch]
        position += len(batch_ids)
        batch = {k: v.to(accelerator.device) for k, v in collate([data[i] for i in batch_ids], pad_id).items()}
        n_tokens = int(batch["attention_mask"].sum())
        with accelerator.autocast():
            loss = target_loss(model, batch)
        accelerator.backward(loss / accumulation)
        micro_losses.append(float(loss.detach()))
        window_tokens += n_tokens
        tokens_seen += n_tokens
        if len(micro_losses) == accumulation or position >= len(order):
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            elapsed = max(time.time() - window_start, 1e-9)
            entry = {"step": step, "epoch": epoch, "loss": sum(micro_losses) / len(micro_losses), "lr": scheduler.get_last_lr()[0], "tokens_per_s": window_tokens / elapsed}
            log.write(json.dumps(entry) + "\n")
            log.flush()
            bar.set_postfix(loss=f"{entry['loss']:.4f}", tok_s=f"{entry['tokens_per_s']:.0f}", lr=f"{entry['lr']:.2e}")
            bar.update(1)
            if args.no_progress and (step % 10 == 0 or step == total_steps):
                print(f"step {step}/{total_steps} loss {entry['loss']:.4f} {entry['tokens_per_s']:.0f} tok/s", file=sys.stderr)
            micro_losses, window_tokens, window_start = [], 0, time.time()
            if args.time_budget and time.time() - started > args.time_budget:
                print(f"ftlab_train: time budget of {args.time_budget:.0f} s spent after step {step}/{total_steps}", file=sys.stderr)
                break
            if args.save_every and step % args.save_every == 0 and step < total_steps:
                state = {"step": step, "epoch": epoch, "position": position, "tokens": tokens_seen, "loss_before": loss_before, "data_sha256": data_sha, "recipe": resume_key(args)}
                save_checkpoint(args.out, step, accelerator.unwrap_model(model), optimizer, scheduler, state)
    bar.close()
    log.close()
    loss_after = mean_loss(model, eval_batches)
    model = accelerator.unwrap_model(model)

    card = {
        "schema": "ftlab-run-card",
        "version": 1,
        "modelId": args.model_id or f"{slug(base_name)}-{args.method}-{slug(args.dataset or stem(args.data))}",
        "baseModel": base_name,
        "method": args.method,
        "data": {
            "file": os.path.basename(args.data),
            "sha256": data_sha,
            "dataset": args.dataset or stem(args.data),
            "examples": len(data),
            "shots": args.shots,
            "template": args.template,
            "truncated": truncated,
        },
        "recipe": recipe_of(args) | {"precision": "bf16" if bf16 else "fp32", "base_dtype": str(load_dtype).removeprefix("torch."), "gradient_accumulation": accumulation, "total_steps": total_steps, "pad_token_id": pad_id},
        "results": {"steps": step, "tokens": tokens_seen, "seconds": round(time.time() - started, 1), "eval_loss_before": loss_before, "eval_loss_after": loss_after},
        "versions": versions(),
    }
    merged_dir = os.path.join(args.out, "merged")
    shutil.rmtree(merged_dir, ignore_errors=True)
    if args.full:
        model.save_pretrained(merged_dir, safe_serialization=True)
    else:
        adapter_dir = os.path.join(args.out, "adapter")
        model.save_pretrained(adapter_dir, safe_serialization=True)
        merged = model.merge_and_unload()
        merged.save_pretrained(merged_dir, safe_serialization=True)
        write_card(adapter_dir, card)
    tokenizer.save_pretrained(merged_dir)
    # The MLC converter copies tokenizer.json; make sure it is the base model's own file.
    if os.path.exists(os.path.join(args.model, "tokenizer.json")):
        shutil.copyfile(os.path.join(args.model, "tokenizer.json"), os.path.join(merged_dir, "tokenizer.json"))
    write_card(merged_dir, card)
    write_card(args.out, card)
    print(json.dumps({"out": args.out, "loss_before": loss_before, "loss_after": loss_after, "steps": step, "examples": len(data)}))
    return 0


def recipe_of(args: argparse.Namespace) -> dict:
    keys = ["epochs", "effective_batch", "micro_batch", "max_length", "lr", "warmup_ratio", "weight_decay", "precision", "full", "seed", "max_steps", "time_budget", "limit"]
    r = {k: getattr(args, k) for k in keys} | {"schedule": "linear", "optimizer": "AdamW", "loss": "target tokens only, EOS appended"}
    if not args.full:
        r |= {"lora_r": args.lora_r, "lora_alpha": args.lora_alpha, "lora_dropout": args.lora_dropout, "lora_targets": args.lora_targets}
    return r


def resume_key(args: argparse.Namespace) -> dict:
    """What a checkpoint must agree on to be resumed (not --max-steps: a run may be extended)."""
    return {k: v for k, v in recipe_of(args).items() if k not in ("max_steps", "time_budget")}


def write_card(folder: str, card: dict) -> None:
    with open(os.path.join(folder, RUN_CARD), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def stem(path: str) -> str:
    base = os.path.basename(path)
    return base.split(".")[0]


def slug(s: str) -> str:
    out = "".join(c if c.isalnum() or c in "._-" else "-" for c in s.split("/")[-1])
    return out.strip("-")[:60] or "model"


if __name__ == "__main__":
    sys.exit(main())
