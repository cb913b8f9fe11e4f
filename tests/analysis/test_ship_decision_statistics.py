"""The statistics behind the three outcomes, checked against scipy and statsmodels: the sign-flip tests at a margin,
the one-sided bound that inverts them, the p = 0.05 edge, the Clopper-Pearson interval with a design effect and
its coverage, pass^k's interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sparring.analysis.hypothesis import ALPHA, paired_tests, sign_flip_test
from sparring.analysis.paired_comparison import compare_outcomes
from sparring.analysis.pass_k import pass_hat_k_interval
from sparring.analysis.pass_rate_interval import clustered_interval


def test_p_exactly_at_alpha_gives_a_ci_that_holds_zero_and_no_verdict():
    """39 random patterns of 20 signs never reach the all-plus one: p = 2 · (0 + 1) / 40 = 0.05 exactly. Before,
    the CI compared p with 1 − 0.95 (0.05000000000000004) and excluded 0 while the verdict said "no change"."""
    [result] = sign_flip_test([[1.0] * 20], seed=3, resamples=39)
    assert result.p_value == ALPHA == 0.05
    assert result.ci_low <= 0 <= result.ci_high, "p is not below 0.05: 0 is not rejected"


@pytest.mark.parametrize("seed", range(60))
def test_the_ci_and_the_bound_agree_with_their_tests_on_random_data(seed):
    rng = np.random.default_rng(seed)
    n, trials = int(rng.integers(3, 60)), int(rng.integers(1, 4))
    d = (rng.binomial(trials, rng.random(n)) - rng.binomial(trials, rng.random(n))) / trials
    margin = float(rng.choice([0.0, 0.05, 0.1]))
    [(test, at_margin)] = paired_tests([d.tolist()], margin, seed)
    assert (test.ci_low > 0 or test.ci_high < 0) == (test.p_value < ALPHA)
    assert (at_margin.lower_bound > -margin) == (at_margin.p_noninferior < ALPHA)
    assert test.ci_low <= at_margin.lower_bound <= d.mean(), "the one-sided 95% bound lies inside the two-sided CI"


@pytest.mark.parametrize("seed", range(5))
def test_the_tests_at_the_margin_are_scipys_exact_permutation_tests(seed):
    rng = np.random.default_rng(seed)
    d = (rng.integers(0, 4, 11) - rng.integers(0, 4, 11)) / 3
    margin = 0.05
    [(_, at_margin)] = paired_tests([d.tolist()], margin, seed)

    def p(alternative: str) -> float:
        shifted = d + margin  # B − A − (−margin): under the null it is symmetric about 0
        result = stats.permutation_test(
            (shifted, np.zeros_like(shifted)),
            lambda x, y, axis: np.mean(x - y, axis=axis),
            permutation_type="samples",
            alternative=alternative,
            n_resamples=np.inf,
            vectorized=True,
        )
        return float(result.pvalue)

    assert at_margin.p_noninferior == pytest.approx(p("greater"))
    assert at_margin.p_drop == pytest.approx(p("less"))


def test_a_fail_is_holm_controlled_and_a_pass_needs_every_bound_above_the_margin():
    """Two evaluations: one drops 30 points in every scenario (fail), one is unchanged on 60 scenarios (pass)."""
    a = {"drop": {f"s{i}": [True] * 3 for i in range(60)}, "same": {f"s{i}": [True, True, False] for i in range(60)}}
    b = {"drop": {f"s{i}": [i % 10 >= 3] * 3 for i in range(60)}, "same": a["same"]}
    results = {c.evaluation_id: c for c in compare_outcomes(a, b)}
    assert results["drop"].outcome == "fail" and results["drop"].p_drop_adjusted == pytest.approx(
        min(1.0, 2 * results["drop"].p_drop)
    )
    assert results["same"].outcome == "pass" and results["same"].lower_bound == pytest.approx(0.0, abs=1e-6)
    assert "fail: B − A is significantly below −5 points" in results["drop"].reason


def test_one_trial_per_scenario_is_statsmodels_clopper_pearson():
    interval = clustered_interval([(1, 1)] * 22 + [(0, 1)] * 2)
    assert interval is not None
    assert (interval.low, interval.high) == pytest.approx(proportion_confint(22, 24, method="beta"))
    assert interval.effective_n == 24


def test_identical_trials_count_once_and_independent_ones_count_fully():
    """3 identical trials per scenario carry the information of one: the interval is the scenarios' interval."""
    copied = clustered_interval([(3, 3)] * 20 + [(0, 3)] * 4)
    assert copied is not None and copied.effective_n == pytest.approx(24)
    assert (copied.low, copied.high) == pytest.approx(proportion_confint(20, 24, method="beta"))
    spread = clustered_interval([(2, 3)] * 12 + [(3, 3)] * 12)
    assert spread is not None and 24 <= spread.effective_n <= 72


@pytest.mark.parametrize(("scenarios", "trials"), [(24, 1), (24, 3), (50, 1), (50, 3)])
def test_the_clustered_interval_covers_the_scenario_mean_at_the_sizes_users_have(scenarios, trials):
    """1,500 simulated suites, heterogeneous scenarios (70% Beta(20, 1), 30% Beta(3, 2); mean 0.847)."""
    rng = np.random.default_rng(scenarios * 10 + trials)
    truth = 0.7 * 20 / 21 + 0.3 * 3 / 5
    covered = 0
    for _ in range(1500):
        p = np.where(rng.random(scenarios) < 0.7, rng.beta(20, 1, scenarios), rng.beta(3, 2, scenarios))
        passes = rng.binomial(trials, p)
        interval = clustered_interval([(int(y), trials) for y in passes])
        assert interval is not None
        covered += interval.low <= truth <= interval.high
    assert covered / 1500 >= 0.93


def test_pass_hat_k_interval_is_clopper_pearson_on_the_scenarios():
    per_scenario = {f"s{i}": [True, True, True] for i in range(9)} | {"x": [True, False, True]}
    shown = pass_hat_k_interval(per_scenario, 3)
    assert shown is not None and shown.estimate == pytest.approx(0.9) and shown.scenarios == 10
    assert (shown.low, shown.high) == pytest.approx(proportion_confint(9, 10, method="beta"))
    assert pass_hat_k_interval(per_scenario, 4) is None
