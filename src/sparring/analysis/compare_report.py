"""`sparring compare` and `sparring noise` as reports: the comparison of two runs (paired on scenarios, or on
source transcripts for a simulated run beside an imported one, or unpaired) and the noise floor of several runs
of one configuration, as pydantic models the CLI prints as tables or `--json`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sparring.analysis.noise import NoiseSummary
from sparring.analysis.online import compare_unpaired, pair_through_sources, shares_scenarios
from sparring.analysis.outcomes import NotApplicable, ScenarioOutcomes, not_applicable_trials, scenario_outcomes
from sparring.analysis.runs import JSON_SCHEMA_VERSION, RunInfo
from sparring.analysis.statistics import DEFAULT_MARGIN, PAIRED_METHOD, EvaluationComparison, compare_outcomes
from sparring.data_model import Run

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
    return ComparisonReport(
        a=RunInfo.of(run_a),
        b=RunInfo.of(run_b),
        method=method,
        alpha=alpha,
        margin=margin,
        seed=seed,
        comparisons=comparisons,
    )
