"""A pass rate's 95% interval when trials of one scenario are not independent: Wilson's score interval on the
effective number of verdicts, the design effect estimated from the scenarios (clusters).

With y_s passes out of n_s verdicts in scenario s (S scenarios, N = Σ n_s verdicts), the estimate is
p̂ = Σ y_s / N and its cluster-robust (ratio-estimator) variance is

    V = S / (S − 1) · Σ (y_s − p̂ n_s)² / N²,

the variance the scenarios themselves show, whatever the correlation of their trials. The effective number of
verdicts is n_eff = p̂(1 − p̂) / V (N divided by the design effect), kept between S and N: never more than the
verdicts (design effect ≥ 1, trials do not repel), never fewer than the scenarios (with equal trials a scenario's
pass fraction has at most a Bernoulli variance). When p̂ is 0 or 1, V is 0 and n_eff = S: every trial of a
scenario is taken to repeat the first. Wilson's interval at n_eff follows; it is statsmodels'
`proportion_confint(method="wilson")` when n_eff is a whole number (one trial per scenario: n_eff = N).
`bench/ship_decision.py` measures its coverage at 24 and 50 scenarios × 1 and 3 trials."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, Field

Z_95 = 1.959963984540054
"""Φ⁻¹(0.975): the two-sided 95% normal quantile."""


class RateInterval(BaseModel):
    """A pass rate over scenarios' verdicts with its 95% interval (design-effect Wilson)."""

    estimate: float = Field(description="passes / verdicts counted")
    low: float
    high: float
    scenarios: int = Field(description="clusters: scenarios with a verdict counted")
    verdicts: int
    effective_n: float = Field(description="verdicts divided by the design effect")


def wilson(estimate: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson's score interval for a proportion `estimate` observed on `n` (possibly fractional) trials."""
    centre = (estimate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(estimate * (1 - estimate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def clustered_interval(per_scenario: Sequence[tuple[int, int]]) -> RateInterval | None:
    """The interval of Σ passes / Σ verdicts over scenarios given as (passes, verdicts); None without verdicts."""
    clusters = [(y, n) for y, n in per_scenario if n > 0]
    verdicts = sum(n for _, n in clusters)
    if not verdicts:
        return None
    scenarios = len(clusters)
    estimate = sum(y for y, _ in clusters) / verdicts
    spread = sum((y - estimate * n) ** 2 for y, n in clusters)
    variance = scenarios / max(1, scenarios - 1) * spread / verdicts**2
    binomial = estimate * (1 - estimate)
    effective = float(scenarios) if binomial == 0 or variance == 0 else binomial / variance
    effective = min(float(verdicts), max(float(scenarios), effective))
    low, high = wilson(estimate, effective)
    return RateInterval(
        estimate=estimate, low=low, high=high, scenarios=scenarios, verdicts=verdicts, effective_n=effective
    )
