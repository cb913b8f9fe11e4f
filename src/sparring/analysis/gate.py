"""Exit criteria: does a run meet the suite's gates? The answer drives `--gate` and JUnit output.

Errors are never invisible: a scope whose errored verdicts exceed the suite's `max_error_rate` fails its
min_pass_rate gate, and the run-level "errors" check fails a run whose errored conversations exceed it, gates
declared or not; a run-level "informative" check is added, failing, when the run's judges mostly did not answer
or its customer mostly opened off topic (sparring.analysis.informative). A regression gate controls the family-wise
error over the evaluations it covers (Holm)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, computed_field

from sparring.analysis.informative import UNINFORMATIVE_GATE, uninformative
from sparring.analysis.outcomes import scenario_outcomes
from sparring.analysis.report import EvaluationSummary, RunTotals, pool, run_totals
from sparring.analysis.runs import JSON_SCHEMA_VERSION, RunInfo, RunReport
from sparring.analysis.statistics import EvaluationComparison, compare_outcomes, holm
from sparring.data_model import Run
from sparring.evaluations import EvaluationSpec
from sparring.suite.config import GateConfig

if TYPE_CHECKING:
    from sparring.store import Store
    from sparring.suite import Suite

# baseline label -> per-evaluation comparison of that baseline (A) with the run under test (B)
CompareWith = Callable[[str], list[EvaluationComparison]]
ALPHA = 0.05  # family-wise error rate of a regression gate


class GateResult(BaseModel):
    """One gate's verdict on a run."""

    gate: str
    passed: bool
    detail: str
    evaluation_ids: list[str]  # the evaluations this result is about (for a failure: the ones that failed it)
    errored: bool = False  # failed because too many outcomes are unknown (errors), not because the chatbot failed

    @property
    def outcome(self) -> Literal["pass", "fail", "inconclusive"]:
        """ "pass" or "fail" (derived from `passed`; a placeholder for the viewer until gates report
        "inconclusive" themselves)."""
        return "pass" if self.passed else "fail"


def _scope(gate: GateConfig, specs: list[EvaluationSpec]) -> list[str]:
    if gate.evaluation:
        return [gate.evaluation]
    return [s.id for s in specs if not gate.family or s.family == gate.family]


def errors_gate(totals: RunTotals, max_error_rate: float) -> GateResult:
    """The run-level check every run gets: the share of conversations that ended in an error."""
    share = totals.conversation_error_rate
    passed = share <= max_error_rate
    return GateResult(
        gate=f"errors: errored conversations <= {max_error_rate:.0%}",
        passed=passed,
        detail=f"{totals.errored_conversations} of {totals.conversations} conversations errored ({share:.0%})",
        evaluation_ids=[],
        errored=not passed,
    )


def informative_gate(reasons: list[str]) -> list[GateResult]:
    """The run-level check that fails a run whose figures are not informative (`reasons`, from
    `sparring.analysis.informative`); none when they are."""
    failed = GateResult(gate=UNINFORMATIVE_GATE, passed=False, detail="; ".join(reasons), evaluation_ids=[])
    return [failed] if reasons else []


def _min_pass_rate(gate: GateConfig, scope: list[EvaluationSummary], max_error_rate: float) -> GateResult:
    total = pool(scope, gate.describe())
    ids = [s.evaluation_id for s in scope]
    if total.errors and total.error_rate > max_error_rate:
        detail = (
            f"{total.rate_text()}: {total.error_rate:.0%} of verdicts errored, above max_error_rate "
            f"{max_error_rate:.0%}"
        )
        return GateResult(gate=gate.describe(), passed=False, evaluation_ids=ids, detail=detail, errored=True)
    if not total.applicable:
        detail = f"{total.rate_text()}: no pass/fail verdict to judge (all errors or not applicable)"
        return GateResult(gate=gate.describe(), passed=False, evaluation_ids=ids, detail=detail)
    passed = (total.pass_rate or 0.0) >= (gate.min_pass_rate or 0.0)
    return GateResult(gate=gate.describe(), passed=passed, evaluation_ids=ids, detail=total.rate_text())


def _no_regression(gate: GateConfig, scope: list[str], compare_with: CompareWith) -> GateResult:
    baseline = gate.no_regression_vs or ""
    try:
        comparisons = [c for c in compare_with(baseline) if c.evaluation_id in scope and c.p_value is not None]
    except LookupError as exc:
        return GateResult(
            gate=gate.describe(), passed=False, evaluation_ids=scope, detail=f"no baseline to compare with: {exc}"
        )
    adjusted = holm([c.p_value for c in comparisons if c.p_value is not None])
    regressed = [(c, p) for c, p in zip(comparisons, adjusted, strict=True) if p < ALPHA and (c.difference or 0) < 0]
    family = f"Holm-adjusted across {len(comparisons)} evaluations"
    listed = ", ".join(f"{c.evaluation_id} ({c.difference or 0:+.1%}, adjusted p={p:.3f})" for c, p in regressed)
    detail = f"{listed}; {family}" if regressed else f"no significant regression vs {baseline} ({family})"
    # A failed regression gate is charged to the evaluations that regressed, not its whole scope.
    charged = [c.evaluation_id for c, _ in regressed] or scope
    return GateResult(gate=gate.describe(), passed=not regressed, evaluation_ids=charged, detail=detail)


def check_gates(
    gates: list[GateConfig],
    specs: list[EvaluationSpec],
    summaries: list[EvaluationSummary],
    compare_with: CompareWith,
    max_error_rate: float = 0.0,
) -> list[GateResult]:
    """The suite's declared gates, in order (the run-level errors check is `errors_gate`)."""
    by_id = {s.evaluation_id: s for s in summaries}
    results = []
    for gate in gates:
        scope = [e for e in _scope(gate, specs) if e in by_id]
        if gate.min_pass_rate is not None:
            results.append(_min_pass_rate(gate, [by_id[e] for e in scope], max_error_rate))
        else:
            results.append(_no_regression(gate, scope, compare_with))
    return results


class GateReport(BaseModel):
    """`sparring gate --json`: the run-level errors check (and, failing, the informative one when the figures are
    not) and the suite's gates on one run."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["gate"] = "gate"
    run: RunInfo
    max_error_rate: float
    gates_declared: int = Field(description="gates the suite declares (the errors check always applies)")
    results: list[GateResult]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """Every gate, the errors check included, is met."""
        return all(r.passed for r in self.results)


def gate_scope(suite: Suite, run: Run) -> list[EvaluationSpec]:
    """The suite's evaluations the run judged (all of them when it judged none of the suite's)."""
    return [e for e in suite.evaluations if e.id in set(run.evaluation_ids)] or suite.evaluations


def gate_report(suite: Suite, run: Run, store: Store, summaries: list[EvaluationSummary]) -> GateReport:
    """The errors and informative-figures checks and the suite's gates on a stored run whose summaries over
    `gate_scope` are given;
    regression gates compare with their baseline run (paired, seeded with the run's seed)."""

    def compare_with(baseline: str) -> list[EvaluationComparison]:
        base = store.get_run(baseline)
        rows = store.scenario_outcome_rows
        return compare_outcomes(scenario_outcomes(rows(base.id)), scenario_outcomes(rows(run.id)), seed=run.seed)

    limit = suite.config.max_error_rate
    totals = run_totals(summaries, run.simulator_evaluation_ids, store.conversation_end_counts([run.id])[run.id])
    results = [errors_gate(totals, limit), *informative_gate(uninformative(store, run, summaries))]
    results += check_gates(suite.config.gates, gate_scope(suite, run), summaries, compare_with, limit)
    return GateReport(
        run=RunInfo.of(run), max_error_rate=limit, gates_declared=len(suite.config.gates), results=results
    )


class RunCommandReport(BaseModel):
    """`sparring run --json`: the finished run's report, its gates (with --gate or --junit), and its errored
    conversations by cause."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["run_result"] = "run_result"
    report: RunReport
    gates: GateReport | None = Field(description="null unless --gate or --junit")
    errored_by_cause: dict[str, int] = Field(description="model_fault, chatbot_error, backend_error, other")
