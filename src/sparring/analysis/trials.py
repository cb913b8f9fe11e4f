"""Repeated trials: pass^k and pass@k per evaluation, with their unbiased estimators over n trials (units:
scenarios, each over its trials; an errored trial counts in n and never as a pass)."""

from __future__ import annotations

from collections.abc import Callable
from math import comb

from pydantic import BaseModel

from sparring.analysis.outcomes import counts


def pass_hat_k(passes: int, trials: int, k: int) -> float:
    """Probability that k trials drawn without replacement from n all pass: C(c, k) / C(n, k) (τ²-bench)."""
    return float(comb(passes, k) / comb(trials, k))


def pass_at_k(passes: int, trials: int, k: int) -> float:
    """Probability that at least one of k trials drawn without replacement passes: 1 - C(n-c, k) / C(n, k)."""
    return float(1 - comb(trials - passes, k) / comb(trials, k))


class TrialSummary(BaseModel):
    """One evaluation over repeated trials. pass^k and pass@k are lists indexed by k - 1 (k = 1..trials);
    an errored trial counts in n and never as a pass."""

    evaluation_id: str
    scenarios: int
    trials: int
    errored_trials: int
    pass_rate: float | None  # passes / (passes + fails): the headline per-conversation rate
    pass_hat_k: list[float | None]
    pass_at_k: list[float | None]
    flaky: list[str]  # scenarios with mixed outcomes across trials (errors included)


def _mean_over_scenarios(
    per_scenario: list[tuple[int, int]], k: int, estimator: Callable[[int, int, int], float]
) -> float | None:
    values = [estimator(c, n, k) for c, n in per_scenario if n >= k]
    return sum(values) / len(values) if values else None


def trial_summary(evaluation_id: str, per_scenario: dict[str, list[bool | None]]) -> TrialSummary:
    """pass^k and pass@k for every k up to the most trials any scenario has, averaged over the scenarios
    with at least k trials."""
    tallies = {s: counts(t) for s, t in per_scenario.items()}
    passed = sum(p for p, _, _ in tallies.values())
    decided = sum(p + f for p, f, _ in tallies.values())
    pairs = [(p, p + f + e) for p, f, e in tallies.values()]
    most = max((n for _, n in pairs), default=0)
    return TrialSummary(
        evaluation_id=evaluation_id,
        scenarios=len(per_scenario),
        trials=most,
        errored_trials=sum(e for _, _, e in tallies.values()),
        pass_rate=passed / decided if decided else None,
        pass_hat_k=[_mean_over_scenarios(pairs, k, pass_hat_k) for k in range(1, most + 1)],
        pass_at_k=[_mean_over_scenarios(pairs, k, pass_at_k) for k in range(1, most + 1)],
        flaky=sorted(s for s, t in per_scenario.items() if len(set(t)) > 1),
    )
