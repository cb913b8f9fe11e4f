"""The tests behind comparisons: paired sign-flip permutation test, the CI and one-sided bounds that invert it,
the non-inferiority tests at a margin, Fisher's exact test, multiplicity adjustments."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

RESAMPLES = 9999
"""Resamples of the permutation test and of the unpaired bootstrap."""
TOLERANCE = 1e-9
"""Null sums within this of the observed sum count as equal to it (sums of fractions differ in rounding)."""
ALPHA = 0.05
"""Level of the paired CI (95%: the shifts the two-sided test does not reject at 5%) and of the one-sided
non-inferiority bound (the shifts the one-sided test does not reject at 5%). p-values are compared with this
same float (p < ALPHA), so an interval and a verdict built on one test can never disagree."""


class SignFlipResult(NamedTuple):
    """One list's paired test: the two-sided p of a zero mean difference and the 95% CI of the mean
    difference that inverts the same test."""

    p_value: float
    ci_low: float
    ci_high: float


class MarginTest(NamedTuple):
    """One list's paired test against a margin m, all from the same sign patterns: `lower_bound` is the
    one-sided 95% lower bound of the mean difference (every shift the one-sided test does not reject at 5%
    lies above it), `p_noninferior` the one-sided p of "mean ≤ −m" (below 0.05 exactly when the lower bound is
    above −m), `p_drop` the one-sided p of "mean ≥ −m" (small when the mean is significantly below −m)."""

    lower_bound: float
    p_noninferior: float
    p_drop: float


def _sign_patterns(size: int, seed: int, resamples: int) -> tuple[NDArray[np.float64], bool]:
    """Every ±1 pattern of `size` signs when there are at most `resamples`, else `resamples` random ones: each
    row's random bytes unpacked to bits, most significant first, a set bit a −1. The bits are unpacked as bytes
    and turned into floats in place (one 8-byte-per-sign array; a per-byte lookup of 8 floats took about twice the CPU
    at 1,000 scenarios)."""
    if 2**size <= resamples:
        bits = (np.arange(2**size)[:, None] >> np.arange(size)[None, :]) & 1
        return (1 - 2 * bits).astype(float), True
    random_bytes = np.random.default_rng(seed).integers(0, 256, size=(resamples, -(-size // 8)), dtype=np.uint8)
    signs = np.unpackbits(random_bytes, axis=1, count=size).astype(float)
    signs *= -2.0
    signs += 1.0
    return signs, False


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


def _one_sided(count: NDArray[np.int64], patterns: int, exact: bool) -> NDArray[np.float64]:
    """scipy's one-sided permutation p from a tail's count: a randomized test counts the observed arrangement
    once ((count + 1) / (resamples + 1)); an exact one counts it among the 2^n patterns already."""
    adjustment = 0 if exact else 1
    return np.minimum(1.0, (count + adjustment) / (patterns + adjustment))


def _p_of_count(count: NDArray[np.int64], patterns: int, exact: bool) -> NDArray[np.float64]:
    """scipy's two-sided permutation p from the smaller tail's count: twice the one-sided p, capped at 1."""
    return np.minimum(1.0, 2 * _one_sided(count, patterns, exact))


def _needed(p_of: NDArray[np.float64]) -> int:
    """The smallest tail count whose p (`p_of[count]`) is not below ALPHA; 0 when even none rejects."""
    return int(np.argmax(p_of >= ALPHA)) if (p_of >= ALPHA).any() else len(p_of)


def _kth_smallest(values: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Per column, the k-th smallest value (−inf for k = 0: no shift is rejected)."""
    if k == 0:
        return np.full(values.shape[1], -np.inf)
    return np.partition(values, k - 1, axis=0)[k - 1]


def _tested_group(
    differences: list[NDArray[np.float64]], signs: NDArray[np.float64], exact: bool, margin: float
) -> list[tuple[SignFlipResult, MarginTest]]:
    """p at δ = 0, the 95% CI (every δ whose two-sided test gives p ≥ 0.05), the one-sided 95% lower bound and
    the one-sided tests at δ = −margin, of each list, on one sign pattern set.

    The upper-tail count (patterns whose null sum ≥ the observed one) only grows with δ and the lower-tail count
    only shrinks, so the accepted shifts are an interval: from the K-th smallest upper threshold to the K-th
    largest lower one, K the smallest tail count whose p is not below 0.05. Clipped to [−1, 1], the range of a
    difference of pass fractions."""
    upper, lower = _thresholds(signs, *_padded(differences))
    patterns = len(signs)
    up, low = (upper <= 0).sum(axis=0), (lower >= 0).sum(axis=0)
    p_values = _p_of_count(np.minimum(up, low), patterns, exact)
    counts = np.arange(patterns + 1)
    two_sided, one_sided = _needed(_p_of_count(counts, patterns, exact)), _needed(_one_sided(counts, patterns, exact))
    ci_low = np.clip(_kth_smallest(upper, two_sided), -1.0, 1.0)
    ci_high = np.clip(-_kth_smallest(-lower, two_sided), -1.0, 1.0)
    bound = np.clip(_kth_smallest(upper, one_sided), -1.0, 1.0)
    p_noninferior = _one_sided((upper <= -margin).sum(axis=0), patterns, exact)
    p_drop = _one_sided((lower >= -margin).sum(axis=0), patterns, exact)
    return [
        (SignFlipResult(float(p), float(a), float(b)), MarginTest(float(lb), float(ni), float(dr)))
        for p, a, b, lb, ni, dr in zip(p_values, ci_low, ci_high, bound, p_noninferior, p_drop, strict=True)
    ]


def paired_tests(
    differences: list[list[float]], margin: float = 0.0, seed: int = 0, resamples: int = RESAMPLES
) -> list[tuple[SignFlipResult, MarginTest]]:
    """`sign_flip_test` of each list of paired differences (B − A) and, on the same sign patterns, its test
    against a margin (a proportion: 0.05 is 5 points): the one-sided 95% lower bound and the one-sided p of
    "mean ≤ −margin" and of "mean ≥ −margin". A list of n equal differences has its lower bound at that value once
    2^n ≥ 20 (n ≥ 5): with fewer, no shift is rejected and the bound is −1."""
    arrays = [np.asarray(d, dtype=float) for d in differences]
    untested = (SignFlipResult(1.0, -1.0, 1.0), MarginTest(-1.0, 1.0, 1.0))
    results: list[tuple[SignFlipResult, MarginTest]] = [untested] * len(arrays)
    sizes = [len(d) if 2 ** len(d) <= resamples else -1 for d in arrays]
    for size in sorted(set(sizes)):
        rows = [i for i, s in enumerate(sizes) if s == size]
        width = size if size >= 0 else max(len(arrays[i]) for i in rows)
        if width == 0:
            continue
        signs, exact = _sign_patterns(width, seed, resamples)
        for i, result in zip(rows, _tested_group([arrays[i] for i in rows], signs, exact, margin), strict=True):
            results[i] = result
    return results


def sign_flip_test(differences: list[list[float]], seed: int = 0, resamples: int = RESAMPLES) -> list[SignFlipResult]:
    """Two-sided paired permutation test of the mean difference and the 95% CI that inverts it, one per list
    of paired differences (B − A).

    p is the test of scipy.stats.permutation_test(permutation_type="samples") on (B, A) with the mean
    difference as statistic: under the null each pair's two values are exchangeable, i.e. each difference's
    sign is equally likely flipped; exact (all 2^n patterns of the n differences) when 2^n ≤ resamples,
    otherwise `resamples` seeded random patterns. The CI is every shift δ that the same test, on the same
    patterns, does not reject at 5% for the differences d − δ: it excludes 0 exactly when p < 0.05 (one float,
    ALPHA, on both sides). Lists of one exact size, and all resampled lists (zero-padded, masked), are tested
    in one matrix product each: scipy takes 0.5-2.5 s for 25 evaluations × 50 scenarios, this a few
    milliseconds."""
    return [test for test, _ in paired_tests(differences, 0.0, seed, resamples)]


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
