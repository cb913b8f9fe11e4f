"""Paired comparison of two runs, one analysis per evaluation, on scenarios.

Each scenario's value in a run is its pass fraction over its trials, with two rules that keep thin or one-sided
evidence from helping B: an errored trial of B counts as a fail (A's errored trials are left out of A's fraction;
a scenario with no A verdict but errors is left out and listed), and a not-applicable trial counts as "nothing
flagged" (a pass) in both runs, so an evaluation that starts applying and failing (n/a → fail) is a regression.
Every scenario judged in both runs enters the test, unchanged ones included (scenarios n/a in every trial of both
runs are not applicable and left out). The difference, the sign-flip permutation p, the 95% CI and the one-sided
bound that invert the same test, and the regression and fix lists all come from the same per-scenario
differences. Descriptive verdicts (improved / regressed) use Benjamini-Hochberg q-values; the decision
(pass / fail / inconclusive against a margin) is `sparring.analysis.non_inferiority.decide`.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from sparring.analysis.hypothesis import (
    ALPHA,
    benjamini_hochberg,
    holm,
    paired_tests,
    sign_flip_test,
)
from sparring.analysis.outcomes import (
    UNDECIDED,
    NotApplicable,
    ScenarioOutcomes,
    Tally,
    counts,
    describe,
    majority_code,
    scenario_outcomes,
    smoothed_pass_probability,
)
from sparring.analysis.power import detectable_drop
from sparring.analysis.trials import TrialSummary, trial_summary
from sparring.suite import DEFAULT_MARGIN_POINTS

__all__ = [
    "DEFAULT_MARGIN",
    "EvaluationComparison",
    "ScenarioOutcomes",
    "TrialSummary",
    "adjust_and_decide",
    "benjamini_hochberg",
    "compare_outcomes",
    "decide",
    "holm",
    "scenario_outcomes",
    "sign_flip_test",
    "trial_summary",
]

DEFAULT_MARGIN = DEFAULT_MARGIN_POINTS / 100
"""The non-inferiority margin when a gate or `compare` names none, as a proportion (5 points: 0.05)."""
PAIRED_METHOD = (
    "paired on scenarios judged in both runs, every one (unchanged ones included): per-scenario pass fraction over its "
    "trials, errored trials of B counted as fails, n/a trials as nothing flagged; mean difference B − A, two-sided "
    "sign-flip permutation test (9,999 resamples, exact when 2^scenarios ≤ 9,999), 95% CI and one-sided 95% lower "
    "bound by inverting the same test"
)
"""How a paired comparison is made, in the words `compare` and the viewer print."""
CI_LABEL = "95% CI (unadjusted; inverts the permutation test)"
"""The heading of the paired CI in `compare` and the viewer: per evaluation, not adjusted for multiplicity."""


class EvaluationComparison(BaseModel):
    """One evaluation, run A against run B. p_value is the raw two-sided p of its one test; q_value the
    Benjamini-Hochberg q across the evaluations compared together; difference is B minus A. `outcome` is the
    decision against the margin (pass / fail / inconclusive, None when the evaluation applied in neither run),
    `reason` says why in one sentence."""

    evaluation_id: str
    method: str = "paired"  # paired: sign-flip permutation test on scenarios | unpaired: Fisher's exact test
    shared_scenarios: int  # paired: in the test (judged in both runs); unpaired: decided in A plus in B
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
    errored: list[str] = []  # an errored trial in A or B (B's count as fails; no A verdict: left out)
    applicability_regressions: list[str] = Field(default=[], description="n/a in every trial of A, a fail in B")
    coverage_lost: list[str] = Field(default=[], description="a pass or fail in A, n/a in every trial of B")
    shown: dict[str, str] = {}  # scenario -> its trials in A → B, e.g. "3/3 pass → 1/3 fail"
    trials: int = Field(0, description="most trials of a scenario in B")
    margin: float | None = Field(None, description="non-inferiority margin (a proportion: 0.05 is 5 points)")
    lower_bound: float | None = Field(None, description="one-sided 95% lower bound of B − A (unadjusted)")
    p_noninferior: float | None = Field(None, description="one-sided p of B − A ≤ −margin")
    p_drop: float | None = Field(None, description="one-sided p of B − A ≥ −margin (raw)")
    p_drop_adjusted: float | None = Field(None, description="p_drop Holm-adjusted across the evaluations decided")
    outcome: Literal["pass", "fail", "inconclusive"] | None = None
    reason: str = ""
    scenarios_needed: int | None = Field(None, description="scenarios that would show a drop < margin (power 0.8)")


def _not_comparable(evaluation_id: str, pairs: ScenarioPairs, lists: dict[str, list[str]]) -> EvaluationComparison:
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
        errored=lists["errored"],
        coverage_lost=lists["coverage_lost"],
        shown=_shown(pairs, lists["errored"] + lists["coverage_lost"]),
    )


class ScenarioPair(NamedTuple):
    """One scenario's trials in A and in B: (passes, fails, errors) and n/a trials of each."""

    a: Tally
    b: Tally
    na_a: int = 0
    na_b: int = 0

    def values(self) -> tuple[float, float] | None:
        """(A's, B's) value in the test: B's errors count as fails, n/a trials as passes in both runs; None when
        the scenario is left out (A has no pass, fail or n/a trial, or the evaluation applied in neither run)."""
        (pa, fa, ea), (pb, fb, eb) = self.a, self.b
        if not pa + fa + ea + pb + fb + eb or not pa + fa + self.na_a:
            return None
        return (pa + self.na_a) / (pa + fa + self.na_a), (pb + self.na_b) / (pb + fb + eb + self.na_b)


ScenarioPairs = dict[str, ScenarioPair]
"""Scenario -> its trials in A and in B, for the scenarios both runs have (sorted)."""


def scenario_pairs(
    left: dict[str, list[bool | None]],
    right: dict[str, list[bool | None]],
    na_left: dict[str, int] | None = None,
    na_right: dict[str, int] | None = None,
) -> ScenarioPairs:
    """The trials of every scenario present in both runs (judged, errored or n/a)."""
    na_left, na_right = na_left or {}, na_right or {}
    shared = (set(left) | set(na_left)) & (set(right) | set(na_right))
    return {
        s: ScenarioPair(counts(left.get(s, [])), counts(right.get(s, [])), na_left.get(s, 0), na_right.get(s, 0))
        for s in sorted(shared)
    }


def judged_fractions(pairs: ScenarioPairs) -> dict[str, tuple[float, float]]:
    """Scenario -> (A's, B's) value in the test, for the scenarios the test includes."""
    values = {s: pair.values() for s, pair in pairs.items()}
    return {s: v for s, v in values.items() if v is not None}


def _lists(pairs: ScenarioPairs, fractions: dict[str, tuple[float, float]]) -> dict[str, list[str]]:
    """The scenarios each list of a comparison names."""
    judged = {s: p for s, p in pairs.items() if s in fractions}
    return {
        "regressions": [s for s, (x, y) in fractions.items() if y < x],
        "fixes": [s for s, (x, y) in fractions.items() if y > x],
        "undecided": [s for s, p in judged.items() if UNDECIDED in (_tie(p.a), _tie(p.b))],
        "errored": [s for s, p in pairs.items() if p.a[2] or p.b[2]],
        "applicability_regressions": [s for s, p in judged.items() if p.na_a and not sum(p.a) and p.b[1] > 0],
        "coverage_lost": [s for s, p in pairs.items() if p.a[0] + p.a[1] and not sum(p.b) and p.na_b],
    }


def _tie(tally: Tally) -> int | None:
    """The majority code of a run's judged trials of a scenario; None when it has none (n/a throughout)."""
    return majority_code(tally) if tally[0] + tally[1] else None


def _shown(pairs: ScenarioPairs, scenarios: list[str]) -> dict[str, str]:
    return {s: f"{describe(pairs[s].a, pairs[s].na_a)} → {describe(pairs[s].b, pairs[s].na_b)}" for s in scenarios}


def paired_comparison(
    evaluation_id: str, pairs: ScenarioPairs, fractions: dict[str, tuple[float, float]]
) -> EvaluationComparison:
    """The descriptive part of an evaluation's paired analysis (`fractions`: its `judged_fractions`); CI,
    p-values, bound and verdict are added by `compare_outcomes`, which tests every evaluation in one batch."""
    lists = _lists(pairs, fractions)
    if not fractions:
        return _not_comparable(evaluation_id, pairs, lists)
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
        shown=_shown(pairs, list(dict.fromkeys(s for names in lists.values() for s in names))),
        trials=max(sum(p.b) + p.na_b for p in pairs.values()),
        **lists,
    )


def _tested(
    comparisons: list[EvaluationComparison],
    fractions: list[dict[str, tuple[float, float]]],
    seed: int,
    margin: float,
) -> list[EvaluationComparison]:
    """Every comparable evaluation with its permutation p, the CI and bound inverting it and its tests at the
    margin, all evaluations in one batch."""
    rows = [i for i, c in enumerate(comparisons) if c.difference is not None]
    differences = [[y - x for x, y in fractions[i].values()] for i in rows]
    tested = list(comparisons)
    for i, d, (test, at_margin) in zip(rows, differences, paired_tests(differences, margin, seed), strict=True):
        needed = scenarios_needed(d, margin)
        update = {**test._asdict(), **at_margin._asdict(), "margin": margin, "scenarios_needed": needed}
        tested[i] = comparisons[i].model_copy(update=update)
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
    judged = [(p.a, p.b) for p in pairs.values() if not p.a[2] and not p.b[2] and p.a[0] + p.a[1] and p.b[0] + p.b[1]]
    probabilities = [smoothed_pass_probability([x, y]) for x, y in judged]
    trials_a, trials_b = [sum(x) for x, _ in judged], [sum(y) for _, y in judged]
    drop = detectable_drop(probabilities, trials_a, trials_b, alpha)
    return comparison.model_copy(update={"detectable_drop": drop})


def compare_outcomes(
    a: ScenarioOutcomes,
    b: ScenarioOutcomes,
    alpha: float = 0.05,
    seed: int = 0,
    power: bool = False,
    margin: float = DEFAULT_MARGIN,
    not_applicable: tuple[NotApplicable, NotApplicable] = ({}, {}),
    max_lost: float = 0.0,
) -> list[EvaluationComparison]:
    """Per evaluation, the paired analysis on every scenario judged in both runs, BH-adjusted verdicts at
    false discovery rate alpha, and the decision against `margin` (`decide`, family-wise at alpha across the
    evaluations compared; `max_lost`: the share of scenarios that may lose coverage and still pass). With
    power, the detectable drop at the family threshold alpha / evaluations. `not_applicable`: each run's n/a
    trials (`not_applicable_trials`), without which applicability changes are not seen."""
    na_a, na_b = not_applicable
    ids = sorted(set(a) | set(b) | set(na_a) | set(na_b))
    pairs = [scenario_pairs(a.get(e, {}), b.get(e, {}), na_a.get(e), na_b.get(e)) for e in ids]
    fractions = [judged_fractions(p) for p in pairs]
    comparisons = [paired_comparison(e, p, f) for e, p, f in zip(ids, pairs, fractions, strict=True)]
    results = decide(adjust_and_decide(_tested(comparisons, fractions, seed, margin), alpha), margin, alpha, max_lost)
    if not power:
        return results
    family = max(1, sum(c.p_value is not None for c in results))
    return [with_detectable_drop(c, p, alpha / family) for c, p in zip(results, pairs, strict=True)]


def scenarios_needed(differences: list[float], margin: float) -> int | None:
    """Scenarios (at the same trials) that would put the one-sided 95% lower bound above −margin with power 0.8
    when nothing changed: n = ((z₀.₉₅ + z₀.₈) · sd / margin)², sd the per-scenario differences' standard
    deviation (ddof 1), at least 5 (below that the sign-flip test rejects nothing). Normal approximation."""
    if margin <= 0 or not differences:
        return None
    mean = sum(differences) / len(differences)
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / max(1, len(differences) - 1))
    return max(5, math.ceil(((1.645 + 0.842) * sd / margin) ** 2))


def _pts(value: float) -> str:
    return f"{value * 100:+.1f}".replace("-", "−")


def _reason(c: EvaluationComparison, margin: float, family: int, lost_share: float, max_lost: float) -> str:
    """Why `c` got its outcome, in one sentence."""
    m = f"{margin * 100:g}"
    if c.outcome == "fail":
        return (
            f"fail: B − A is significantly below −{m} points ({_pts(c.difference or 0)} points; one-sided p of a "
            f"change ≥ −{m} is {c.p_drop_adjusted:.3f} Holm-adjusted across {family} evaluations, below 0.05)"
        )
    if c.outcome == "pass":
        return f"pass: the 95% lower bound of B − A, {_pts(c.lower_bound or 0)} points, is above −{m}"
    if c.p_value is None:
        return "inconclusive: no scenario was judged in both runs (every one errored in A or lost its verdict in B)"
    if lost_share > max_lost:
        return (
            f"inconclusive: {len(c.coverage_lost)} of {c.shared_scenarios} scenarios judged in A are n/a in every "
            f"trial of B (coverage lost), more than {max_lost:.0%}"
        )
    return (
        f"inconclusive: the 95% lower bound of B − A is {_pts(c.lower_bound or 0)} points, not above −{m}; this "
        f"suite can show a drop smaller than {m} points only with ≈ {c.scenarios_needed} scenarios × {c.trials} "
        f"trials"
    )


def decide(
    comparisons: list[EvaluationComparison], margin: float, alpha: float = 0.05, max_lost: float = 0.0
) -> list[EvaluationComparison]:
    """Each evaluation's outcome against the non-inferiority margin.

    fail: B − A is significantly below −margin: the one-sided p of "B − A ≥ −margin", Holm-adjusted across the
    evaluations decided together, is below alpha (family-wise error of a false fail ≤ alpha).
    pass: the one-sided 95% lower bound of B − A is above −margin (its one-sided p of "B − A ≤ −margin" below 0.05)
    and at most `max_lost` of its scenarios lost coverage. Unadjusted: a family is green only when every
    evaluation passes, an intersection-union test whose chance of a false green is at most 5% as it is.
    inconclusive: neither, or no scenario in the test. None: the evaluation applied in neither run."""
    tested = [c for c in comparisons if c.p_drop is not None]
    adjusted = dict(zip((id(c) for c in tested), holm([c.p_drop or 1.0 for c in tested]), strict=True))
    decided = []
    for c in comparisons:
        if c.p_drop is None and not (c.errored or c.coverage_lost):
            decided.append(c.model_copy(update={"margin": margin}))
            continue
        lost_share = len(c.coverage_lost) / max(1, c.shared_scenarios)
        p_adjusted = adjusted.get(id(c))
        outcome: Literal["pass", "fail", "inconclusive"] = "inconclusive"
        if p_adjusted is not None and p_adjusted < alpha:
            outcome = "fail"
        elif c.p_noninferior is not None and c.p_noninferior < ALPHA and lost_share <= max_lost:
            outcome = "pass"
        needed = c.scenarios_needed if outcome == "inconclusive" else None
        update = {"margin": margin, "p_drop_adjusted": p_adjusted, "outcome": outcome, "scenarios_needed": needed}
        done = c.model_copy(update=update)
        decided.append(done.model_copy(update={"reason": _reason(done, margin, len(tested), lost_share, max_lost)}))
    return decided
