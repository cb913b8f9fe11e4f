"""Multiplicity and power of the no-regression gate: 25 evaluations × 50 scenarios × 3 trials, margin 5 points.

1,000 simulated A/A comparisons (nothing changed): the family-wise rate of a false "fail" (red) must be ≤ 5%
(a fail needs the Holm-adjusted one-sided p of "B − A ≥ −5 points" below 0.05). 1,000 A/B comparisons with a
true 20-point drop in one evaluation's per-trial pass probabilities: that evaluation must be charged (fail or
inconclusive: the gate is not green because of it) in ≥ 80%; how often it is red (fail) is printed beside.
Per-scenario pass probabilities are heterogeneous: 80% of scenarios Beta(18, 2) (mean 0.9), 20% hard ones
Beta(2, 3) (mean 0.4). Every comparison goes through the library: `compare_outcomes` (every scenario's pass
fraction, sign-flip permutation tests) and the suite gate `no_regression_vs` (`check_gates`). The script also
prints the analytic power `compare` reports for the same design (a change from 0). Exits 1 when a target is
missed.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from sparring.analysis import EvaluationSummary, compare_outcomes
from sparring.analysis.gate import GateResult, check_gates
from sparring.analysis.outcomes import ScenarioOutcomes
from sparring.analysis.paired_comparison import EvaluationComparison
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


def gate_result(before: np.ndarray, after: np.ndarray, seed: int) -> GateResult:
    """The no-regression gate on A (before) against B (after)."""
    a, b = outcomes(before), outcomes(after)

    def compare_with(_: str, margin: float, max_lost: float) -> list[EvaluationComparison]:
        return compare_outcomes(a, b, seed=seed, margin=margin, max_lost=max_lost)

    [result] = check_gates([GATE], SPECS, SUMMARIES, compare_with)
    return result


def main() -> int:
    started = time.perf_counter()
    rng = np.random.default_rng(2026)
    p = probabilities(rng)
    shape = (*p.shape, TRIALS)
    lowered = p.copy()
    lowered[:, 0] = np.maximum(p[:, 0] - DROP, 0.0)
    runs_a, runs_aa, runs_ab = (rng.random(shape) < q[..., None] for q in (p, p, lowered))
    false_alarms = np.mean([gate_result(runs_a[i], runs_aa[i], i).outcome == "fail" for i in range(COMPARISONS)])
    dropped = [gate_result(runs_a[i], runs_ab[i], i) for i in range(COMPARISONS)]
    detected = np.mean([IDS[0] in r.evaluation_ids for r in dropped])
    red = np.mean([r.outcome == "fail" and IDS[0] in r.evaluation_ids for r in dropped])
    true_drop = float((p[:, 0] - lowered[:, 0]).mean())
    analytic = np.mean([power(row.tolist(), TRIALS, TRIALS, DROP, ALPHA / EVALUATIONS) for row in p[:100, 0]])
    print(f"{COMPARISONS} comparisons of {EVALUATIONS} evaluations × {SCENARIOS} scenarios × {TRIALS} trials")
    print(
        f"A/A family-wise rate of a false fail (no-regression gate, Holm, margin 5): {false_alarms:.1%} (target ≤ 5%)"
    )
    print(f"A/B: a {true_drop * 100:.1f}-point drop in one evaluation charged: {detected:.1%} (target ≥ 80%)")
    print(f"A/B: ... and red (fail) for it: {red:.1%}")
    print(f"analytic power compare reports for this design (alpha {ALPHA} / {EVALUATIONS}): {analytic:.1%}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0 if false_alarms <= FALSE_ALARM_TARGET and detected >= POWER_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
