"""pass^k with a 95% interval, per evaluation, over a run's repeated trials: the figure `run`, `report` (terminal
and `--json`), JUnit and the pytest plugin show, computed once here.

A scenario with c passes among n trials (an errored trial counts in n, never in c) contributes the unbiased
C(c, k) / C(n, k); pass^k is the mean over the scenarios with at least k trials. The scenarios are the units:
their values lie in [0, 1], so their mean has at most the variance of a proportion over that many scenarios, and
the Clopper-Pearson interval on the scenario count (as for pass rates, `pass_rate_interval`) is conservative
(`bench/ship_decision.py` measures its coverage)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from sparring.analysis.outcomes import counts, scenario_outcomes
from sparring.analysis.pass_rate_interval import clopper_pearson
from sparring.analysis.trials import TrialSummary, pass_hat_k, trial_summary


class PassHatK(BaseModel):
    """pass^k of one evaluation with its 95% interval over scenarios."""

    k: int
    estimate: float
    low: float
    high: float
    scenarios: int = Field(description="scenarios with at least k trials: the interval's units")


class TrialFigures(TrialSummary):
    """An evaluation's repeated-trials figures (`TrialSummary`) with pass^k's interval for every k."""

    pass_hat_k_intervals: list[PassHatK]


def pass_hat_k_interval(per_scenario: dict[str, list[bool | None]], k: int) -> PassHatK | None:
    """pass^k over the scenarios with at least k trials and its 95% interval; None when no scenario has k."""
    values = []
    for trials in per_scenario.values():
        passes, _, _ = counts(trials)
        if len(trials) >= k:
            values.append(pass_hat_k(passes, len(trials), k))
    if not values:
        return None
    estimate = sum(values) / len(values)
    low, high = clopper_pearson(estimate, len(values))
    return PassHatK(k=k, estimate=estimate, low=low, high=high, scenarios=len(values))


def trial_figures(rows: Iterable[tuple[str, int, str, str]]) -> list[TrialFigures]:
    """Per evaluation (sorted), from a run's (scenario, trial, evaluation, outcome) rows: pass rate, errored
    trials, pass^k and pass@k for k = 1..trials, pass^k's intervals, flaky scenarios."""
    figures = []
    for evaluation_id, per_scenario in sorted(scenario_outcomes(rows).items()):
        summary = trial_summary(evaluation_id, per_scenario)
        intervals = [pass_hat_k_interval(per_scenario, k) for k in range(1, summary.trials + 1)]
        figures.append(
            TrialFigures(**summary.model_dump(), pass_hat_k_intervals=[i for i in intervals if i is not None])
        )
    return figures
