"""Statistics for iterations: trials per scenario, paired comparison of two runs.

LLMs are non-deterministic, so "the pass rate climbed" needs a test, not a glance: differences get a
paired bootstrap 95% CI over scenarios and an exact McNemar test on the scenarios both runs share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from pydantic import BaseModel
from scipy import stats

from sparring.data_model import Outcome

# evaluation id -> scenario id -> outcomes of the applicable trials (True = pass)
ScenarioOutcomes = dict[str, dict[str, list[bool]]]


def scenario_outcomes(rows: Iterable[tuple[str, int, str, str]]) -> ScenarioOutcomes:
    """Group (scenario, trial, evaluation id, outcome) rows; errors and not-applicable verdicts are left out."""
    grouped: ScenarioOutcomes = defaultdict(lambda: defaultdict(list))
    for scenario_id, _trial, evaluation_id, outcome in rows:
        if outcome in (Outcome.PASS, Outcome.FAIL):
            grouped[evaluation_id][scenario_id].append(outcome == Outcome.PASS)
    return {e: dict(s) for e, s in grouped.items()}


class TrialSummary(BaseModel):
    evaluation_id: str
    scenarios: int
    trials: int
    pass_rate: float | None
    pass_hat_k: float | None  # share of scenarios whose every trial passed
    pass_at_k: float | None  # share of scenarios with at least one passing trial
    flaky: list[str]  # scenarios with mixed outcomes across trials


def trial_summary(evaluation_id: str, per_scenario: dict[str, list[bool]]) -> TrialSummary:
    outcomes = [o for trials in per_scenario.values() for o in trials]
    n = len(per_scenario)
    return TrialSummary(
        evaluation_id=evaluation_id,
        scenarios=n,
        trials=max((len(t) for t in per_scenario.values()), default=0),
        pass_rate=sum(outcomes) / len(outcomes) if outcomes else None,
        pass_hat_k=sum(all(t) for t in per_scenario.values()) / n if n else None,
        pass_at_k=sum(any(t) for t in per_scenario.values()) / n if n else None,
        flaky=sorted(s for s, t in per_scenario.items() if any(t) and not all(t)),
    )


def mcnemar_exact(regressions: int, fixes: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs (a binomial test at p = 0.5)."""
    if regressions + fixes == 0:
        return 1.0
    return float(stats.binomtest(fixes, regressions + fixes, 0.5).pvalue)


def bootstrap_difference(a: list[float], b: list[float], seed: int = 0, resamples: int = 9999) -> tuple[float, float]:
    """Paired percentile bootstrap 95% CI of mean(b) - mean(a), resampling scenarios.

    Resampling n paired differences with replacement only changes how often each distinct difference
    occurs, so each resample is drawn as multinomial counts over the distinct values: the same bootstrap
    distribution, in milliseconds instead of a (resamples × n) index matrix."""
    differences = np.subtract(b, a, dtype=float)
    diff = float(differences.mean())
    if len(a) < 2 or np.allclose(differences, diff):
        return diff, diff  # no spread to resample: the interval is the point
    values, counts = np.unique(differences, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(differences), counts / len(differences), size=resamples)
    means = draws @ values / len(differences)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


class EvaluationComparison(BaseModel):
    evaluation_id: str
    shared_scenarios: int
    pass_rate_a: float | None
    pass_rate_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    verdict: str  # improved | regressed | no detectable change | not comparable
    regressions: list[str]  # scenarios that passed in A and fail in B
    fixes: list[str]


def compare_outcomes(
    a: ScenarioOutcomes, b: ScenarioOutcomes, alpha: float = 0.05, seed: int = 0
) -> list[EvaluationComparison]:
    """Per evaluation, on the scenarios both runs judged. A scenario passes when most of its trials pass."""
    results = []
    for evaluation_id in sorted(set(a) | set(b)):
        left, right = a.get(evaluation_id, {}), b.get(evaluation_id, {})
        shared = sorted(set(left) & set(right))
        if not shared:
            results.append(
                EvaluationComparison(
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
                )
            )
            continue
        rate_a = [sum(left[s]) / len(left[s]) for s in shared]
        rate_b = [sum(right[s]) / len(right[s]) for s in shared]
        passed_a = [r >= 0.5 for r in rate_a]
        passed_b = [r >= 0.5 for r in rate_b]
        regressions = [s for s, x, y in zip(shared, passed_a, passed_b, strict=True) if x and not y]
        fixes = [s for s, x, y in zip(shared, passed_a, passed_b, strict=True) if y and not x]
        p_value = mcnemar_exact(len(regressions), len(fixes))
        low, high = bootstrap_difference(rate_a, rate_b, seed)
        difference = float(np.mean(rate_b) - np.mean(rate_a))
        verdict = "no detectable change"
        if p_value < alpha:
            verdict = "improved" if difference > 0 else "regressed"
        results.append(
            EvaluationComparison(
                evaluation_id=evaluation_id,
                shared_scenarios=len(shared),
                pass_rate_a=float(np.mean(rate_a)),
                pass_rate_b=float(np.mean(rate_b)),
                difference=difference,
                ci_low=low,
                ci_high=high,
                p_value=p_value,
                verdict=verdict,
                regressions=regressions,
                fixes=fixes,
            )
        )
    return results


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values: rejecting where adjusted p < alpha controls the family-wise error
    rate at alpha across the family (any dependence). Same figures as statsmodels' multipletests('holm')."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values): rejecting where q < alpha controls the false discovery
    rate at alpha. scipy's false_discovery_control."""
    if not p_values:
        return []
    return [float(q) for q in stats.false_discovery_control(p_values, method="bh")]
