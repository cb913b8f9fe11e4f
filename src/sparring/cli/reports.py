"""Reports of stored runs: report, runs, show, history, gate (and the run summary `run` prints)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sparring.analysis import (
    EvaluationComparison,
    EvaluationSummary,
    compare_outcomes,
    scenario_outcomes,
    summaries_from_counts,
    summary_table,
)
from sparring.analysis.gate import check_gates, errors_gate
from sparring.analysis.history import history, plot_history
from sparring.analysis.junit import write_junit
from sparring.analysis.report import UNITS_CAPTION, RunTotals, run_summaries, run_totals, totals_text
from sparring.calibration import calibration_warnings
from sparring.cli.common import (
    DbOption,
    console,
    err,
    fail,
    open_store,
    pct,
    run_header,
    stored_run,
    usage_line,
)
from sparring.cli.trials import trials_table
from sparring.data_model import CustomerTurn, Run
from sparring.store import NotFound, Store
from sparring.suite import Suite, SuiteError, load_suite

RUNS_CAPTION = (
    "chatbot pass rate: pass / (pass + fail) over verdicts (one per conversation and chatbot evaluation), errored "
    "verdicts beside it; the simulator's own checks apart, never pooled in"
)


def call_stats_table(run: Run) -> Table | None:
    """Per model: requests, retries, faults by kind, give-ups and cache hits of a run."""
    if not run.call_stats:
        return None
    table = Table(title="Model calls")
    table.add_column("model", no_wrap=True)
    for column in ("requests", "retries", "faults", "gave up", "cache hit/miss"):
        table.add_column(column, justify="right")
    kinds = (
        ("rate_limited", "429"),
        ("server_errors", "5xx"),
        ("timeouts", "timeout"),
        ("connection_errors", "conn"),
        ("malformed", "malformed"),
    )
    for name, st in run.call_stats.items():
        faults = ", ".join(f"{label}×{getattr(st, field)}" for field, label in kinds if getattr(st, field)) or "0"
        table.add_row(
            name, str(st.requests), str(st.retries), faults, str(st.gave_up), f"{st.cache_hits}/{st.cache_misses}"
        )
    return table


def totals_of(run: Run, summaries: list[EvaluationSummary], store: Store) -> RunTotals:
    """The run's headline figures: chatbot pooled, simulator apart, errored conversations."""
    return run_totals(summaries, run.simulator_evaluation_ids, store.conversation_end_counts([run.id])[run.id])


def print_run(run: Run, summaries: list[EvaluationSummary], store: Store, min_kappa: float | None = None) -> None:
    """A run's header, the chatbot's and the simulator's pass rates apart, the headline, warnings and tables."""
    simulator = set(run.simulator_evaluation_ids)
    console.print(run_header(run), highlight=False)
    console.print(summary_table([s for s in summaries if s.evaluation_id not in simulator]))
    if simulator:
        own = [s for s in summaries if s.evaluation_id in simulator]
        console.print(summary_table(own, "Simulated customer's own checks (apart: never in the chatbot's pass rate)"))
    totals = totals_of(run, summaries, store)
    style = "red" if totals.chatbot.errors or totals.errored_conversations else "bold"
    console.print(f"[{style}]{escape(totals_text(totals))}[/]", highlight=False)
    if min_kappa is not None:
        for warning in calibration_warnings(store, run.id, min_kappa):
            console.print(f"[yellow]judge calibration:[/] {escape(warning)}", highlight=False)
    if run.trials > 1:
        console.print(trials_table(store, run))
    stats = call_stats_table(run)
    if stats is not None:
        console.print(stats)


def gate_and_junit(suite: Suite, run: Run, store: Store, junit: Path | None, exit_on_failure: bool) -> None:
    """The run-level errors check and the suite's gates, printed, written as JUnit, exit 1 when one fails."""
    specs = [e for e in suite.evaluations if e.id in set(run.evaluation_ids)] or suite.evaluations
    summaries = run_summaries(store, run, [e.id for e in specs])

    def compare_with(baseline: str) -> list[EvaluationComparison]:
        base = store.get_run(baseline)
        return compare_outcomes(
            scenario_outcomes(store.scenario_outcome_rows(base.id)),
            scenario_outcomes(store.scenario_outcome_rows(run.id)),
            seed=run.seed,
        )

    limit = suite.config.max_error_rate
    results = [errors_gate(totals_of(run, summaries, store), limit)]
    results += check_gates(suite.config.gates, specs, summaries, compare_with, limit)
    table = Table(title="Gates", caption="pass rates: units are conversations (pooled verdicts for a family)")
    for column in ("gate", "result", "detail"):
        table.add_column(column)
    for r in results:
        table.add_row(r.gate, "[green]pass[/]" if r.passed else "[red]FAIL[/]", escape(r.detail))
    console.print(table)
    if not suite.config.gates:
        console.print("no gates declared in the suite (the run-level errors check always applies)")
    if junit:
        write_junit(junit, run, specs, summaries, results, limit)
        console.print(f"JUnit XML written to {junit}")
    failed = [r for r in results if not r.passed]
    if failed and exit_on_failure:
        err.print(f"[bold red]gate failed:[/] {len(failed)} of {len(results)} gates not met", highlight=False)
        raise typer.Exit(1)


def report(run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")], db: DbOption = None) -> None:
    """Print a stored run's pass rates again."""
    store = open_store(db)
    stored = stored_run(store, run_ref)
    print_run(stored, run_summaries(store, stored), store)
    console.print(f"{store.conversation_count(stored.id)} conversations · {usage_line(stored)}")
    print_flagged(store, stored)


def print_flagged(store: Store, run: Run, per_line: int = 200) -> None:
    """Conversations with a fail or error verdict, streamed from the database in lines of `per_line` ids."""
    chunk: list[str] = []
    first = True
    for conversation_id in store.flagged_conversation_ids(run.id):
        chunk.append(conversation_id.split(":", 1)[1])
        if len(chunk) == per_line:
            _print_ids(chunk, first)
            chunk, first = [], False
    if chunk:
        _print_ids(chunk, first)


def _print_ids(ids: list[str], first: bool) -> None:
    prefix = "conversations with a fail or error: " if first else ""
    console.print(prefix + ", ".join(ids), highlight=False, markup=False)


def runs(db: DbOption = None, limit: Annotated[int, typer.Option(help="how many, newest first")] = 20) -> None:
    """List stored runs: the chatbot's pass rate with errors beside it, the simulator's own checks apart."""
    store = open_store(db)
    listed = store.list_runs(limit)
    ids = [r.id for r in listed]
    counts, ends = store.verdict_counts(ids), store.conversation_end_counts(ids)
    table = Table(title="Runs", caption=RUNS_CAPTION)
    for name, values in (("id", ids), ("label", [r.label for r in listed])):  # whole, so they can be typed back
        table.add_column(name, no_wrap=True, min_width=max(map(len, values), default=2))
    for column in ("suite", "status", "started", "conversations", "chatbot pass rate", "simulator"):
        table.add_column(column)
    for item in listed:
        summaries = summaries_from_counts(counts[item.id])
        totals = run_totals(summaries, item.simulator_evaluation_ids, ends[item.id])
        errored = totals.errored_conversations
        table.add_row(
            item.id,
            item.label,
            item.suite,
            item.status.value,
            f"{item.started_at:%Y-%m-%d %H:%M}",
            f"{totals.conversations} · {errored} errored" if errored else str(totals.conversations),
            totals.chatbot.rate_text() if not totals.chatbot.errors else f"[red]{totals.chatbot.rate_text()}[/]",
            totals.simulator.rate_text() if totals.simulator is not None else "—",
        )
    console.print(table)


def show(conversation_id: Annotated[str, typer.Argument(help="RUN:SCENARIO:TRIAL")], db: DbOption = None) -> None:
    """Print one conversation: turns, the simulator's analysis, tool calls, verdicts with reasoning."""
    store = open_store(db)
    try:
        conversation = store.conversation(conversation_id)
    except NotFound as exc:
        raise fail(str(exc)) from exc
    for turn in conversation.turns:
        if isinstance(turn, CustomerTurn):
            analysis = f"  [dim]({turn.intent}; {turn.analysis.notes})[/]" if turn.analysis else ""
            console.print(f"[bold cyan]customer[/] {escape(turn.content)}{analysis}")
        else:
            for call in turn.tool_calls:
                answer = call.error or json.dumps(call.result, default=str)[:300]
                console.print(f"  [yellow]tool[/] {call.name}({json.dumps(call.arguments)}) → {escape(answer)}")
            console.print(f"[bold magenta]agent[/] {escape(turn.content)}")
    console.print(f"ended: {conversation.end_reason.value if conversation.end_reason else 'unfinished'}")
    for verdict in store.conversation_verdicts(conversation_id):
        console.print(f"{verdict.evaluation_id}: [bold]{verdict.outcome.value}[/] — {escape(verdict.reasoning)}")


def history_command(
    suite: Annotated[str, typer.Argument(help="suite name or folder")],
    eval: Annotated[list[str] | None, typer.Option("--eval", help="only this evaluation (repeatable)")] = None,
    plot: Annotated[Path | None, typer.Option(help="write a chart: .png or .svg")] = None,
    db: DbOption = None,
) -> None:
    """Pass rate per evaluation across the suite's completed runs, oldest first; dips marked ▼."""
    name = load_suite(suite).name if Path(suite, "suite.yaml").is_file() else suite
    store = open_store(db)
    histories = history(store, name, eval or None)
    if not histories:
        raise fail(f"no completed runs of suite {name!r} in {store.url}")
    labels: list[str] = []
    for h in histories:
        labels += [p.label for p in h.points if p.label not in labels]
    table = Table(title=f"History of {name}", caption=UNITS_CAPTION + " (when there are any)")
    table.add_column("evaluation", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right")
    for h in histories:
        cells = {p.label: ("[red]▼[/]" if p.dip else "") + pct(p.pass_rate) + _errored(p.errors) for p in h.points}
        table.add_row(h.evaluation_id, *(cells.get(label, "") for label in labels))
    console.print(table)
    if plot:
        if plot.suffix.lower() not in (".png", ".svg"):
            raise fail(f"--plot {plot}: the chart is written as .png or .svg")
        plot_history(histories, plot, f"{name}: pass rate per iteration")
        console.print(f"chart written to {plot}")


def _errored(errors: int) -> str:
    return f" [red]· {errors} errored[/]" if errors else ""


def gate_command(
    suite: Annotated[Path, typer.Argument(help="suite folder (its gates)")],
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML")] = None,
    db: DbOption = None,
) -> None:
    """Check a stored run against the suite's gates; exit 1 when one is not met."""
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    store = open_store(db)
    stored = stored_run(store, run_ref)
    gate_and_junit(loaded, stored, store, junit, exit_on_failure=True)
