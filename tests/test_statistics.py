"""Iteration statistics against independent reference values."""

from math import comb

import numpy as np
import pytest

from sparring.analysis import compare_outcomes, trial_summary
from sparring.analysis.statistics import bootstrap_difference, mcnemar_exact


def exact_two_sided(b: int, c: int) -> float:
    """Textbook exact McNemar: twice the smaller binomial tail at p = 1/2, capped at 1."""
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)


@pytest.mark.parametrize(("b", "c"), [(0, 5), (1, 9), (3, 3), (2, 11), (7, 1), (0, 1)])
def test_mcnemar_matches_the_textbook_formula(b, c):
    assert mcnemar_exact(b, c) == pytest.approx(exact_two_sided(b, c))


def test_mcnemar_known_values_and_no_discordant_pairs():
    assert mcnemar_exact(0, 5) == pytest.approx(0.0625)
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    assert mcnemar_exact(0, 0) == 1.0


def test_bootstrap_is_reproducible_by_seed_and_brackets_the_difference():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 40).astype(float).tolist()
    b = rng.integers(0, 2, 40).astype(float).tolist()
    first, again = bootstrap_difference(a, b, seed=3), bootstrap_difference(a, b, seed=3)
    assert first == again
    diff = np.mean(b) - np.mean(a)
    assert first[0] <= diff <= first[1] and first[0] < first[1]
    assert bootstrap_difference([1.0, 1.0], [1.0, 1.0]) == (0.0, 0.0), "no spread: the interval is the point"


def test_trial_summary_pass_hat_k_pass_at_k_and_flaky():
    summary = trial_summary("e", {"s1": [True, True, True], "s2": [True, False, True], "s3": [False, False, False]})
    assert summary.pass_rate == pytest.approx(5 / 9)
    assert summary.pass_hat_k == pytest.approx(1 / 3) and summary.pass_at_k == pytest.approx(2 / 3)
    assert summary.flaky == ["s2"] and summary.trials == 3


def test_compare_flags_regressions_fixes_and_a_significant_drop():
    baseline = {"e": {f"s{i}": [True] for i in range(12)}}
    candidate = {"e": {f"s{i}": [i >= 10] for i in range(12)} | {"s_new": [False]}}
    [result] = compare_outcomes(baseline, candidate)
    assert result.shared_scenarios == 12, "only paired scenarios count"
    assert result.regressions == [f"s{i}" for i in range(10)] and result.fixes == []
    assert result.p_value == pytest.approx(exact_two_sided(10, 0))
    assert result.verdict == "regressed" and result.difference == pytest.approx(-10 / 12)
    assert result.ci_low <= result.difference <= result.ci_high


def test_compare_small_change_is_no_detectable_change_and_disjoint_is_not_comparable():
    [small] = compare_outcomes({"e": {"a": [True], "b": [False]}}, {"e": {"a": [False], "b": [True]}})
    assert small.verdict == "no detectable change" and small.regressions == ["a"] and small.fixes == ["b"]
    [disjoint] = compare_outcomes({"e": {"a": [True]}}, {"e": {"b": [True]}})
    assert disjoint.verdict == "not comparable"
