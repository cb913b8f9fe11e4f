"""`sparring compare` and `sparring noise` as reports: the comparison of two runs (paired on scenarios, or on
source transcripts for a simulated run beside an imported one, or unpaired) and the noise floor of several runs
of one configuration, as pydantic models the CLI prints as tables or `--json`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sparring.analysis.noise import NoiseSummary
from sparring.analysis.online import compare_unpaired, pair_through_sources, shares_scenarios
from sparring.analysis.outcomes import ScenarioOutcomes, scenario_outcomes
from sparring.analysis.runs import JSON_SCHEMA_VERSION, RunInfo
from sparring.analysis.statistics import PAIRED_METHOD, EvaluationComparison, compare_outcomes
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
    alpha: float = Field(description="false discovery rate of the verdicts (Benjamini-Hochberg)")
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


def compare_runs(
    store: Store, run_a: Run, run_b: Run, sources: dict[str, str] | None, alpha: float, seed: int
) -> ComparisonReport:
    """Run A against run B. A simulated run beside an imported one is paired through `sources` (scenario id ->
    its source transcript) when given and shared, and compared unpaired otherwise."""
    mixed = (run_a.source == "simulated") != (run_b.source == "simulated")

    def outcomes(run: Run) -> ScenarioOutcomes:
        found = scenario_outcomes(store.scenario_outcome_rows(run.id))
        return pair_through_sources(found, sources) if mixed and sources and run.source == "simulated" else found

    a, b = outcomes(run_a), outcomes(run_b)
    if mixed and not shares_scenarios(a, b):
        comparisons, method = compare_unpaired(a, b, alpha, seed), UNPAIRED_METHOD
    else:
        comparisons, method = compare_outcomes(a, b, alpha, seed, power=True), PAIRED_METHOD
    return ComparisonReport(
        a=RunInfo.of(run_a), b=RunInfo.of(run_b), method=method, alpha=alpha, seed=seed, comparisons=comparisons
    )
