"""Reference values for ftlab's paired significance tests (src/core/report/significance.ts).

Writes test/report/significance.reference.json: for a few fixed cases, the paired bootstrap of
mean(b) - mean(a) exactly as numpy draws it, and McNemar's test as scipy computes it.

    python3 -m venv /tmp/ftlab-sig-venv
    /tmp/ftlab-sig-venv/bin/pip install numpy==2.2.6 scipy==1.15.3
    /tmp/ftlab-sig-venv/bin/python tools/reference/significance.py

The inputs are generated here from a fixed seed and written with the outputs, so the TypeScript
test reads both from the JSON and never depends on this script's RNG.
"""
import json
import pathlib

import numpy as np
from scipy import stats


def paired_bootstrap(a, b, seed=0, n_samples=1000, confidence=0.95):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = b - a
    delta = d.mean()
    rng = np.random.RandomState(seed)
    n = len(d)
    boot = np.empty(n_samples)
    for i in range(n_samples):
        idx = rng.choice(n, n)  # randint(0, n, n): the legacy masked stream
        boot[i] = d[idx].mean()
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    p = (np.sum(np.abs(boot - delta) >= np.abs(delta)) + 1) / (n_samples + 1)
    return {"n": n, "delta": float(delta), "low": float(low), "high": float(high), "p": float(p), "seed": seed, "nSamples": n_samples}


def mcnemar(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    only_a = int(np.sum((a == 1) & (b != 1)))
    only_b = int(np.sum((a != 1) & (b == 1)))
    m = only_a + only_b
    p_exact = 1.0 if m == 0 else float(stats.binomtest(min(only_a, only_b), m, 0.5).pvalue)
    chi2 = 0.0 if m == 0 else (abs(only_a - only_b) - 1) ** 2 / m
    p_chi2 = 1.0 if m == 0 else float(stats.chi2.sf(chi2, 1))
    return {"n": len(a), "onlyA": only_a, "onlyB": only_b, "pExact": p_exact, "chi2": float(chi2), "pChi2": p_chi2}


def main():
    gen = np.random.default_rng(20240607)
    cases = []
    # ROUGE-L-like scores: b a little better than a, then equal runs, then tiny n.
    for name, n, shift, seed in [("rouge-250-better", 250, 0.03, 0), ("rouge-40-noise", 40, 0.0, 7), ("rouge-5", 5, 0.1, 123)]:
        a = np.clip(gen.normal(0.3, 0.12, n), 0, 1).round(6)
        b = np.clip(a + gen.normal(shift, 0.08, n), 0, 1).round(6)
        cases.append({"name": name, "kind": "bootstrap", "a": a.tolist(), "b": b.tolist(), "expected": paired_bootstrap(a, b, seed=seed)})
    # Accuracy as 0/1: bootstrap and McNemar.
    for name, n, pa, pb in [("acc-250", 250, 0.62, 0.7), ("acc-30", 30, 0.5, 0.55), ("acc-12-same", 12, 0.5, 0.5)]:
        a = (gen.random(n) < pa).astype(int)
        b = np.where(gen.random(n) < 0.8, a, (gen.random(n) < pb).astype(int))
        if name.endswith("same"):
            b = a.copy()
        cases.append({"name": name, "kind": "mcnemar", "a": a.tolist(), "b": b.tolist(), "expected": mcnemar(a, b)})
        if not name.endswith("same"):
            cases.append({"name": name + "-bootstrap", "kind": "bootstrap", "a": a.astype(float).tolist(), "b": b.astype(float).tolist(), "expected": paired_bootstrap(a, b, seed=1)})
    # Discordant counts straight (large and lopsided ones exercise the binomial tail and χ² sf).
    for only_a, only_b in [(3, 17), (40, 61), (0, 9), (5, 5), (120, 80)]:
        a = [1] * only_a + [0] * only_b + [1, 0]
        b = [0] * only_a + [1] * only_b + [1, 0]
        cases.append({"name": f"mcnemar-{only_a}-{only_b}", "kind": "mcnemar", "a": a, "b": b, "expected": mcnemar(a, b)})
    out = pathlib.Path(__file__).resolve().parents[2] / "test" / "report" / "significance.reference.json"
    meta = {"generator": "tools/reference/significance.py", "numpy": np.__version__, "scipy": __import__("scipy").__version__}
    out.write_text(json.dumps({"meta": meta, "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
