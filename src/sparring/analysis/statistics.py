"""Paired comparison of two runs, one analysis per evaluation, on scenarios.

Each scenario's value in a run is its pass fraction over its trials (see outcomes.py). On the scenarios
judged in both runs with no errored trial in either, the difference (mean of per-scenario B − A fractions),
the sign-flip permutation p of that mean, the 95% CI that inverts the same test (it excludes 0 exactly when
p < 0.05), and the regression (fraction fell) and fix (fraction rose) lists all come from the same
per-scenario differences, so a negative difference always has at least one regression. Verdicts use
Benjamini-Hochberg q-values across the evaluations compared (false discovery rate alpha); the CI is per
evaluation, unadjusted.
"""

from __future__ import annotations

from pydantic import BaseModel

from sparring.analysis.hypothesis import (
    benjamini_hochberg,
    holm,
    sign_flip_test,
)
from sparring.analysis.outcomes import (
    UNDECIDED,
    ScenarioOutcomes,
    Tally,
    counts,
    describe,
    majority_code,
    pass_fraction,
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
    "compare_outcomes",
    "holm",
    "scenario_outcomes",
    "sign_flip_test",
    "trial_summary",
]

PAIRED_METHOD = (
    "paired on scenarios judged in both runs with no errored trial: per-scenario pass fraction over its "
    "trials, mean difference B − A, two-sided sign-flip permutation test (9,999 resamples, exact when "
    "2^scenarios ≤ 9,999), 95% CI by inverting the same test"
)
"""How a paired comparison is made, in the words `compare` and the viewer print."""
CI_LABEL = "95% CI (unadjusted; inverts the permutation test)"
"""The heading of the paired CI in `compare` and the viewer: per evaluation, not adjusted for multiplicity."""


class EvaluationComparison(BaseModel):
    """One evaluation, run A against run B. p_value is the raw two-sided p of its one test; q_value the
    Benjamini-Hochberg q across the evaluations compared together; difference is B minus A."""

    evaluation_id: str
    method: str = "paired"  # paired: sign-flip permutation test on scenarios | unpaired: Fisher's exact test
    shared_scenarios: int  # paired: judged in both runs, no errored trial; unpaired: decided in A plus in B
    pass_rate_a: float | None  # paired: mean per-scenario pass fraction over those scenarios
    pass_rate_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    q_value: float | None = None
    verdict: str  # improved | regressed | no detectable change | not comparable
    detectable_drop: float | None = None  # smallest drop detected with power 0.8 at this comparison's size
    regressions: list[str]  # scenarios whose pass fraction fell from A to B
    fixes: list[str]  # scenarios whose pass fraction rose
    undecided: list[str] = []  # in the test, but a tie of passes and fails (no majority) in A or B
    errored: list[str] = []  # an errored trial in A or B: left out of the test
    shown: dict[str, str] = {}  # scenario -> its trials in A → B, e.g. "3/3 pass → 1/3 fail"


def _not_comparable(evaluation_id: str, errored: list[str], shown: dict[str, str]) -> EvaluationComparison:
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
        errored=errored,
        shown=shown,
    )


ScenarioPairs = dict[str, tuple[Tally, Tally]]
"""Scenario -> its trial tallies in A and in B, for the scenarios both runs judged (sorted)."""


def scenario_pairs(left: dict[str, list[bool | None]], right: dict[str, list[bool | None]]) -> ScenarioPairs:
    """The tallies of every scenario present in both runs."""
    return {s: (counts(left[s]), counts(right[s])) for s in sorted(set(left) & set(right))}


def _fraction(tally: Tally) -> float | None:
    """A scenario's pass fraction, None when it has an errored trial or no judged one."""
    return None if tally[2] else pass_fraction(tally)


def judged_fractions(pairs: ScenarioPairs) -> dict[str, tuple[float, float]]:
    """Scenario -> (A's, B's) pass fraction, for the scenarios judged in both runs with no errored trial."""
    fractions = {s: (_fraction(x), _fraction(y)) for s, (x, y) in pairs.items()}
    return {s: (x, y) for s, (x, y) in fractions.items() if x is not None and y is not None}


def paired_comparison(evaluation_id: str, pairs: ScenarioPairs) -> EvaluationComparison:
    """The descriptive part of an evaluation's paired analysis; CI, p-value and verdict are added by
    `compare_outcomes`, which tests every evaluation in one batch."""
    fractions = judged_fractions(pairs)
    errored = [s for s, (x, y) in pairs.items() if x[2] or y[2]]
    undecided = [s for s in fractions if UNDECIDED in (majority_code(pairs[s][0]), majority_code(pairs[s][1]))]
    regressions = [s for s, (x, y) in fractions.items() if y < x]
    fixes = [s for s, (x, y) in fractions.items() if y > x]
    listed = [*regressions, *fixes, *undecided, *errored]
    shown = {s: f"{describe(pairs[s][0])} → {describe(pairs[s][1])}" for s in listed}
    if not fractions:
        return _not_comparable(evaluation_id, errored, shown)
    a = [x for x, _ in fractions.values()]
    b = [y for _, y in fractions.values()]
    return EvaluationComparison(
        evaluation_id=evaluation_id,
        shared_scenarios=len(fractions),
        pass_rate_a=sum(a) / len(a),
        pass_rate_b=sum(b) / len(b),
        difference=sum(b) / len(b) - sum(a) / len(a),
        ci_low=None,
        ci_high=None,
        p_value=None,
        verdict="no detectable change",
        regressions=regressions,
        fixes=fixes,
        undecided=undecided,
        errored=errored,
        shown=shown,
    )


def _tested(
    comparisons: list[EvaluationComparison], pairs: list[ScenarioPairs], seed: int
) -> list[EvaluationComparison]:
    """Every comparable evaluation with its permutation p and the CI inverting it, all evaluations in one batch."""
    rows = [i for i, c in enumerate(comparisons) if c.difference is not None]
    differences = [[y - x for x, y in judged_fractions(pairs[i]).values()] for i in rows]
    tested = list(comparisons)
    for i, result in zip(rows, sign_flip_test(differences, seed), strict=True):
        tested[i] = comparisons[i].model_copy(update=result._asdict())
    return tested


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


def with_detectable_drop(comparison: EvaluationComparison, pairs: ScenarioPairs, alpha: float) -> EvaluationComparison:
    """Add the smallest drop this comparison detects with power 0.8: the same test at `alpha`, on its
    scenarios at their trial counts, per-trial pass probabilities pooled over both runs' trials."""
    if comparison.method != "paired" or comparison.p_value is None:
        return comparison
    judged = [(x, y) for x, y in pairs.values() if not x[2] and not y[2]]
    probabilities = [smoothed_pass_probability([x, y]) for x, y in judged]
    trials_a, trials_b = [sum(x) for x, _ in judged], [sum(y) for _, y in judged]
    drop = detectable_drop(probabilities, trials_a, trials_b, alpha)
    return comparison.model_copy(update={"detectable_drop": drop})


def compare_outcomes(
    a: ScenarioOutcomes, b: ScenarioOutcomes, alpha: float = 0.05, seed: int = 0, power: bool = False
) -> list[EvaluationComparison]:
    """Per evaluation, the paired analysis on the scenarios judged in both runs, BH-adjusted verdicts at
    false discovery rate alpha; with power, the detectable drop at the family threshold alpha / evaluations."""
    ids = sorted(set(a) | set(b))
    pairs = [scenario_pairs(a.get(e, {}), b.get(e, {})) for e in ids]
    comparisons = [paired_comparison(e, p) for e, p in zip(ids, pairs, strict=True)]
    results = adjust_and_decide(_tested(comparisons, pairs, seed), alpha)
    if not power:
        return results
    family = max(1, sum(c.p_value is not None for c in results))
    return [with_detectable_drop(c, p, alpha / family) for c, p in zip(results, pairs, strict=True)]
