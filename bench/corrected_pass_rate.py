"""Judge-error-corrected pass rate: 95% CI coverage and bias at 50, 100 and 200 human labels.

The chatbot's true pass rate is 0.90 (scenario pass probabilities Beta(18, 2), mean 0.90); a run has 500 scenarios
× 3 trials. The judge catches 59% of the failures and flags 2% of the passes, so its pass rate is 0.923: +2.3
points. Each simulation labels n of the run's conversations with the `sparring label` design (half judged fail,
the rest judged pass, topped up from the other side) and computes the corrected pass rate with
`sparring.analysis.corrected.corrected_interval`. Beside it, the alternatives on the same run:

- raw: the judge's own pass rate with a Wilson interval (statsmodels' proportion_confint);
- PPI: prediction-powered inference (the judge's rate plus the mean human − judge difference on n labels drawn
  at random, normal interval), the unbiased choice when labels are a random sample;
- naive PPI: the same formula on the stratified labels (what happens when the design is ignored).

Prints coverage, bias (mean estimate − 0.90, points) and mean width per method and label count. Targets, for the
corrected rate: coverage ≥ 93% and |bias| ≤ 0.5 points at every label count; exits 1 on a miss.

    python bench/corrected_pass_rate.py [--simulations 1000]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sparring.analysis.corrected import corrected_interval

TRUTH, SCENARIOS, TRIALS = 0.90, 500, 3
RECALL, FALSE_FLAGS = 0.59, 0.02
LABELS = (50, 100, 200)
COVERAGE_TARGET, BIAS_TARGET = 0.93, 0.005
Z = stats.norm.ppf(0.975)


def run(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(human pass, judge pass) per conversation, shape (SCENARIOS, TRIALS)."""
    p = rng.beta(18, 2, SCENARIOS)[:, None]
    human = rng.random((SCENARIOS, TRIALS)) < p
    flagged = np.where(human, rng.random(human.shape) < FALSE_FLAGS, rng.random(human.shape) < RECALL)
    return human, ~flagged


def stratified_labels(rng: np.random.Generator, judge: np.ndarray, n: int) -> np.ndarray:
    """Indices of n conversations: half judged fail (as many as there are), the rest judged pass."""
    fails, passes = np.flatnonzero(~judge), np.flatnonzero(judge)
    take_fails = min(len(fails), n // 2)
    take_passes = min(len(passes), n - take_fails)
    return np.concatenate([rng.permutation(fails)[:take_fails], rng.permutation(passes)[:take_passes]])


def ppi(human: np.ndarray, judge: np.ndarray, labelled: np.ndarray) -> tuple[float, float, float]:
    """Prediction-powered estimate and normal 95% interval."""
    difference = human[labelled].astype(float) - judge[labelled]
    value = judge.mean() + difference.mean()
    se = np.sqrt(judge.var(ddof=1) / judge.size + difference.var(ddof=1) / labelled.size)
    return value, value - Z * se, value + Z * se


def simulate(n: int, seed: int) -> dict[str, tuple[float, float, float]]:
    rng = np.random.default_rng(seed)
    human_2d, judge_2d = run(rng)
    human, judge = human_2d.ravel(), judge_2d.ravel()
    labelled = stratified_labels(rng, judge, n)
    counts = {
        verdict: (
            float((human[labelled] & (judge[labelled] == j)).sum()),
            float((~human[labelled] & (judge[labelled] == j)).sum()),
        )
        for verdict, j in (("pass", True), ("fail", False))
    }
    per_scenario = [(int((~row).sum()), TRIALS) for row in judge_2d]
    low, high = proportion_confint(int(judge.sum()), judge.size, method="wilson")
    return {
        "corrected (stratified)": corrected_interval(per_scenario, counts, seed=seed),
        "raw judge rate": (float(judge.mean()), float(low), float(high)),
        "PPI, random labels": ppi(human, judge, rng.choice(judge.size, n, replace=False)),
        "naive PPI, stratified labels": ppi(human, judge, labelled),
    }


def main(simulations: int) -> int:
    print(f"load average {os.getloadavg()[0]:.1f}; {simulations} simulations per label count")
    print(f"truth {TRUTH:.3f}; judge pass rate {TRUTH * (1 - FALSE_FLAGS) + (1 - TRUTH) * (1 - RECALL):.3f}")
    missed = []
    for n in LABELS:
        results = [simulate(n, seed) for seed in range(simulations)]
        for method in results[0]:
            values = np.array([r[method] for r in results])
            covered = np.mean((values[:, 1] <= TRUTH) & (values[:, 2] >= TRUTH))
            bias = values[:, 0].mean() - TRUTH
            width = (values[:, 2] - values[:, 1]).mean()
            line = f"  {n:3d} labels  {method:30s} coverage {covered:6.1%}  bias {bias * 100:+.2f} points"
            line += f"  width {width:.3f}"
            if method.startswith("corrected"):
                ok = covered >= COVERAGE_TARGET and abs(bias) <= BIAS_TARGET
                missed += [] if ok else [f"{n} labels"]
                line += f"  target coverage ≥ {COVERAGE_TARGET:.0%}, |bias| ≤ 0.5: {'ok' if ok else 'MISS'}"
            print(line, flush=True)
    print("every target met" if not missed else f"MISSED at {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=1000)
    sys.exit(main(parser.parse_args().simulations))
