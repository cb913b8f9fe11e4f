"""The tests behind comparisons: exact McNemar, paired bootstrap, Fisher's exact test, multiplicity adjustments."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats


def mcnemar_p(regressions: Any, fixes: Any) -> Any:
    """Two-sided exact McNemar p-values from discordant pair counts, element-wise: a binomial test at p = 1/2,
    which for a symmetric null is twice the smaller tail, capped at 1 (scipy's binomtest gives the same)."""
    discordant = np.add(regressions, fixes)
    return np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(regressions, fixes), discordant, 0.5))


def mcnemar_exact(regressions: int, fixes: int) -> float:
    """Two-sided exact McNemar p-value of one comparison (1.0 with no discordant pair)."""
    return float(mcnemar_p(regressions, fixes))


def bootstrap_difference(a: list[float], b: list[float], seed: int = 0, resamples: int = 9999) -> tuple[float, float]:
    """Paired percentile bootstrap 95% CI of mean(b) - mean(a), resampling scenarios.

    Resampling n paired differences with replacement only changes how often each distinct difference
    occurs, so each resample is drawn as multinomial counts over the distinct values: the same bootstrap
    distribution, in milliseconds instead of a (resamples × n) index matrix."""
    differences = np.subtract(b, a, dtype=float)
    diff = float(differences.mean())
    if len(a) < 2 or np.allclose(differences, diff):
        return diff, diff  # no spread to resample: the interval is the point
    values, frequencies = np.unique(differences, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(differences), frequencies / len(differences), size=resamples)
    means = draws @ values / len(differences)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def unpaired_bootstrap(
    passes_a: int, n_a: int, passes_b: int, n_b: int, seed: int = 0, resamples: int = 9999
) -> tuple[float, float]:
    """Percentile bootstrap 95% CI of rate_b - rate_a for two independent samples of binary outcomes
    (resampling binary units with replacement is a binomial draw of the pass count)."""
    rng = np.random.default_rng(seed)
    rates_a = rng.binomial(n_a, passes_a / n_a, resamples) / n_a
    rates_b = rng.binomial(n_b, passes_b / n_b, resamples) / n_b
    low, high = np.percentile(rates_b - rates_a, [2.5, 97.5])
    return float(low), float(high)


def fisher_p(passes_a: int, fails_a: int, passes_b: int, fails_b: int) -> float:
    """Two-sided Fisher's exact test of equal pass rates in two independent samples."""
    return float(stats.fisher_exact([[passes_a, fails_a], [passes_b, fails_b]]).pvalue)


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
