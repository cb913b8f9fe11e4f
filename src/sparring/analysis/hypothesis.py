"""The tests behind comparisons: paired sign-flip permutation test, paired bootstrap, Fisher's exact test,
multiplicity adjustments."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import stats

RESAMPLES = 9999
"""Resamples of the permutation test and of the bootstrap."""
TOLERANCE = 1e-9
"""Null sums within this of the observed sum count as equal to it (sums of fractions differ in rounding)."""


def _sign_patterns(size: int, seed: int, resamples: int) -> tuple[NDArray[np.float64], bool]:
    """Every ±1 pattern of `size` signs when there are at most `resamples`, else `resamples` random ones."""
    if 2**size <= resamples:
        bits = (np.arange(2**size)[:, None] >> np.arange(size)[None, :]) & 1
        return (1 - 2 * bits).astype(float), True
    return (1 - 2 * np.random.default_rng(seed).integers(0, 2, size=(resamples, size))).astype(float), False


def _two_sided(null: NDArray[np.float64], observed: NDArray[np.float64], exact: bool) -> NDArray[np.float64]:
    """scipy's two-sided permutation p: twice the smaller tail, a randomized test counting the observed
    arrangement once ((count + 1) / (resamples + 1)), capped at 1."""
    adjustment = 0 if exact else 1
    less = ((null <= observed + TOLERANCE).sum(axis=0) + adjustment) / (len(null) + adjustment)
    greater = ((null >= observed - TOLERANCE).sum(axis=0) + adjustment) / (len(null) + adjustment)
    return np.minimum(1.0, 2 * np.minimum(less, greater))


def _nonzero_matrix(differences: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """One row per list: its non-zero values first, zero-padded to the longest such row."""
    nonzero = [d[d != 0] for d in differences]
    matrix = np.zeros((len(nonzero), max((len(d) for d in nonzero), default=0)))
    for row, values in enumerate(nonzero):
        matrix[row, : len(values)] = values
    return matrix


def sign_flip_p(differences: list[list[float]], seed: int = 0, resamples: int = RESAMPLES) -> list[float]:
    """Two-sided paired permutation p of the mean difference, one per list of paired differences (B − A).

    The test of scipy.stats.permutation_test(permutation_type="samples") on (B, A) with the mean difference
    as statistic: under the null each pair's two values are exchangeable, i.e. each difference's sign is
    equally likely flipped. A zero difference is unchanged by a flip, so only the non-zero differences are
    flipped: exact (all 2^k patterns) when 2^k ≤ resamples, otherwise `resamples` seeded random patterns.
    Every list is tested in one matrix product per pattern set (zero-padded), not one scipy call each:
    scipy takes 0.5-2.5 s for 25 evaluations × 50 scenarios, this a few milliseconds."""
    arrays = [np.asarray(d, dtype=float) for d in differences]
    sizes = [int(np.count_nonzero(d)) for d in arrays]
    p_values = np.ones(len(arrays))
    exact_sizes = {k for k in sizes if 2**k <= resamples}
    groups = [[i for i, k in enumerate(sizes) if k == size] for size in sorted(exact_sizes)]
    groups.append([i for i, k in enumerate(sizes) if k not in exact_sizes])
    for rows in (g for g in groups if g):
        matrix = _nonzero_matrix([arrays[i] for i in rows])
        signs, exact = _sign_patterns(matrix.shape[1], seed, resamples)
        p_values[rows] = _two_sided(signs @ matrix.T, matrix.sum(axis=1), exact)
    return [float(p) for p in p_values]


def _resample_counts(rng: np.random.Generator, size: int, width: int, resamples: int) -> NDArray[np.int64]:
    """How often each of the first `width` of `size` items is drawn, in each of `resamples` resamples of
    `size` draws with replacement: the draws landing among them (binomial), spread uniformly over them."""
    landed = rng.binomial(size, width / size, resamples)
    rows = np.repeat(np.arange(resamples), landed)
    cells = rows * width + rng.integers(0, width, rows.size)
    return np.bincount(cells, minlength=resamples * width).reshape(resamples, width)


def bootstrap_differences(
    differences: list[list[float]], seed: int = 0, resamples: int = RESAMPLES
) -> list[tuple[float, float]]:
    """Paired percentile bootstrap 95% CI of the mean of each non-empty list of paired differences (B − A),
    resampling scenarios with replacement.

    A resample's sum only depends on how often each non-zero difference is drawn, so each list's non-zero
    values come first and only their draw counts are generated; lists of the same length share one seeded
    matrix of counts, so all evaluations of a comparison are resampled in one matrix product. Differences
    that are all equal have no spread: the interval is the point."""
    intervals: list[tuple[float, float]] = [(0.0, 0.0)] * len(differences)
    rng = np.random.default_rng(seed)
    for size in sorted({len(d) for d in differences} - {0}):
        rows = [i for i, d in enumerate(differences) if len(d) == size]
        values = [np.asarray(differences[i], dtype=float) for i in rows]
        matrix = _nonzero_matrix(values)
        counts = _resample_counts(rng, size, matrix.shape[1], resamples)
        low, high = np.percentile(counts @ matrix.T / size, [2.5, 97.5], axis=0)
        for row, i in enumerate(rows):
            mean = float(values[row].mean())
            constant = bool(np.ptp(values[row]) == 0)
            intervals[i] = (mean, mean) if constant else (float(low[row]), float(high[row]))
    return intervals


def unpaired_bootstrap(
    passes_a: int, n_a: int, passes_b: int, n_b: int, seed: int = 0, resamples: int = RESAMPLES
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
