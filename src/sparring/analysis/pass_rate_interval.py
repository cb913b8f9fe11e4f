"""A pass rate's 95% interval when trials of one scenario are not independent: the Clopper-Pearson interval on the
effective number of verdicts, the design effect estimated from the scenarios (clusters).

With y_s passes out of n_s verdicts in scenario s (S scenarios, N = Σ n_s verdicts), the estimate is
p̂ = Σ y_s / N and its cluster-robust (ratio-estimator) variance is

    V = S / (S − 1) · Σ (y_s − p̂ n_s)² / N²,

the variance the scenarios themselves show, whatever the correlation of their trials. The effective number of
verdicts is n_eff = p̂(1 − p̂) / V (N divided by the design effect), kept between S and N: never more than the
verdicts (design effect ≥ 1, trials do not repel), never fewer than the scenarios (with equal trials a scenario's
pass fraction has at most a Bernoulli variance). When p̂ is 0 or 1, V is 0 and n_eff = S: every trial of a
scenario is taken to repeat the first. The Clopper-Pearson ("exact") interval at n_eff follows, with p̂ · n_eff
passes: the Beta(x, n − x + 1) and Beta(x + 1, n − x) quantiles, defined for fractional counts; it is statsmodels'
`proportion_confint(method="beta")` when n_eff is a whole number (one trial per scenario: n_eff = N). Wilson's
interval was tried first: its coverage fell to 92.7% at 50 scenarios × 1 trial and 92.8% at 24 × 3 (p ≈ 0.9);
Clopper-Pearson is conservative there. `bench/ship_decision.py` measures the coverage at 24 and 50 scenarios × 1
and 3 trials."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

LEVEL = 0.95
"""Two-sided confidence level of the interval."""


class RateInterval(BaseModel):
    """A pass rate over scenarios' verdicts with its 95% interval (design-effect Clopper-Pearson)."""

    estimate: float = Field(description="passes / verdicts counted")
    low: float
    high: float
    scenarios: int = Field(description="clusters: scenarios with a verdict counted")
    verdicts: int
    effective_n: float = Field(description="verdicts divided by the design effect")


def clopper_pearson(estimate: float, n: float) -> tuple[float, float]:
    """The 95% Clopper-Pearson interval of a proportion `estimate` observed on `n` (possibly fractional) trials."""
    # scipy.special's inverse regularised incomplete beta is the Beta quantile `scipy.stats.beta.ppf` computes (the
    # same Boost routine), without scipy.stats's import (~0.5 s, paid by every `sparring run` report otherwise)
    from scipy.special import betaincinv

    passes, tail = estimate * n, (1 - LEVEL) / 2
    low = float(betaincinv(passes, n - passes + 1, tail)) if passes > 0 else 0.0
    high = float(betaincinv(passes + 1, n - passes, 1 - tail)) if passes < n else 1.0
    return low, high


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
    low, high = clopper_pearson(estimate, effective)
    return RateInterval(
        estimate=estimate, low=low, high=high, scenarios=scenarios, verdicts=verdicts, effective_n=effective
    )
