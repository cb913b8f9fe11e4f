"""The tests behind comparisons: paired sign-flip permutation test and the CI that inverts it, unpaired
bootstrap, Fisher's exact test, multiplicity adjustments."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

RESAMPLES = 9999
"""Resamples of the permutation test and of the unpaired bootstrap."""
TOLERANCE = 1e-9
"""Null sums within this of the observed sum count as equal to it (sums of fractions differ in rounding)."""
CONFIDENCE = 0.95
"""Confidence level of the paired CI: it holds the shifts the permutation test does not reject at 5%."""


class SignFlipResult(NamedTuple):
    """One list's paired test: the two-sided p of a zero mean difference and the 95% CI of the mean
    difference that inverts the same test."""

    p_value: float
    ci_low: float
    ci_high: float


_BYTE_SIGNS: NDArray[np.float64] = 1 - 2 * np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(float)
"""Each byte's 8 bits as ±1 signs: random bytes become sign patterns in one lookup."""


def _sign_patterns(size: int, seed: int, resamples: int) -> tuple[NDArray[np.float64], bool]:
    """Every ±1 pattern of `size` signs when there are at most `resamples`, else `resamples` random ones."""
    if 2**size <= resamples:
        bits = (np.arange(2**size)[:, None] >> np.arange(size)[None, :]) & 1
        return (1 - 2 * bits).astype(float), True
    random_bytes = np.random.default_rng(seed).integers(0, 256, size=(resamples, -(-size // 8)), dtype=np.uint8)
    return _BYTE_SIGNS[random_bytes].reshape(resamples, -1)[:, :size], False


def _padded(differences: list[NDArray[np.float64]]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The lists as rows zero-padded to the longest, and the mask of each row's real entries."""
    width = max((len(d) for d in differences), default=0)
    values, mask = np.zeros((len(differences), width)), np.zeros((len(differences), width))
    for row, d in enumerate(differences):
        values[row, : len(d)], mask[row, : len(d)] = d, 1.0
    return values, mask


def _thresholds(
    signs: NDArray[np.float64], values: NDArray[np.float64], mask: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per sign pattern and row, the shifts δ where the pattern's null sum of (d − δ) meets the observed sum.

    With A = S·d, B = S·1 and n the row's length, the null sum at shift δ is A − δB and the observed one
    T − nδ, so the pattern is in the upper tail (null ≥ observed) exactly when δ ≥ (T − A)/(n − B) and in
    the lower tail (null ≤ observed) exactly when δ ≤ (T − A)/(n − B), within TOLERANCE. The all-plus
    pattern (B = n) equals the observed arrangement at every δ: in both tails always."""
    masks, which = np.unique(mask, axis=0, return_inverse=True)
    sums = signs @ np.concatenate([values, masks]).T
    gap = values.sum(axis=1) - sums[:, : len(values)]
    room = mask.sum(axis=1) - sums[:, len(values) :][:, which.ravel()]
    safe = np.where(room > 0, room, 1.0)
    upper = np.where(room > 0, (gap - TOLERANCE) / safe, -np.inf)
    lower = np.where(room > 0, (gap + TOLERANCE) / safe, np.inf)
    return upper, lower


def _p_of_count(count: NDArray[np.int64], patterns: int, exact: bool) -> NDArray[np.float64]:
    """scipy's two-sided permutation p from the smaller tail's count: twice that tail, a randomized test
    counting the observed arrangement once ((count + 1) / (resamples + 1)), capped at 1."""
    adjustment = 0 if exact else 1
    return np.minimum(1.0, 2 * (count + adjustment) / (patterns + adjustment))


def _tested_group(
    differences: list[NDArray[np.float64]], signs: NDArray[np.float64], exact: bool
) -> list[SignFlipResult]:
    """p at δ = 0 and the 95% CI (every δ whose test gives p ≥ 0.05) of each list, on one sign pattern set.

    The upper-tail count only grows with δ and the lower-tail count only shrinks, so the accepted shifts are
    an interval: from the K-th smallest upper threshold to the K-th largest lower one, K the smallest tail
    count with p ≥ 0.05. Clipped to [−1, 1], the range of a difference of pass fractions."""
    upper, lower = _thresholds(signs, *_padded(differences))
    patterns = len(signs)
    p_values = _p_of_count(np.minimum((upper <= 0).sum(axis=0), (lower >= 0).sum(axis=0)), patterns, exact)
    needed = int(np.argmax(_p_of_count(np.arange(patterns + 1), patterns, exact) >= 1 - CONFIDENCE))
    if needed == 0:
        return [SignFlipResult(float(p), -1.0, 1.0) for p in p_values]
    low = np.partition(upper, needed - 1, axis=0)[needed - 1]
    high = np.partition(lower, patterns - needed, axis=0)[patterns - needed]
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    return [SignFlipResult(float(p), float(a), float(b)) for p, a, b in zip(p_values, low, high, strict=True)]


def sign_flip_test(differences: list[list[float]], seed: int = 0, resamples: int = RESAMPLES) -> list[SignFlipResult]:
    """Two-sided paired permutation test of the mean difference and the 95% CI that inverts it, one per list
    of paired differences (B − A).

    p is the test of scipy.stats.permutation_test(permutation_type="samples") on (B, A) with the mean
    difference as statistic: under the null each pair's two values are exchangeable, i.e. each difference's
    sign is equally likely flipped; exact (all 2^n patterns of the n differences) when 2^n ≤ resamples,
    otherwise `resamples` seeded random patterns. The CI is every shift δ that the same test, on the same
    patterns, does not reject at 5% for the differences d − δ: it excludes 0 exactly when p < 0.05. Lists
    of one exact size, and all resampled lists (zero-padded, masked), are tested in one matrix product each:
    scipy takes 0.5-2.5 s for 25 evaluations × 50 scenarios, this a few milliseconds."""
    arrays = [np.asarray(d, dtype=float) for d in differences]
    results: list[SignFlipResult] = [SignFlipResult(1.0, -1.0, 1.0)] * len(arrays)
    sizes = [len(d) if 2 ** len(d) <= resamples else -1 for d in arrays]
    for size in sorted(set(sizes)):
        rows = [i for i, s in enumerate(sizes) if s == size]
        width = size if size >= 0 else max(len(arrays[i]) for i in rows)
        signs, exact = _sign_patterns(width, seed, resamples)
        for i, result in zip(rows, _tested_group([arrays[i] for i in rows], signs, exact), strict=True):
            results[i] = result
    return results


def fisher_p(passes_a: int, fails_a: int, passes_b: int, fails_b: int) -> float:
    """Two-sided Fisher's exact test of equal pass rates in two independent samples."""
    from scipy import stats  # imported when a comparison needs it: reports that only count stay fast

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
    from scipy import stats

    return [float(q) for q in stats.false_discovery_control(p_values, method="bh")]
