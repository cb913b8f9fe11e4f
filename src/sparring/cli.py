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
from sparring.analysis import summarize, summary_table
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
    parts = [f"{role} {u.calls} calls {u.prompt_tokens + u.completion_tokens} tokens" for role, u in run.usage.items()]
    return "tokens: " + ", ".join(parts)


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
    label: Annotated[str | None, typer.Option(help="name of this iteration")] = None,
    seed: Annotated[int, typer.Option(help="seed for sampling and models")] = 0,
    concurrency: Annotated[int, typer.Option(min=1, help="conversations in flight")] = 8,
    max_turns: Annotated[int | None, typer.Option(min=1, help="customer messages before stopping")] = None,
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
        seed=seed,
        concurrency=concurrency,
        max_turns=max_turns,
        models=RoleOverrides(
            model=model, simulator=sim_model, agent_model=agent_model, judge=judge_model, base_url=base_url, agent=agent
        ),
    )
    store = Store.open(db)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("conversations", total=None)

        def advance(conversation: object, verdicts: object) -> None:
            progress.advance(task)

        try:
            total = options.scenarios or len(options.scenario_ids) or len(loaded.scenarios)
            progress.update(task, total=min(total, len(loaded.scenarios)))
            result = asyncio.run(run_suite(loaded, store, options, on_progress=advance))
        except (ModelError, AgentLoadError, ValueError) as exc:
            raise _fail(str(exc)) from exc
        except KeyboardInterrupt:
            raise _fail("interrupted: finished conversations are stored; the run is marked interrupted", 130) from None
    console.print(_run_header(result.run), highlight=False)
    console.print(summary_table(result.summaries))
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
    console.print(_run_header(stored), highlight=False)
    console.print(summary_table(summarize(verdicts)))
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
