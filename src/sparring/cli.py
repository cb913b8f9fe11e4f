"""The `sparring` command: parse, call the library, render with Rich. Nothing here the API can't do."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.agents import AgentLoadError
from sparring.analysis import EvaluationSummary, summarize, summary_table
from sparring.data_model import Outcome, Run
from sparring.models import ModelError
from sparring.runner import RoleOverrides, RunOptions, run_suite
from sparring.store import RunNotFound, Store
from sparring.suite import SuiteError, load_suite

app = typer.Typer(help="Test a customer-support chatbot against simulated customers, offline.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="database URL or SQLite file (default .sparring/sparring.db)")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _run_header(run: Run) -> str:
    s = run.settings
    agent = s.agent_target if s.agent_kind != "reference" else f"reference ({s.agent})"
    return (
        f"run [bold]{run.id}[/]  label [bold]{run.label}[/]  suite {run.suite}  status {run.status.value}\n"
        f"agent {agent}  simulator {s.simulator}  judge {s.judge}"
    )


def _usage_line(run: Run) -> str:
    parts = [
        f"{role} {u.calls} calls ({u.cached_calls} cached) {u.prompt_tokens + u.completion_tokens} tokens"
        for role, u in run.usage.items()
    ]
    return "tokens: " + ", ".join(parts)


class _ProgressObserver:
    """Drives a Rich progress bar from the runner's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("conversations", total=None)

    def started(self, run: Run, pending: int) -> None:
        self.progress.update(self.task, total=pending, description=f"run {run.id}")

    def finished(self, conversation: object, verdicts: object) -> None:
        self.progress.advance(self.task)


def _call_stats_table(run: Run) -> Table | None:
    if not run.call_stats:
        return None
    table = Table(title="Model calls")
    columns = (
        "requests",
        "retries",
        "rate_limited",
        "server_errors",
        "timeouts",
        "connection_errors",
        "malformed",
        "gave_up",
        "cache_hits",
        "cache_misses",
    )
    table.add_column("model")
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for name, stats in run.call_stats.items():
        table.add_row(name, *(str(getattr(stats, c)) for c in columns))
    return table


def _print_run(run: Run, summaries: list[EvaluationSummary]) -> None:
    console.print(_run_header(run), highlight=False)
    console.print(summary_table(summaries))
    stats = _call_stats_table(run)
    if stats is not None:
        console.print(stats)


@app.command()
def run(
    suite: Annotated[Path, typer.Argument(help="suite folder (with suite.yaml)")],
    model: Annotated[str | None, typer.Option(help="provider:model for every role, e.g. openai:gpt-4o-mini")] = None,
    agent_model: Annotated[str | None, typer.Option(help="model of the reference agent")] = None,
    sim_model: Annotated[str | None, typer.Option(help="model of the simulated customer")] = None,
    judge_model: Annotated[str | None, typer.Option(help="model of the LLM judges")] = None,
    base_url: Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")] = None,
    agent: Annotated[
        str | None, typer.Option(help="chatbot under test: reference | http(s)://endpoint/v1 | module:Class")
    ] = None,
    scenarios: Annotated[int | None, typer.Option(help="sample this many scenarios (by --seed)")] = None,
    scenario: Annotated[list[str] | None, typer.Option(help="run only this scenario id (repeatable)")] = None,
    eval: Annotated[list[str] | None, typer.Option("--eval", help="run only this evaluation id (repeatable)")] = None,
    trials: Annotated[int, typer.Option(min=1, help="conversations per scenario")] = 1,
    label: Annotated[str | None, typer.Option(help="name of this iteration")] = None,
    seed: Annotated[int, typer.Option(help="seed for sampling and models")] = 0,
    concurrency: Annotated[int, typer.Option(min=1, help="conversations and calls per model in flight")] = 8,
    max_turns: Annotated[int | None, typer.Option(min=1, help="customer messages before stopping")] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds before a model call is retried")] = 120.0,
    max_retries: Annotated[int, typer.Option(min=0, help="retries of a failed model call")] = 5,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="call models even for cached requests")] = False,
    resume: Annotated[str | None, typer.Option(help="finish an interrupted run (id or label)")] = None,
    db: DbOption = None,
) -> None:
    """Simulate conversations, judge them, store everything, print pass rates."""
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise _fail(str(exc)) from exc
    options = RunOptions(
        label=label,
        scenarios=scenarios,
        scenario_ids=scenario or [],
        evaluation_ids=eval or [],
        trials=trials,
        seed=seed,
        concurrency=concurrency,
        max_turns=max_turns,
        cache=not no_cache,
        max_retries=max_retries,
        timeout_s=timeout,
        resume=resume,
        models=RoleOverrides(
            model=model, simulator=sim_model, agent_model=agent_model, judge=judge_model, base_url=base_url, agent=agent
        ),
    )
    store = Store.open(db)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        try:
            result = asyncio.run(run_suite(loaded, store, options, observer=_ProgressObserver(progress)))
        except (ModelError, AgentLoadError, ValueError, RunNotFound) as exc:
            raise _fail(str(exc)) from exc
        except KeyboardInterrupt:
            raise _fail("interrupted: finished conversations are stored; finish with --resume", 130) from None
    _print_run(result.run, result.summaries)
    console.print(f"{result.conversations} conversations in {result.wall_s:.1f}s · {_usage_line(result.run)}")
    console.print(f"stored in {store.url}; see it again with: sparring report {result.run.id}", highlight=False)


@app.command()
def report(run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")], db: DbOption = None) -> None:
    """Print a stored run's pass rates again."""
    store = Store.open(db)
    try:
        stored = store.get_run(run_ref)
    except RunNotFound as exc:
        raise _fail(str(exc)) from exc
    verdicts = store.verdicts(stored.id)
    _print_run(stored, summarize(verdicts, stored.evaluation_ids or None))
    failing = sorted({v.conversation_id for v in verdicts if v.outcome in (Outcome.FAIL, Outcome.ERROR)})
    console.print(f"{store.conversation_count(stored.id)} conversations · {_usage_line(stored)}")
    if failing:
        console.print("conversations with a fail or error: " + ", ".join(c.split(":", 1)[1] for c in failing))


@app.command()
def runs(db: DbOption = None, limit: Annotated[int, typer.Option(help="how many, newest first")] = 20) -> None:
    """List stored runs."""
    store = Store.open(db)
    table = Table(title="Runs")
    for column in ("id", "label", "suite", "status", "started", "conversations", "pass rate"):
        table.add_column(column)
    for item in store.list_runs(limit):
        verdicts = store.verdicts(item.id)
        decided = [v for v in verdicts if v.outcome in (Outcome.PASS, Outcome.FAIL)]
        rate = f"{sum(v.outcome == Outcome.PASS for v in decided) / len(decided):.0%}" if decided else "—"
        table.add_row(
            item.id,
            item.label,
            item.suite,
            item.status.value,
            f"{item.started_at:%Y-%m-%d %H:%M}",
            str(store.conversation_count(item.id)),
            rate,
        )
    console.print(table)


if __name__ == "__main__":
    app()
