"""Gates on their own: errors budget per scope, Holm across a regression gate's evaluations (vs statsmodels): a
regression gate fails on the Holm-adjusted one-sided p of "B − A ≥ −margin" (`p_drop`)."""

import pytest
from statsmodels.stats.multitest import multipletests

from sparring.analysis.gate import ALPHA, check_gates, errors_gate
from sparring.analysis.paired_comparison import EvaluationComparison
from sparring.analysis.pass_rates import EvaluationSummary, RunTotals
from sparring.evaluations import EvaluationSpec
from sparring.suite.config import GateConfig

IDS = ["a", "b", "c", "d"]
SPECS = [EvaluationSpec(id=i, kind="check", description=i, family="policy", function="f") for i in IDS]


def comparison(evaluation_id: str, difference: float, p_value: float) -> EvaluationComparison:
    """A comparison as compare_outcomes would give it: for a drop, `p_value` is its one-sided p of a change ≥ −margin
    (p_drop); an improvement has p_drop 1 and a small one-sided p of a change ≤ −margin."""
    return EvaluationComparison(
        p_drop=p_value if difference < 0 else 1.0,
        p_noninferior=0.001 if difference > 0 else 0.5,
        lower_bound=difference - 0.01 if difference > 0 else -0.3,
        evaluation_id=evaluation_id,
        shared_scenarios=50,
        pass_rate_a=0.8,
        pass_rate_b=0.8 + difference,
        difference=difference,
        ci_low=None,
        ci_high=None,
        p_value=p_value,
        verdict="regressed" if p_value < ALPHA and difference < 0 else "no detectable change",
        regressions=[],
        fixes=[],
    )


def test_regression_gate_controls_the_family_wise_error_with_holm():
    p_values = [0.01, 0.02, 0.03, 0.04]
    comparisons = [comparison(i, -0.1, p) for i, p in zip(IDS, p_values, strict=True)]
    summaries = [EvaluationSummary(evaluation_id=i) for i in IDS]
    [result] = check_gates([GateConfig(no_regression_vs="base")], SPECS, summaries, lambda *_: comparisons)
    rejected, adjusted, _, _ = multipletests(p_values, alpha=ALPHA, method="holm")
    assert result.evaluation_ids == [i for i, r in zip(IDS, rejected, strict=True) if r] == ["a"]
    assert f"is {adjusted[0]:.3f} Holm-adjusted across 4 evaluations" in result.detail
    assert result.outcome == "fail" and not result.passed


def test_an_improvement_is_never_a_regression_and_scope_limits_the_family():
    comparisons = [comparison("a", +0.3, 0.0001), comparison("b", -0.2, 0.02), comparison("c", -0.2, 0.9)]
    gate = GateConfig(evaluation="b", no_regression_vs="base")
    summaries = [EvaluationSummary(evaluation_id=i) for i in IDS]
    [result] = check_gates([gate], SPECS, summaries, lambda *_: comparisons)
    assert result.outcome == "fail" and result.evaluation_ids == ["b"] and "across 1 evaluations" in result.detail
    [overall] = check_gates([GateConfig(no_regression_vs="base")], SPECS, summaries, lambda *_: comparisons[:1])
    assert overall.passed and "no regression beyond 5 points vs base (Holm-adjusted across 1 evaluations" in (
        overall.detail
    )


@pytest.mark.parametrize(
    ("errors", "max_error_rate", "passed"),
    [(0, 0.0, True), (1, 0.0, False), (1, 0.1, True), (2, 0.1, False)],
)
def test_min_pass_rate_gate_fails_when_errors_in_scope_exceed_the_budget(errors, max_error_rate, passed):
    summaries = [EvaluationSummary(evaluation_id="a", passed=9, failed=1, errors=errors)]
    trials = {f"s{i}": [i < 9] for i in range(10)} | {f"e{i}": [None] for i in range(errors)}
    gate = GateConfig(family="policy", min_pass_rate=0.4)  # 9 of 11 (errors as fails): 95% lower bound 48%
    [result] = check_gates([gate], SPECS, summaries, lambda *_: [], max_error_rate, {"a": trials})
    assert result.passed is passed and result.errored is (not passed)
    assert f"90% (9/10) · {errors} errored" in result.detail


def test_errors_check_counts_conversations():
    totals = RunTotals(
        chatbot=EvaluationSummary(evaluation_id="chatbot"), simulator=None, conversations=20, errored_conversations=1
    )
    assert not errors_gate(totals, 0.0).passed and errors_gate(totals, 0.05).passed
    assert errors_gate(totals, 0.0).detail == "1 of 20 conversations errored (5%)"
