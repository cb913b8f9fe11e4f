"""Iteration statistics against independent reference values (scipy, statsmodels, textbook formulas)."""

from math import comb

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sparring.analysis import compare_outcomes, trial_summary
from sparring.analysis.hypothesis import mcnemar_p
from sparring.analysis.outcomes import ERRORED, FAIL, PASS, UNDECIDED, majority
from sparring.analysis.statistics import benjamini_hochberg, bootstrap_difference, holm, mcnemar_exact


def exact_two_sided(b: int, c: int) -> float:
    """Textbook exact McNemar: twice the smaller binomial tail at p = 1/2, capped at 1."""
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)


@pytest.mark.parametrize(("b", "c"), [(0, 5), (1, 9), (3, 3), (2, 11), (7, 1), (0, 1), (12, 30)])
def test_mcnemar_matches_the_textbook_formula_and_scipy_binomtest(b, c):
    assert mcnemar_exact(b, c) == pytest.approx(exact_two_sided(b, c))
    assert mcnemar_exact(b, c) == pytest.approx(stats.binomtest(c, b + c, 0.5).pvalue)


def test_mcnemar_known_values_vectorised_and_no_discordant_pairs():
    assert mcnemar_exact(0, 5) == pytest.approx(0.0625)
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024)
    assert mcnemar_exact(0, 0) == 1.0
    many = mcnemar_p(np.array([0, 1, 3]), np.array([5, 9, 3]))
    assert many.tolist() == pytest.approx([0.0625, 22 / 1024, 1.0])


def test_bootstrap_is_reproducible_by_seed_and_brackets_the_difference():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, 40).astype(float).tolist()
    b = rng.integers(0, 2, 40).astype(float).tolist()
    first, again = bootstrap_difference(a, b, seed=3), bootstrap_difference(a, b, seed=3)
    assert first == again
    diff = np.mean(b) - np.mean(a)
    assert first[0] <= diff <= first[1] and first[0] < first[1]
    assert bootstrap_difference([1.0, 1.0], [1.0, 1.0]) == (0.0, 0.0), "no spread: the interval is the point"


@pytest.mark.parametrize(
    ("trials", "code"),
    [
        ([True, True, False], PASS),
        ([True, False], UNDECIDED),  # a tie is no majority
        ([True, True, False, False], UNDECIDED),
        ([False, False, None], FAIL),
        ([True, True, None], PASS),
        ([True, False, None], ERRORED),  # the error could have decided it
        ([True, None, None], ERRORED),  # errors never count as passes
        ([None], ERRORED),
    ],
)
def test_majority_is_strictly_more_than_half_and_errors_never_pass(trials, code):
    assert majority(trials) == code


def test_pass_hat_k_and_pass_at_k_are_the_unbiased_estimators_for_every_k():
    per_scenario = {
        "s1": [True, True, True],
        "s2": [True, False, True],
        "s3": [False, False, False],
        "s4": [True, None, True],
    }
    summary = trial_summary("e", per_scenario)
    passes = [3, 2, 0, 2]  # s4: the errored trial counts in n = 3, never in c
    for k in (1, 2, 3):
        hat = np.mean([comb(c, k) / comb(3, k) for c in passes])
        at = np.mean([1 - comb(3 - c, k) / comb(3, k) for c in passes])
        assert summary.pass_hat_k[k - 1] == pytest.approx(hat) and summary.pass_at_k[k - 1] == pytest.approx(at)
    assert summary.pass_hat_k[2] == pytest.approx(1 / 4), "only s1 passed all of its 3 trials"
    assert summary.pass_rate == pytest.approx(7 / 11) and summary.errored_trials == 1
    assert summary.flaky == ["s2", "s4"] and summary.trials == 3


def test_compare_flags_regressions_fixes_and_a_significant_drop():
    baseline = {"e": {f"s{i}": [True] for i in range(12)}}
    candidate = {"e": {f"s{i}": [i >= 10] for i in range(12)} | {"s_new": [False]}}
    [result] = compare_outcomes(baseline, candidate)
    assert result.shared_scenarios == 12, "only paired scenarios count"
    assert result.regressions == [f"s{i}" for i in range(10)] and result.fixes == []
    assert result.p_value == pytest.approx(exact_two_sided(10, 0))
    assert result.verdict == "regressed" and result.difference == pytest.approx(-10 / 12)
    assert result.ci_low <= result.difference <= result.ci_high


def test_direction_comes_from_the_same_flips_as_significance_with_three_trials():
    """The old contradiction: 6 scenarios go 1/3 → 2/3 (fixes), 10 go 3/3 → 2/3 (no flip, mean rate falls).
    Old code: McNemar p = 0.03 on 6 fixes, direction from mean per-trial rates (down): "regressed" with
    0 regressions. Now the difference is (fixes - regressions) / scenarios."""
    fixed = {f"f{i}": ([True, False, False], [True, True, False]) for i in range(6)}
    slipped = {f"s{i}": ([True, True, True], [True, True, False]) for i in range(10)}
    both = fixed | slipped
    [result] = compare_outcomes(
        {"e": {s: a for s, (a, _) in both.items()}}, {"e": {s: b for s, (_, b) in both.items()}}
    )
    assert result.regressions == [] and result.fixes == sorted(fixed)
    assert result.difference == pytest.approx(6 / 16) and result.p_value == pytest.approx(2 / 64)
    assert result.verdict == "improved"
    assert result.pass_rate_b - result.pass_rate_a == pytest.approx(result.difference)


def test_ties_and_errors_are_left_out_of_the_test_and_listed():
    a = {"e": {"tie": [True, False], "err": [True, None], "ok": [True, True], "bad": [False, False]}}
    b = {"e": {"tie": [True, True], "err": [True, True], "ok": [True, True], "bad": [True, True]}}
    [result] = compare_outcomes(a, b)
    assert result.undecided == ["tie"] and result.errored == ["err"]
    assert result.shared_scenarios == 2 and result.fixes == ["bad"] and result.regressions == []


def test_verdicts_use_benjamini_hochberg_across_the_evaluations():
    """p = 0.031 alone would be 'improved'; beside an evaluation with p = 1 its BH q is 0.0625."""
    a = {"e1": {f"s{i}": [False] for i in range(6)}, "e2": {f"s{i}": [True] for i in range(6)}}
    b = {"e1": {f"s{i}": [True] for i in range(6)}, "e2": {f"s{i}": [True] for i in range(6)}}
    alone = compare_outcomes({"e1": a["e1"]}, {"e1": b["e1"]})[0]
    together = {c.evaluation_id: c for c in compare_outcomes(a, b)}
    assert alone.verdict == "improved" and alone.q_value == pytest.approx(alone.p_value)
    assert together["e1"].p_value == pytest.approx(2 / 64) and together["e1"].q_value == pytest.approx(4 / 64)
    assert together["e1"].verdict == "no detectable change"


def test_compare_small_change_is_no_detectable_change_and_disjoint_is_not_comparable():
    [small] = compare_outcomes({"e": {"a": [True], "b": [False]}}, {"e": {"a": [False], "b": [True]}})
    assert small.verdict == "no detectable change" and small.regressions == ["a"] and small.fixes == ["b"]
    [disjoint] = compare_outcomes({"e": {"a": [True]}}, {"e": {"b": [True]}})
    assert disjoint.verdict == "not comparable" and disjoint.q_value is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_holm_and_benjamini_hochberg_match_statsmodels(seed):
    p_values = np.random.default_rng(seed).beta(0.5, 2, 25).tolist() + [0.0, 1.0]
    assert holm(p_values) == pytest.approx(multipletests(p_values, method="holm")[1].tolist())
    assert benjamini_hochberg(p_values) == pytest.approx(multipletests(p_values, method="fdr_bh")[1].tolist())
    assert holm([]) == [] and benjamini_hochberg([]) == []
