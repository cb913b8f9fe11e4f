"""Reports of stored runs: report, runs, show, history, gate (and the run summary `run` prints). The figures
come from the reports layer (sparring.analysis.run_reports, .history, .gate); this module only renders them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sparring.analysis import (
    DEFAULT_MIN_KAPPA,
    UNITS_CAPTION,
    CalibrationSummary,
    RunReport,
    RunsReport,
    conversation_id,
    list_runs,
    run_report,
    totals_text,
    uninformative_line,
)
from sparring.cli.common import (
    DbOption,
    JsonOption,
    console,
    emit,
    err,
    fail,
    open_store,
    pct,
    print_json,
    run_header,
    stored_run,
    usage_line,
)
from sparring.cli.tables import summary_table
from sparring.data_model import CustomerTurn

if TYPE_CHECKING:
    from sparring.analysis import EvaluationSummary, GateReport, HistoryReport
    from sparring.data_model import Run
    from sparring.store import Store
    from sparring.suite import Suite

RUNS_CAPTION = (
    "chatbot pass rate: pass / (pass + fail) over verdicts (one per conversation and chatbot evaluation), errored "
    "verdicts beside it; the simulator's own checks apart, never pooled in"
)
FLAGGED_PER_LINE = 200  # conversation ids per printed line
FAULTS = (
    ("rate_limited", "429"),
    ("server_errors", "5xx"),
    ("timeouts", "timeout"),
    ("connection_errors", "conn"),
    ("malformed", "malformed"),
)


def call_stats_table(run: Run) -> Table | None:
    """Per model: requests, retries, faults by kind, give-ups and cache hits of a run."""
    if not run.call_stats:
        return None
    table = Table(title="Model calls")
    table.add_column("model", no_wrap=True)
    for column in ("requests", "retries", "faults", "gave up", "cache hit/miss"):
        table.add_column(column, justify="right")
    for name, st in run.call_stats.items():
        faults = ", ".join(f"{label}×{getattr(st, field)}" for field, label in FAULTS if getattr(st, field)) or "0"
        table.add_row(
            name, str(st.requests), str(st.retries), faults, str(st.gave_up), f"{st.cache_hits}/{st.cache_misses}"
        )
    return table


def print_run(
    run: Run,
    summaries: list[EvaluationSummary] | None,
    store: Store,
    min_kappa: float = DEFAULT_MIN_KAPPA,
    flagged: int | None = None,
) -> RunReport:
    """A run's header, the chatbot's and the simulator's pass rates apart (from `summaries`, or counted in the
    store when None), the headline, the judges' corrected rates and calibration warnings, and tables; returns the
    report it printed (see `run_report`)."""
    report = run_report(store, run, summaries, flagged, min_kappa)
    console.print(run_header(run), highlight=False)
    warning = uninformative_line(report.uninformative)
    if warning:
        console.print(f"[bold red]{escape(warning)}[/]", highlight=False)
    emit(summary_table(report.evaluations))
    if report.simulator_evaluations:
        title = "Simulated customer's own checks (apart: never in the chatbot's pass rate)"
        emit(summary_table(report.simulator_evaluations, title))
    totals = report.totals
    style = "red" if totals.chatbot.errors or totals.errored_conversations else "bold"
    console.print(f"[{style}]{escape(totals_text(totals))}[/]", highlight=False)
    print_calibration(report.calibration)
    if run.trials > 1:
        from sparring.cli.trials import trials_table

        emit(trials_table(report.trials, run))
    stats = call_stats_table(run)
    if stats is not None:
        emit(stats)
    return report


def print_calibration(calibration: CalibrationSummary) -> None:
    """Each calibrated evaluation's judge-error-corrected pass rate beside the judge's raw one, then the warnings."""
    if calibration.corrected:
        console.print(
            "judge-error-corrected pass rates (units: conversations; 95% interval; human labels of the judge version):"
        )
        for rate in calibration.corrected:
            style = "" if rate.corrected is not None else "[yellow]"
            console.print(f"  {escape(rate.evaluation_id)}: {style}{escape(rate.text())}", highlight=False)
    for warning in calibration.warnings:
        console.print(f"[yellow]judge calibration:[/] {escape(warning)}", highlight=False)


GATE_STYLES = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "inconclusive": "[yellow]INCONCLUSIVE[/]"}
EXIT_FAILED, EXIT_INCONCLUSIVE = 1, 3
"""`sparring gate` and `run --gate`: 1 when a gate failed, 3 when none failed but one could not decide."""


def print_gates(report: GateReport) -> None:
    """The gates table (outcome, figures, reason) and, when the suite declares none, a note that the run-level
    checks still apply."""
    table = Table(
        title="Gates",
        caption="pass rates: units are verdicts, intervals clustered by scenario; regressions: paired on scenarios",
    )
    for column in ("gate", "outcome", "detail", "reason"):
        table.add_column(column)
    for r in report.results:
        table.add_row(escape(r.gate), GATE_STYLES[r.outcome], escape(r.detail), escape(r.reason))
    emit(table)
    if not report.gates_declared:
        console.print("no gates declared in the suite (the run-level errors check always applies)")


def run_gates(suite: Suite, run: Run, store: Store, junit: Path | None, as_json: bool = False) -> GateReport:
    """The run's decision (`sparring.analysis.decision.run_decision`), written as JUnit when `junit` is given."""
    from sparring.analysis import run_decision, write_junit

    decision = run_decision(suite, run, store)
    if junit:
        write_junit(junit, decision)
        (err if as_json else console).print(f"JUnit XML written to {junit}")
    return decision.report


def exit_if_failed(report: GateReport) -> None:
    """Exit 1 when a gate failed, 3 when none failed but one was inconclusive (not green either), naming them."""
    if report.outcome == "pass":
        return
    missed = [r for r in report.results if r.outcome == report.outcome]
    word = "failed" if report.outcome == "fail" else "inconclusive"
    err.print(
        f"[bold red]gate {word}:[/] {len(missed)} of {len(report.results)} gates {word} "
        f"({escape('; '.join(r.gate for r in missed))})",
        highlight=False,
    )
    raise typer.Exit(EXIT_FAILED if report.outcome == "fail" else EXIT_INCONCLUSIVE)


def report(
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    db: DbOption = None,
    as_json: JsonOption = False,
    min_kappa: Annotated[
        float, typer.Option(min=-1, max=1, help="warn about judges calibrated below this κ (the suite's min_kappa)")
    ] = DEFAULT_MIN_KAPPA,
) -> None:
    """Print a stored run's pass rates again, with corrected rates and calibration warnings."""
    store = open_store(db)
    stored = stored_run(store, run_ref)
    if as_json:
        print_json(run_report(store, stored, min_kappa=min_kappa))
        return
    flagged = [conversation.split(":", 1)[1] for conversation in store.flagged_conversation_ids(stored.id)]
    report = print_run(stored, None, store, min_kappa, flagged=len(flagged))
    console.print(f"{report.totals.conversations} conversations · {usage_line(stored)}")
    for start in range(0, len(flagged), FLAGGED_PER_LINE):
        prefix = "conversations with a fail or error: " if not start else ""
        line = prefix + ", ".join(flagged[start : start + FLAGGED_PER_LINE])
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def runs_table(listed: RunsReport) -> Table:
    """One row per run: ids and labels whole (they are typed back), conversations, the headline rates."""
    table = Table(title=f"Runs ({len(listed.runs)} of {listed.total})", caption=RUNS_CAPTION)
    columns = ("id", "label", "suite", "agent", "status", "started", "conversations", "chatbot pass rate", "simulator")
    for column in columns:
        table.add_column(column, no_wrap=column in ("id", "label"))
    for item in listed.runs:
        totals, errored = item.totals, item.totals.errored_conversations
        chatbot = totals.chatbot.rate_text()
        table.add_row(
            item.run.id,
            escape(item.run.label),
            escape(item.run.suite),
            escape(item.run.settings.agent_target or item.run.settings.agent),
            item.run.status,
            f"{item.run.started_at:%Y-%m-%d %H:%M}",
            f"{totals.conversations} · {errored} errored" if errored else str(totals.conversations),
            f"[red]{chatbot}[/]" if totals.chatbot.errors else chatbot,
            totals.simulator.rate_text() if totals.simulator is not None else "—",
        )
    return table


def runs(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(min=1, help="how many, newest first")] = 20,
    suite: Annotated[str | None, typer.Option(help="only runs of this suite (its name)")] = None,
    label: Annotated[str | None, typer.Option(help="only runs with this label")] = None,
    as_json: JsonOption = False,
    agent: str | None = None,
) -> None:
    """List stored runs: the chatbot's pass rate with errors beside it, the simulator's own checks apart."""
    listed = list_runs(open_store(db), limit, suite=suite, label=label, agent=agent)
    if as_json:
        print_json(listed)
    else:
        emit(runs_table(listed))


def show(
    conversation: Annotated[str, typer.Argument(help="RUN (id, id prefix or label), or RUN:SCENARIO:TRIAL")],
    scenario: Annotated[str | None, typer.Argument(help="scenario id (when RUN is given alone)")] = None,
    trial: Annotated[int | None, typer.Option(min=0, help="which trial of the scenario (default 0)")] = None,
    db: DbOption = None,
) -> None:
    """Print one conversation: turns, the simulator's analysis, tool calls, verdicts with reasoning."""
    from sparring.store import NotFound

    store = open_store(db)
    try:
        found = store.conversation(conversation_id(store, conversation, scenario, trial))
    except (NotFound, ValueError) as exc:
        raise fail(str(exc)) from exc
    for turn in found.turns:
        if isinstance(turn, CustomerTurn):
            analysis = f"  [dim]({escape(turn.intent)}; {escape(turn.analysis.notes)})[/]" if turn.analysis else ""
            console.print(f"[bold cyan]customer[/] {escape(turn.content)}{analysis}")
        else:
            for call in turn.tool_calls:
                answer = call.error or json.dumps(call.result, default=str)[:300]
                console.print(f"  [yellow]tool[/] {call.name}({escape(json.dumps(call.arguments))}) → {escape(answer)}")
            console.print(f"[bold magenta]agent[/] {escape(turn.content)}")
    console.print(f"ended: {found.end_reason.value if found.end_reason else 'unfinished'}")
    for verdict in store.conversation_verdicts(found.id):
        console.print(f"{verdict.evaluation_id}: [bold]{verdict.outcome.value}[/] — {escape(verdict.reasoning)}")


def history_table(report: HistoryReport) -> Table:
    """One row per evaluation, one column per iteration: pass rate, ▼ on a dip, errored count beside it."""
    table = Table(title=f"History of {report.suite}", caption=UNITS_CAPTION + " (when there are any)")
    table.add_column("evaluation", no_wrap=True)
    for label in report.iterations:
        table.add_column(escape(label), justify="right")
    for h in report.evaluations:
        cells = {p.label: ("[red]▼[/]" if p.dip else "") + pct(p.pass_rate) + _errored(p.errors) for p in h.points}
        table.add_row(h.evaluation_id, *(cells.get(label, "") for label in report.iterations))
    return table


def history_command(
    suite: Annotated[str, typer.Argument(help="suite name or folder")],
    eval: Annotated[list[str] | None, typer.Option("--eval", help="only this evaluation (repeatable)")] = None,
    plot: Annotated[Path | None, typer.Option(help="write a chart: .png or .svg")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pass rate per evaluation across the suite's completed runs, oldest first; dips marked ▼."""
    from sparring.analysis import history_report, plot_history
    from sparring.suite import load_suite

    if plot and plot.suffix.lower() not in (".png", ".svg"):
        raise fail(f"--plot {plot}: the chart is written as .png or .svg")
    name = load_suite(suite).name if Path(suite, "suite.yaml").is_file() else suite
    store = open_store(db)
    report = history_report(store, name, eval or None)
    if not report.evaluations:
        raise fail(f"no completed runs of suite {name!r} in {store.url}")
    if as_json:
        print_json(report)
    else:
        emit(history_table(report))
    if plot:
        plot_history(report.evaluations, plot, f"{name}: pass rate per iteration")
        (err if as_json else console).print(f"chart written to {plot}")


def _errored(errors: int) -> str:
    return f" [red]· {errors} errored[/]" if errors else ""


def gate_command(
    suite: Annotated[Path, typer.Argument(help="suite folder (its gates)")],
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a stored run against the suite's gates: exit 1 when one fails, 3 when one is inconclusive."""
    from sparring.suite import SuiteError, load_suite

    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    store = open_store(db)
    report = run_gates(loaded, stored_run(store, run_ref), store, junit, as_json)
    if as_json:
        print_json(report)
    else:
        print_gates(report)
    exit_if_failed(report)
