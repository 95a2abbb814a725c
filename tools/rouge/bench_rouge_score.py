#!/usr/bin/env python3
"""Python side of bench/rouge.bench.ts: times Google's rouge-score on the same pairs.

Usage: bench_rouge_score.py PAIRS_JSON [--stem] [--min-seconds S]
PAIRS_JSON holds [[reference, prediction], ...]. Prints one JSON object on stdout:
{"ok": true, "version": ..., "pairs": n, "rounds": r, "seconds": t, "pairs_per_s": x,
 "cpu_pairs_per_s": y, "fmeasure_sum": s} (pairs_per_s over wall time, cpu_pairs_per_s over this
process's CPU time, which a busy machine disturbs less) where fmeasure_sum is the left-to-right sum of the rougeL F-measures
(the TypeScript side checks it is the same double), or {"ok": false, "error": ...} when
rouge_score cannot be imported (pip install rouge-score).
"""
import json
import sys
import time


def main(argv):
    path = argv[1]
    stem = "--stem" in argv
    min_seconds = float(argv[argv.index("--min-seconds") + 1]) if "--min-seconds" in argv else 1.0
    try:
        from rouge_score import rouge_scorer
        try:
            from importlib.metadata import version
            rs_version = version("rouge-score")
        except Exception:  # pragma: no cover - metadata is optional
            rs_version = "unknown"
    except ImportError as error:
        print(json.dumps({"ok": False, "error": f"cannot import rouge_score: {error}"}))
        return 0

    with open(path, encoding="utf-8") as f:
        pairs = json.load(f)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=stem)

    # One untimed round (warms the stemmer's internals and the interpreter's caches), which
    # also yields the checksum.
    fmeasure_sum = 0.0
    for reference, prediction in pairs:
        fmeasure_sum += scorer.score(reference, prediction)["rougeL"].fmeasure

    rounds = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    while True:
        for reference, prediction in pairs:
            scorer.score(reference, prediction)
        rounds += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    cpu = time.process_time() - cpu_start
    print(json.dumps({
        "ok": True,
        "version": rs_version,
        "python": sys.version.split()[0],
        "pairs": len(pairs),
        "rounds": rounds,
        "seconds": elapsed,
        "pairs_per_s": len(pairs) * rounds / elapsed,
        "cpu_pairs_per_s": len(pairs) * rounds / cpu,
        "fmeasure_sum": fmeasure_sum,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
