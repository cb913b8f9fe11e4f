"""What the viewer's run page leads with, computed here and only rendered by the viewer: the decision (the
gates' outcomes and reasons, from `sparring.analysis.gate`), the run's report as `sparring report --json` gives it
(pass rates, judge-error-corrected rates and calibration warnings, repeated trials: pass^k with its interval and
flaky scenarios), errored conversations by cause, and the drill-down to the conversations behind each figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from sparring.analysis.drilldown import Drilldown, Filters, drilldown
from sparring.analysis.gate import GateReport, gate_report, gate_scope
from sparring.analysis.judge_calibration import DEFAULT_MIN_KAPPA
from sparring.analysis.pass_rates import run_summaries
from sparring.analysis.run_reports import RunReport, run_report
from sparring.data_model import Run

if TYPE_CHECKING:
    from sparring.store import Store
    from sparring.suite import Suite

NO_SUITE = (
    "gates not evaluated: the viewer was not given this run's suite ({suite}); start it with "
    "`sparring view --suite DIR` (or `export-html --suite DIR`) to see the decision"
)


class ErrorCause(BaseModel):
    """Errored conversations of one cause (model_fault, chatbot_error, backend_error, other), with one example."""

    cause: str
    conversations: int
    example: str


class RunOverview(BaseModel):
    """Everything the run page shows above its drill-down (the same for every filter and page of it): the
    decision (`gates`, or `gates_missing` saying why there are none), the report (`sparring report --json`'s, with
    the suite's `calibration.min_kappa`: its repeated trials and calibration included), errors by cause, and the
    filters' choices."""

    report: RunReport
    gates: GateReport | None
    gates_missing: str = ""
    errors_by_cause: list[ErrorCause]
    conversations: int = Field(description="stored conversations of the run (errored ones included)")
    evaluation_ids: list[str] = Field(description="every evaluation of the run: the filter's choices")
    tags: list[str] = Field(description="the tags of the run's scenarios (known with the suite): the filter's choices")

    @property
    def decision(self) -> str:
        """ "fail" when a gate failed, else "inconclusive" when one is inconclusive, else "pass"; "unknown"
        without gates."""
        return "unknown" if self.gates is None else self.gates.outcome


class RunPage(BaseModel):
    """The run page: its overview and one page of the drill-down."""

    overview: RunOverview
    drilldown: Drilldown


def errors_by_cause(store: Store, run: Run) -> tuple[int, list[ErrorCause]]:
    """(stored conversations, errored ones by cause, most first)."""
    total, counts = store.error_counts(run.id)
    causes = [ErrorCause(cause=c, conversations=n, example=e) for c, (n, e) in counts.items()]
    return total, sorted(causes, key=lambda c: (-c.conversations, c.cause))


def run_gates(store: Store, run: Run, suite: Suite | None) -> tuple[GateReport | None, str]:
    """The suite's gates on the run (as `sparring gate` computes them), or None and why not."""
    if suite is None:
        return None, NO_SUITE.format(suite=run.suite)
    specs = gate_scope(suite, run)
    try:
        return gate_report(suite, run, store, run_summaries(store, run, [e.id for e in specs])), ""
    except ValueError as exc:  # a gate the run cannot be judged on, said rather than raised
        return None, f"gates not evaluated: {exc}"


def run_overview(store: Store, run: Run, suite: Suite | None = None) -> RunOverview:
    """The run page's overview (see `RunOverview`)."""
    scenarios = suite.scenarios if suite else []
    gates, missing = run_gates(store, run, suite)
    total, causes = errors_by_cause(store, run)
    report = run_report(store, run, min_kappa=suite.config.calibration.min_kappa if suite else DEFAULT_MIN_KAPPA)
    shown = [*report.evaluations, *report.simulator_evaluations]
    return RunOverview(
        report=report,
        gates=gates,
        gates_missing=missing,
        errors_by_cause=causes,
        conversations=total,
        evaluation_ids=[s.evaluation_id for s in shown],
        tags=sorted({t for s in scenarios if s.id in set(run.scenario_ids) for t in s.tags}),
    )


def build_run_page(
    store: Store,
    run: Run,
    filters: Filters,
    suite: Suite | None = None,
    limit: int = 50,
    offset: int = 0,
    overview: RunOverview | None = None,
) -> RunPage:
    """Everything the run page shows, for one page of the drill-down (`overview` when already computed)."""
    scenarios = {s.id: s for s in suite.scenarios} if suite else {}
    return RunPage(
        overview=overview or run_overview(store, run, suite),
        drilldown=drilldown(store, run.id, filters, scenarios, limit, offset),
    )
