"""Iteration statistics against independent reference values (scipy, statsmodels, textbook formulas)."""

from math import comb

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from sparring.analysis import compare_outcomes, trial_summary
from sparring.analysis.outcomes import ERRORED, FAIL, PASS, UNDECIDED, majority
from sparring.analysis.paired_comparison import benjamini_hochberg, holm, sign_flip_test


def sign_flip_p(differences: list[list[float]], seed: int = 0) -> list[float]:
    """The p-values alone."""
    return [r.p_value for r in sign_flip_test(differences, seed)]


def scipy_sign_flip(b: np.ndarray, a: np.ndarray, seed: int = 0) -> np.ndarray:
    """The reference: scipy's paired permutation test of the mean difference, row by row."""
    return stats.permutation_test(
        (b, a),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=9999,
        random_state=seed,
        axis=-1,
    ).pvalue


@pytest.mark.parametrize("scenarios", [2, 4, 9, 13])
def test_sign_flip_p_equals_scipys_exact_permutation_test(scenarios):
    """2^n <= 9,999: both enumerate every sign pattern, so the p-values are equal, row by row, whatever
    the mix of scenario counts in one batch."""
    rng = np.random.default_rng(scenarios)
    a = rng.integers(0, 4, (8, scenarios)) / 3
    b = np.clip(a + rng.integers(-2, 2, (8, scenarios)) / 3, 0, 1)
    batch = [*(b - a).tolist(), [0.5, -0.25, 1.0]]
    assert sign_flip_p(batch)[:-1] == pytest.approx(scipy_sign_flip(b, a).tolist())
    assert sign_flip_p(batch)[-1] == pytest.approx(scipy_sign_flip(np.array([0.5, 0, 1]), np.array([0, 0.25, 0])))


def test_sign_flip_p_matches_scipy_within_resampling_error_beyond_exact_sizes():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 4, (6, 50)) / 3
    b = np.clip(a + rng.integers(-2, 2, (6, 50)) / 3, 0, 1)
    mine, reference = np.array(sign_flip_p((b - a).tolist(), seed=1)), scipy_sign_flip(b, a, seed=2)
    assert np.abs(mine - reference).max() < 0.02
    assert sign_flip_p((b - a).tolist(), seed=1) == mine.tolist(), "seeded: reproducible"


def test_sign_flip_p_known_values():
    assert sign_flip_p([[1.0] * 5]) == [pytest.approx(2 / 32)], "all 32 patterns; only 2 as extreme"
    assert sign_flip_p([[0.0, 0.0], []]) == [1.0, 1.0], "no difference: nothing to flip"


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
    assert result.p_value == pytest.approx(2 / 2**10), "10 non-zero differences: exact, 2 extreme patterns"
    assert result.verdict == "regressed" and result.difference == pytest.approx(-10 / 12)
    assert result.ci_low <= result.difference <= result.ci_high
    assert result.shown["s0"] == "1/1 pass → 0/1 fail"


def test_direction_comes_from_the_same_differences_as_significance_with_three_trials():
    """The old contradiction: 6 scenarios go 1/3 → 2/3, 10 go 3/3 → 2/3. Old code: McNemar on majorities
    (6 fixes, 0 regressions) and direction from mean per-trial rates (down): "regressed" with 0 regressions
    and 6 fixes. Now every figure comes from the per-scenario pass fractions: the 10 whose fraction fell are
    regressions, the 6 whose fraction rose are fixes, the difference is their mean."""
    fixed = {f"f{i}": ([True, False, False], [True, True, False]) for i in range(6)}
    slipped = {f"s{i}": ([True, True, True], [True, True, False]) for i in range(10)}
    both = fixed | slipped
    [result] = compare_outcomes(
        {"e": {s: a for s, (a, _) in both.items()}}, {"e": {s: b for s, (_, b) in both.items()}}
    )
    assert result.regressions == sorted(slipped) and result.fixes == sorted(fixed)
    assert result.difference == pytest.approx((6 / 3 - 10 / 3) / 16)
    assert result.pass_rate_b - result.pass_rate_a == pytest.approx(result.difference)
    before, after = np.array([1 / 3] * 6 + [1.0] * 10), np.array([2 / 3] * 16)
    assert result.p_value == pytest.approx(scipy_sign_flip(after, before), abs=0.02)
    assert result.verdict != "improved"
    assert result.shown["f0"] == "1/3 fail → 2/3 pass" and result.shown["s0"] == "3/3 pass → 2/3 pass"


@pytest.mark.parametrize("seed", range(40))
def test_verdict_direction_ci_and_lists_always_agree_on_random_data(seed):
    rng = np.random.default_rng(seed)
    scenarios, trials = int(rng.integers(2, 40)), int(rng.integers(1, 6))
    p = rng.random(scenarios)
    drift = rng.normal(0, 0.3)
    runs = [
        {f"s{i}": (rng.random(trials) < np.clip(p[i] + shift, 0, 1)).tolist() for i in range(scenarios)}
        for shift in (0.0, drift)
    ]
    [c] = compare_outcomes({"e": runs[0]}, {"e": runs[1]}, seed=seed)
    assert c.ci_low <= c.difference <= c.ci_high
    assert c.pass_rate_b - c.pass_rate_a == pytest.approx(c.difference)
    if c.verdict == "regressed":
        assert c.difference < 0 and c.ci_low < 0 and c.regressions
    if c.verdict == "improved":
        assert c.difference > 0 and c.ci_high > 0 and c.fixes
    assert (c.difference < 0) <= bool(c.regressions) and (c.difference > 0) <= bool(c.fixes)
    assert not set(c.regressions) & set(c.fixes)


def test_ties_stay_in_the_test_and_a_errored_trials_are_left_out_of_its_fraction_and_listed():
    """An errored trial of A is left out of A's fraction (the scenario stays in the test, on its judged trial)."""
    a = {"e": {"tie": [True, False], "err": [True, None], "ok": [True, True], "bad": [False, False]}}
    b = {"e": {"tie": [True, True], "err": [True, True], "ok": [True, True], "bad": [True, True]}}
    [result] = compare_outcomes(a, b)
    assert result.undecided == ["tie"] and result.errored == ["err"]
    assert result.shared_scenarios == 4 and result.fixes == ["bad", "tie"] and result.regressions == []
    assert result.shown["tie"] == "1/2 undecided → 2/2 pass"
    assert result.shown["err"] == "1/1 errored · 1 errored → 2/2 pass"


def test_an_errored_trial_never_makes_b_look_better():
    """B's errored trials count as fails (worst case for B): a scenario that fails in A and errors in B is no fix;
    one that passes in A and errors on one of two trials in B fell from 2/2 to 1/2. A had a verdict on both, so
    neither is left out."""
    a = {"e": {"s": [False, False], "t": [True, True]}}
    b = {"e": {"s": [None, None], "t": [True, None]}}
    [result] = compare_outcomes(a, b)
    assert result.errored == ["s", "t"] and result.fixes == [] and result.regressions == ["t"]
    assert result.difference == pytest.approx(-0.25) and result.outcome != "pass"


def test_verdicts_use_benjamini_hochberg_across_the_evaluations():
    """p = 2/64 alone would be 'improved'; beside an evaluation with p = 1 its BH q is 4/64."""
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
