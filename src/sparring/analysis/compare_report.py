"""`sparring compare` and `sparring noise` as reports: the comparison of two runs (paired on scenarios, or on
source transcripts for a simulated run beside an imported one, or unpaired) and the noise floor of several runs
of one configuration, as pydantic models the CLI prints as tables or `--json`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sparring.analysis.noise import NoiseSummary
from sparring.analysis.online import compare_unpaired, pair_through_sources, shares_scenarios
from sparring.analysis.outcomes import NotApplicable, ScenarioOutcomes, not_applicable_trials, scenario_outcomes
from sparring.analysis.paired_comparison import DEFAULT_MARGIN, PAIRED_METHOD, EvaluationComparison, compare_outcomes
from sparring.analysis.run_reports import JSON_SCHEMA_VERSION, RunInfo
from sparring.data_model import Run, Scenario

if TYPE_CHECKING:
    from sparring.store import Store

UNPAIRED_METHOD = "unpaired (no scenario pairs with a transcript): Fisher's exact test on each run's decided scenarios"


class ComparisonReport(BaseModel):
    """`sparring compare A B --json`: per evaluation, run A against run B."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["compare"] = "compare"
    a: RunInfo
    b: RunInfo
    method: str = Field(description="how the runs were compared (paired sign-flip test, or unpaired)")
    alpha: float = Field(
        description="false discovery rate of the verdicts (Benjamini-Hochberg) and family-wise error of a fail (Holm)"
    )
    margin: float = Field(DEFAULT_MARGIN, description="non-inferiority margin (a proportion: 0.05 is 5 points)")
    seed: int
    comparisons: list[EvaluationComparison]
    outcome: Literal["pass", "fail", "inconclusive"] = Field(
        "inconclusive", description="fail if any evaluation fails, else inconclusive if any is (or none was decided)"
    )
    headline: str = Field("", description="the outcome in one sentence, the margin named")


class NoiseReport(BaseModel):
    """`sparring noise RUN RUN... --json`: per evaluation, how much runs of one configuration differ."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["noise"] = "noise"
    suite: str
    runs: list[RunInfo]
    alpha: float
    evaluations: list[NoiseSummary]


def _unpaired_outcome(comparison: EvaluationComparison) -> EvaluationComparison:
    """An unpaired comparison is never decided: the non-inferiority test needs pairs of scenarios."""
    if comparison.p_value is None:
        return comparison
    reason = "inconclusive: unpaired runs (no scenario pairs): pair them through --suite to decide against the margin"
    return comparison.model_copy(update={"outcome": "inconclusive", "reason": reason})


def scenario_sources(scenarios: Iterable[Scenario]) -> dict[str, str]:
    """Scenario id -> the transcript it was extracted from, for the scenarios that have one (not hand-written):
    how a simulated run is paired with an imported one."""
    return {s.id: s.source for s in scenarios if s.source != "hand-written"}


def compare_runs(
    store: Store,
    run_a: Run,
    run_b: Run,
    sources: dict[str, str] | None,
    alpha: float,
    seed: int,
    margin: float = DEFAULT_MARGIN,
) -> ComparisonReport:
    """Run A against run B, each evaluation decided against `margin` (pass / fail / inconclusive). A simulated
    run beside an imported one is paired through `sources` (scenario id -> its source transcript) when given and
    shared, and compared unpaired (never decided) otherwise."""
    mixed = (run_a.source == "simulated") != (run_b.source == "simulated")

    def outcomes(run: Run) -> tuple[ScenarioOutcomes, NotApplicable]:
        rows = store.scenario_outcome_rows(run.id)
        found, na = scenario_outcomes(rows), not_applicable_trials(rows)
        if mixed and sources and run.source == "simulated":
            return pair_through_sources(found, sources), {}
        return found, na

    (a, na_a), (b, na_b) = outcomes(run_a), outcomes(run_b)
    if mixed and not shares_scenarios(a, b):
        comparisons = [_unpaired_outcome(c) for c in compare_unpaired(a, b, alpha, seed)]
        method = UNPAIRED_METHOD
    else:
        na = (na_a, na_b) if not mixed else ({}, {})
        comparisons = compare_outcomes(a, b, alpha, seed, power=True, margin=margin, not_applicable=na)
        method = PAIRED_METHOD
    outcome, headline = comparison_outcome(by_effect(comparisons), margin)
    return ComparisonReport(
        a=RunInfo.of(run_a),
        b=RunInfo.of(run_b),
        method=method,
        alpha=alpha,
        margin=margin,
        seed=seed,
        comparisons=comparisons,
        outcome=outcome,
        headline=headline,
    )


OUTCOME_ORDER = {"fail": 0, "inconclusive": 1, "pass": 2}
"""A comparison page's order: failing evaluations first, then inconclusive, then passing (then n/a in both)."""


def by_effect(comparisons: list[EvaluationComparison]) -> list[EvaluationComparison]:
    """Evaluations ordered for a reviewer: by outcome (fail, inconclusive, pass, applied in neither run), within
    one outcome detected regressions first, then by change B − A (largest drop first), untested ones last."""

    def key(c: EvaluationComparison) -> tuple[int, bool, bool, float, str]:
        rank = OUTCOME_ORDER.get(c.outcome or "", len(OUTCOME_ORDER))
        return (rank, c.verdict != "regressed", c.difference is None, c.difference or 0.0, c.evaluation_id)

    return sorted(comparisons, key=key)


def scenario_groups(comparison: EvaluationComparison) -> list[tuple[str, list[str]]]:
    """The scenarios a comparison names, by kind, non-empty kinds only: regressions (those that were n/a in A
    apart, as "n/a → fail"), coverage lost, errored (B's errors count as fails), ties not otherwise listed, fixes."""
    c = comparison
    listed = set(c.regressions) | set(c.fixes)
    groups = [
        ("regression", [s for s in c.regressions if s not in c.applicability_regressions]),
        ("n/a → fail", c.applicability_regressions),
        ("coverage lost (→ n/a)", c.coverage_lost),
        ("errored", c.errored),
        ("undecided (tie)", [s for s in c.undecided if s not in listed]),
        ("fix", c.fixes),
    ]
    return [(kind, scenarios) for kind, scenarios in groups if scenarios]


def _names(comparisons: list[EvaluationComparison]) -> str:
    shown = ", ".join(c.evaluation_id for c in comparisons[:5])
    return shown + (f" and {len(comparisons) - 5} more" if len(comparisons) > 5 else "")


def comparison_outcome(
    comparisons: list[EvaluationComparison], margin: float
) -> tuple[Literal["pass", "fail", "inconclusive"], str]:
    """The comparison's outcome and its one-sentence headline: fail when any evaluation fails, else inconclusive
    when any is (or when no evaluation could be decided), else pass; the margin named."""
    m = f"{margin * 100:g}"
    decided = [c for c in comparisons if c.outcome is not None]
    fails = [c for c in decided if c.outcome == "fail"]
    open_ = [c for c in decided if c.outcome == "inconclusive"]
    if not decided:
        return "inconclusive", "inconclusive: no evaluation applied in both runs, so nothing could be decided"
    if fails:
        return "fail", (
            f"fail: {len(fails)} of {len(decided)} evaluations dropped significantly more than the {m}-point margin "
            f"({_names(fails)}); {len(open_)} inconclusive"
        )
    if open_:
        return "inconclusive", (
            f"inconclusive: {len(open_)} of {len(decided)} evaluations cannot show B within {m} points of A "
            f"({_names(open_)}); none fails the margin"
        )
    return "pass", (
        f"pass: all {len(decided)} evaluations are within the {m}-point margin (each one-sided 95% lower bound of "
        f"B − A is above −{m} points)"
    )


class ComparisonView(BaseModel):
    """What a page comparing two runs shows: `compare_runs`' report (the figures and overall outcome `sparring
    compare --json` prints), its evaluations ordered by `by_effect`, each one's scenarios by kind."""

    report: ComparisonReport
    comparisons: list[EvaluationComparison]
    groups: dict[str, list[tuple[str, list[str]]]] = Field(description="evaluation -> its `scenario_groups`")
    tested: int = Field(description="evaluations with a paired (or unpaired) test")


def comparison_view(
    store: Store,
    run_a: Run,
    run_b: Run,
    sources: dict[str, str] | None = None,
    alpha: float = 0.05,
    margin: float = DEFAULT_MARGIN,
) -> ComparisonView:
    """Run A against run B as `sparring compare A B` decides it by default (run B's seed), for a page."""
    report = compare_runs(store, run_a, run_b, sources, alpha, run_b.seed, margin)
    return ComparisonView(
        report=report,
        comparisons=by_effect(report.comparisons),
        groups={c.evaluation_id: scenario_groups(c) for c in report.comparisons},
        tested=sum(c.p_value is not None for c in report.comparisons),
    )
