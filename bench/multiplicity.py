"""Multiplicity and power of the no-regression gate: 25 evaluations × 50 scenarios × 3 trials.

1,000 simulated A/A comparisons (nothing changed): the family-wise false-alarm rate of the Holm-adjusted
no-regression gate must be ≤ 5%. 1,000 A/B comparisons with a true 20-point drop in one evaluation's
per-trial pass probabilities: that evaluation must be flagged in ≥ 80%. Per-scenario pass probabilities
are heterogeneous: 80% of scenarios Beta(18, 2) (mean 0.9), 20% hard ones Beta(2, 3) (mean 0.4).
Every comparison goes through the library: `compare_outcomes` (per-scenario pass fractions, sign-flip
permutation test) and the suite gate `no_regression_vs` (`check_gates`: Holm across the 25 evaluations,
regression when adjusted p < 0.05 and the difference is negative). The script also prints the analytic
power `compare` reports for the same design. Exits 1 when a target is missed.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sparring.analysis import EvaluationSummary, compare_outcomes
from sparring.analysis.gate import check_gates
from sparring.analysis.outcomes import ScenarioOutcomes
from sparring.analysis.power import power
from sparring.evaluations import EvaluationSpec
from sparring.suite.config import GateConfig

COMPARISONS, EVALUATIONS, SCENARIOS, TRIALS = 1000, 25, 50, 3
ALPHA, DROP = 0.05, 0.20
FALSE_ALARM_TARGET, POWER_TARGET = 0.05, 0.80
IDS = [f"e{i:02}" for i in range(EVALUATIONS)]
SPECS = [EvaluationSpec(id=i, kind="check", description=i, function="f") for i in IDS]
SUMMARIES = [EvaluationSummary(evaluation_id=i) for i in IDS]
GATE = GateConfig(no_regression_vs="A")


def probabilities(rng: np.random.Generator) -> np.ndarray:
    """(comparisons, evaluations, scenarios) per-trial pass probabilities."""
    shape = (COMPARISONS, EVALUATIONS, SCENARIOS)
    return np.where(rng.random(shape) < 0.2, rng.beta(2, 3, shape), rng.beta(18, 2, shape))


def outcomes(trials: np.ndarray) -> ScenarioOutcomes:
    """One run's (evaluations, scenarios, trials) booleans as the store would give them."""
    return {e: {f"s{s:02}": trials[i, s].tolist() for s in range(SCENARIOS)} for i, e in enumerate(IDS)}


def gate_flags(before: np.ndarray, after: np.ndarray, seed: int) -> list[str]:
    """The evaluations the no-regression gate charges with a regression (empty when it passes)."""
    comparisons = compare_outcomes(outcomes(before), outcomes(after), seed=seed)
    [result] = check_gates([GATE], SPECS, SUMMARIES, lambda _: comparisons)
    return [] if result.passed else result.evaluation_ids


def main() -> int:
    started = time.perf_counter()
    rng = np.random.default_rng(2026)
    p = probabilities(rng)
    shape = (*p.shape, TRIALS)
    dropped = p.copy()
    dropped[:, 0] = np.maximum(p[:, 0] - DROP, 0.0)
    runs_a, runs_aa, runs_ab = (rng.random(shape) < q[..., None] for q in (p, p, dropped))
    false_alarms = np.mean([bool(gate_flags(runs_a[i], runs_aa[i], i)) for i in range(COMPARISONS)])
    detected = np.mean([IDS[0] in gate_flags(runs_a[i], runs_ab[i], i) for i in range(COMPARISONS)])
    true_drop = float((p[:, 0] - dropped[:, 0]).mean())
    analytic = np.mean([power(row.tolist(), TRIALS, TRIALS, DROP, ALPHA / EVALUATIONS) for row in p[:100, 0]])
    print(f"{COMPARISONS} comparisons of {EVALUATIONS} evaluations × {SCENARIOS} scenarios × {TRIALS} trials")
    print(f"A/A family-wise false-alarm rate (no-regression gate, Holm): {false_alarms:.1%} (target ≤ 5%)")
    print(f"A/B power for a {true_drop * 100:.1f}-point drop in one evaluation: {detected:.1%} (target ≥ 80%)")
    print(f"analytic power compare reports for this design (alpha {ALPHA} / {EVALUATIONS}): {analytic:.1%}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0 if false_alarms <= FALSE_ALARM_TARGET and detected >= POWER_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
