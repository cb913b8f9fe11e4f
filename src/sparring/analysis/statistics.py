"""Paired comparison of two runs, one analysis per evaluation, on scenarios.

Each scenario's outcome is its strict majority over trials (see outcomes.py). On the scenarios decided in
both runs, the pass rates, their difference, its paired bootstrap 95% CI, the exact McNemar p and the
regression (pass → fail) and fix (fail → pass) lists all come from the same binary per-scenario values,
so the direction can never disagree with the flips: difference = (fixes - regressions) / scenarios.
Verdicts use Benjamini-Hochberg q-values across the evaluations compared (false discovery rate alpha).
"""

from __future__ import annotations

from pydantic import BaseModel

from sparring.analysis.hypothesis import (
    benjamini_hochberg,
    bootstrap_difference,
    holm,
    mcnemar_exact,
)
from sparring.analysis.outcomes import (
    ERRORED,
    FAIL,
    PASS,
    UNDECIDED,
    ScenarioOutcomes,
    majority,
    scenario_outcomes,
    smoothed_pass_probability,
)
from sparring.analysis.power import detectable_drop
from sparring.analysis.trials import TrialSummary, trial_summary

__all__ = [
    "EvaluationComparison",
    "ScenarioOutcomes",
    "TrialSummary",
    "adjust_and_decide",
    "benjamini_hochberg",
    "bootstrap_difference",
    "compare_outcomes",
    "holm",
    "mcnemar_exact",
    "scenario_outcomes",
    "trial_summary",
]


class EvaluationComparison(BaseModel):
    """One evaluation, run A against run B. p_value is the raw two-sided p of its one test; q_value the
    Benjamini-Hochberg q across the evaluations compared together; difference is B minus A."""

    evaluation_id: str
    method: str = "paired"  # paired: exact McNemar on scenarios | unpaired: Fisher's exact test
    shared_scenarios: int  # paired: decided in both runs; unpaired: decided in A plus decided in B
    pass_rate_a: float | None
    pass_rate_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None = None
    verdict: str  # improved | regressed | no detectable change | not comparable
    detectable_drop: float | None = None  # smallest drop detected with power 0.8 at this comparison's size
    regressions: list[str]  # scenarios that passed in A and fail in B
    fixes: list[str]
    undecided: list[str] = []  # a tie of passes and fails in A or B: no majority, left out of the test
    errored: list[str] = []  # no majority because of errored trials in A or B: left out of the test


def _not_comparable(evaluation_id: str, undecided: list[str], errored: list[str]) -> EvaluationComparison:
    return EvaluationComparison(
        evaluation_id=evaluation_id,
        shared_scenarios=0,
        pass_rate_a=None,
        pass_rate_b=None,
        difference=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        verdict="not comparable",
        regressions=[],
        fixes=[],
        undecided=undecided,
        errored=errored,
    )


def paired_comparison(
    evaluation_id: str, left: dict[str, list[bool | None]], right: dict[str, list[bool | None]], seed: int = 0
) -> EvaluationComparison:
    """The one paired analysis of an evaluation (verdict left to adjust_and_decide)."""
    shared = sorted(set(left) & set(right))
    codes = {s: (majority(left[s]), majority(right[s])) for s in shared}
    errored = [s for s, pair in codes.items() if ERRORED in pair]
    undecided = [s for s, pair in codes.items() if UNDECIDED in pair and ERRORED not in pair]
    decided = [s for s, (x, y) in codes.items() if x in (PASS, FAIL) and y in (PASS, FAIL)]
    if not decided:
        return _not_comparable(evaluation_id, undecided, errored)
    a = [float(codes[s][0] == PASS) for s in decided]
    b = [float(codes[s][1] == PASS) for s in decided]
    regressions = [s for s, x, y in zip(decided, a, b, strict=True) if x > y]
    fixes = [s for s, x, y in zip(decided, a, b, strict=True) if y > x]
    low, high = bootstrap_difference(a, b, seed)
    return EvaluationComparison(
        evaluation_id=evaluation_id,
        shared_scenarios=len(decided),
        pass_rate_a=sum(a) / len(a),
        pass_rate_b=sum(b) / len(b),
        difference=(len(fixes) - len(regressions)) / len(decided),
        ci_low=low,
        ci_high=high,
        p_value=mcnemar_exact(len(regressions), len(fixes)),
        verdict="no detectable change",
        regressions=regressions,
        fixes=fixes,
        undecided=undecided,
        errored=errored,
    )


def adjust_and_decide(comparisons: list[EvaluationComparison], alpha: float) -> list[EvaluationComparison]:
    """Benjamini-Hochberg q across the comparable evaluations; verdict from q < alpha and the difference's sign."""
    tested = [c for c in comparisons if c.p_value is not None]
    q_values = dict(zip((id(c) for c in tested), benjamini_hochberg([c.p_value or 0.0 for c in tested]), strict=True))
    decided = []
    for c in comparisons:
        q = q_values.get(id(c))
        verdict = c.verdict
        if q is not None and c.difference is not None:
            verdict = "no detectable change"
            if q < alpha and c.difference != 0:
                verdict = "improved" if c.difference > 0 else "regressed"
        decided.append(c.model_copy(update={"q_value": q, "verdict": verdict}))
    return decided


def with_detectable_drop(
    comparison: EvaluationComparison,
    left: dict[str, list[bool | None]],
    right: dict[str, list[bool | None]],
    alpha: float,
) -> EvaluationComparison:
    """Add the smallest drop this comparison detects with power 0.8: the same test at `alpha`, on the
    scenarios decided in both runs, per-trial pass probabilities pooled over both runs' trials."""
    scenarios = sorted(_both_decided(left, right))
    if comparison.method != "paired" or not scenarios:
        return comparison
    probabilities = [smoothed_pass_probability(left[s] + right[s]) for s in scenarios]
    trials = max(max(len(left[s]), len(right[s])) for s in scenarios)
    return comparison.model_copy(update={"detectable_drop": detectable_drop(probabilities, trials, alpha)})


def _both_decided(left: dict[str, list[bool | None]], right: dict[str, list[bool | None]]) -> set[str]:
    return {
        s for s in set(left) & set(right) if majority(left[s]) in (PASS, FAIL) and majority(right[s]) in (PASS, FAIL)
    }


def compare_outcomes(
    a: ScenarioOutcomes, b: ScenarioOutcomes, alpha: float = 0.05, seed: int = 0, power: bool = False
) -> list[EvaluationComparison]:
    """Per evaluation, the paired analysis on the scenarios decided in both runs, BH-adjusted verdicts at
    false discovery rate alpha; with power, the detectable drop at the family threshold alpha / evaluations."""
    ids = sorted(set(a) | set(b))
    results = adjust_and_decide([paired_comparison(e, a.get(e, {}), b.get(e, {}), seed) for e in ids], alpha)
    if not power:
        return results
    family = max(1, sum(c.p_value is not None for c in results))
    return [
        with_detectable_drop(c, a.get(c.evaluation_id, {}), b.get(c.evaluation_id, {}), alpha / family) for c in results
    ]
