"""The reports layer: what `sparring report`, `runs`, `show`, `history` and `gate` print and the viewer shows,
computed once here (counted by the database) and only rendered by the CLI and the viewer. Every report is a
pydantic model: `--json` prints it, docs/json.md documents it, `report_schemas()` gives its JSON Schema."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select

from sparring.analysis.informative import uninformative
from sparring.analysis.judge_calibration import DEFAULT_MIN_KAPPA, CalibrationSummary, calibration_summary
from sparring.analysis.pass_k import TrialFigures, trial_figures
from sparring.analysis.pass_rates import EvaluationSummary, RunTotals, run_summaries, run_totals, summaries_from_counts
from sparring.data_model import ModelSettings, Run, TokenUsage
from sparring.store import RunRow

if TYPE_CHECKING:
    from sparring.store import Store

JSON_SCHEMA_VERSION = 2  # bumped when a field of a report is renamed, removed or changes meaning


class RunInfo(BaseModel):
    """Who a run is: ids, suite, status, models, when."""

    id: str
    label: str
    suite: str
    status: str
    source: str = Field(description="'simulated', or the transcript file an imported run judged")
    trials: int
    started_at: datetime
    finished_at: datetime | None
    settings: ModelSettings

    @classmethod
    def of(cls, run: Run) -> RunInfo:
        """The identity fields of a stored run."""
        return cls(
            id=run.id,
            label=run.label,
            suite=run.suite,
            status=run.status.value,
            source=run.source,
            trials=run.trials,
            started_at=run.started_at,
            finished_at=run.finished_at,
            settings=run.settings,
        )


class RunListItem(BaseModel):
    """One line of the runs list: the run and its headline (chatbot pooled, simulator apart, errored)."""

    run: RunInfo
    totals: RunTotals
    cost_usd: float = Field(description="sum over roles, from the suite's price table")


class RunsReport(BaseModel):
    """`sparring runs --json`: stored runs, newest first."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["runs"] = "runs"
    total: int = Field(description="runs matching the filters (the list may be a page of them)")
    runs: list[RunListItem]


class RunReport(BaseModel):
    """`sparring report --json` (and `run --json`): a run's pass rates, the simulator's checks apart."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["run"] = "run"
    run: RunInfo
    uninformative: list[str] = Field(
        description="why the figures are not informative (judges that mostly answered n/a or errored, a customer "
        "that mostly opened off topic); empty when they are",
    )
    evaluations: list[EvaluationSummary] = Field(description="the chatbot's evaluations")
    simulator_evaluations: list[EvaluationSummary] = Field(description="the simulated customer's own checks")
    totals: RunTotals
    flagged_conversations: int = Field(description="conversations with a fail or error verdict")
    trials: list[TrialFigures] = Field(
        default=[], description="per evaluation, when the run has repeated trials: pass^k with its 95% interval, flaky"
    )
    calibration: CalibrationSummary = Field(
        description="the run's judge versions against human labels: calibration warnings, judge-error-corrected "
        "pass rates beside the judge's raw ones"
    )
    usage: dict[str, TokenUsage]
    cost_usd: dict[str, float]


def list_runs(
    store: Store,
    limit: int = 20,
    suite: str | None = None,
    label: str | None = None,
    offset: int = 0,
    agent: str | None = None,
) -> RunsReport:
    """Runs newest first (filtered by suite, label and agent: the HTTP/Python target, else the model), each with
    its headline counted by the database."""
    query = select(RunRow.data)
    settings = RunRow.data["settings"]
    tested = func.coalesce(settings["agent_target"].as_string(), settings["agent"].as_string())
    for column, value in ((RunRow.suite, suite), (RunRow.label, label), (tested, agent)):
        if value:
            query = query.where(column == value)
    with store.engine.connect() as connection:
        total = int(connection.scalar(select(func.count()).select_from(query.subquery())) or 0)
        page = query.order_by(RunRow.started_at.desc()).limit(limit).offset(offset)
        runs = [Run.model_validate(data) for data in connection.scalars(page)]
    ids = [r.id for r in runs]
    counts, ends = store.verdict_counts(ids), store.conversation_end_counts(ids)
    items = [
        RunListItem(
            run=RunInfo.of(r),
            totals=run_totals(summaries_from_counts(counts[r.id]), r.simulator_evaluation_ids, ends[r.id]),
            cost_usd=sum(r.cost_usd.values()),
        )
        for r in runs
    ]
    return RunsReport(total=total, runs=items)


def run_report(
    store: Store,
    run: Run,
    summaries: list[EvaluationSummary] | None = None,
    flagged: int | None = None,
    min_kappa: float = DEFAULT_MIN_KAPPA,
) -> RunReport:
    """A stored run's report: per-evaluation counts (unstable and suspect included, counted by the database
    unless the run's `summaries` are given, as the runner returns them), its headline, pass^k with repeated trials,
    and its judges against human labels (warned below `min_kappa`, the suite's `calibration.min_kappa`).
    `flagged`: the number of conversations with a fail or error verdict when the caller has counted them already."""
    summaries = run_summaries(store, run) if summaries is None else summaries
    simulator = set(run.simulator_evaluation_ids)
    rows = store.scenario_outcome_rows(run.id) if run.trials > 1 else None
    return RunReport(
        run=RunInfo.of(run),
        evaluations=[s for s in summaries if s.evaluation_id not in simulator],
        simulator_evaluations=[s for s in summaries if s.evaluation_id in simulator],
        totals=run_totals(summaries, simulator, store.conversation_end_counts([run.id])[run.id]),
        flagged_conversations=store.flagged_conversations(run.id, limit=0)[1] if flagged is None else flagged,
        uninformative=uninformative(store, run, summaries),
        trials=trial_figures(rows) if rows is not None else [],
        calibration=calibration_summary(store, run.id, min_kappa, rows),
        usage=run.usage,
        cost_usd=run.cost_usd,
    )


def conversation_id(store: Store, ref: str, scenario: str | None = None, trial: int | None = None) -> str:
    """The stored id of a conversation named as `RUN:SCENARIO[:TRIAL]`, or as a run and a scenario id with a
    trial (default 0); RUN is an id, a unique id prefix or a label. Raises ValueError for a malformed name and
    the store's NotFound for an unknown run."""
    run_ref = ref
    if scenario is None:
        run_ref, _, rest = ref.partition(":")
        scenario, _, trial_text = rest.partition(":")
        if not scenario:
            raise ValueError(f"{ref!r}: name a conversation as RUN SCENARIO [--trial N] or RUN:SCENARIO:TRIAL")
        if trial_text:
            if not trial_text.isdigit():
                raise ValueError(f"{ref!r}: the trial after the last ':' must be a number, not {trial_text!r}")
            trial = int(trial_text)
    run = store.get_run(run_ref)
    return f"{run.id}:{scenario}:{trial or 0}"
