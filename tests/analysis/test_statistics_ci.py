"""The paired 95% CI inverts the sign-flip permutation test: it excludes 0 exactly when p < 0.05, its ends are
where the test (and scipy's) stops rejecting, and it covers the true difference about 95% of the time."""

import numpy as np
import pytest
from scipy import stats

from sparring.analysis import compare_outcomes
from sparring.analysis.hypothesis import sign_flip_test


def random_comparison(seed: int):
    """One evaluation's comparison on 2 to 39 scenarios × 1 to 5 trials, with a random drift between runs."""
    rng = np.random.default_rng(seed)
    scenarios, trials = int(rng.integers(2, 40)), int(rng.integers(1, 6))
    p = rng.random(scenarios)
    drift = rng.normal(0, 0.3)
    runs = [
        {f"s{i}": (rng.random(trials) < np.clip(p[i] + shift, 0, 1)).tolist() for i in range(scenarios)}
        for shift in (0.0, drift)
    ]
    [comparison] = compare_outcomes({"e": runs[0]}, {"e": runs[1]}, seed=seed)
    return comparison


def test_the_ci_excludes_zero_exactly_when_the_test_rejects_over_400_random_comparisons():
    """The old bootstrap CI excluded 0 while p >= 0.05 in 46 of these 400 comparisons."""
    comparisons = [random_comparison(seed) for seed in range(400)]
    for c in comparisons:
        assert (c.ci_low > 0 or c.ci_high < 0) == (c.p_value < 0.05), c
        assert c.ci_low <= c.difference <= c.ci_high and c.ci_low >= -1 and c.ci_high <= 1
    assert 50 < sum(c.p_value < 0.05 for c in comparisons) < 350, "both outcomes are exercised"


def scipy_p(differences: np.ndarray, shift: float) -> float:
    """scipy's paired permutation p of a mean difference equal to `shift` (exact for these sizes)."""
    return stats.permutation_test(
        (differences - shift, np.zeros_like(differences)),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=9999,
    ).pvalue


@pytest.mark.parametrize("scenarios", [6, 9, 13])
def test_the_ci_ends_are_where_scipys_exact_test_stops_rejecting(scenarios):
    rng = np.random.default_rng(scenarios)
    differences = rng.integers(-3, 4, scenarios) / 3
    [result] = sign_flip_test([differences.tolist()])
    for end, outward in ((result.ci_low, -1e-6), (result.ci_high, 1e-6)):
        assert scipy_p(differences, end - outward) >= 0.05 > scipy_p(differences, end + outward)


def test_the_ci_ends_are_where_the_resampled_test_stops_rejecting():
    """Beyond 13 scenarios the patterns are 9,999 seeded random ones; the same seed tests shifted data on the
    same patterns, and the p just inside each end is at least 0.05, just outside below it."""
    rng = np.random.default_rng(5)
    batch = (rng.integers(0, 4, (3, 40)) / 3 - rng.integers(0, 4, (3, 40)) / 3).tolist()
    for differences, result in zip(batch, sign_flip_test(batch, seed=2), strict=True):
        for end, outward in ((result.ci_low, -1e-6), (result.ci_high, 1e-6)):
            [inside, outside] = sign_flip_test([list(np.subtract(differences, end - outward * k)) for k in (1, -1)], 2)
            assert inside.p_value >= 0.05 > outside.p_value


def test_the_ci_on_degenerate_data():
    """No spread: the interval is the point. Five scenarios or fewer: p is never below 2/32 > 0.05, so no
    shift is rejected and the interval is every possible difference."""
    [constant, few, none] = sign_flip_test([[0.5] * 20, [1.0] * 5, []])
    assert constant.ci_low == pytest.approx(0.5) and constant.ci_high == pytest.approx(0.5)
    assert (few.p_value, few.ci_low, few.ci_high) == (pytest.approx(2 / 32), -1.0, 1.0)
    assert (none.p_value, none.ci_low, none.ci_high) == (1.0, -1.0, 1.0)


@pytest.mark.parametrize("drop", [0.0, 0.1, 0.2])
def test_the_ci_covers_the_true_difference_about_95_percent_of_the_time(drop):
    """1,000 simulated comparisons of 50 heterogeneous scenarios × 3 trials, A's per-trial pass probabilities
    fixed, B's lowered by `drop`: the true difference is the mean of (q_i − p_i) over the scenarios."""
    rng = np.random.default_rng(3)
    p = np.where(rng.random(50) < 0.2, rng.beta(2, 3, 50), rng.beta(18, 2, 50))
    q = np.clip(p - drop, 0, 1)
    differences = rng.binomial(3, q, (1000, 50)) / 3 - rng.binomial(3, p, (1000, 50)) / 3
    results = sign_flip_test(differences.tolist(), seed=1)
    covered = np.mean([r.ci_low <= (q - p).mean() <= r.ci_high for r in results])
    assert 0.92 <= covered <= 0.98
