"""Helpers every command shares: the consoles, the --db option, one-line errors, run lookup, rendering bits."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from sparring.data_model import Run
from sparring.store import NotFound, Store, StoreError

console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="database URL or SQLite file (default .sparring/sparring.db)")
]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error (one line per problem: never wrapped to the terminal's width) and the exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def open_store(db: str | None) -> Store:
    try:
        return Store.open(db)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def stored_run(store: Store, ref: str) -> Run:
    try:
        return store.get_run(ref)
    except NotFound as exc:
        raise fail(str(exc)) from exc


def run_header(run: Run) -> str:
    s = run.settings
    agent = s.agent_target if s.agent_kind != "reference" else f"reference ({s.agent})"
    return (
        f"run [bold]{run.id}[/]  label [bold]{run.label}[/]  suite {run.suite}  status {run.status.value}\n"
        f"agent {agent}  simulator {s.simulator}  judge {s.judge}"
    )


def usage_line(run: Run) -> str:
    parts = [
        f"{role} {u.calls} calls ({u.cached_calls} cached) {u.prompt_tokens + u.completion_tokens} tokens"
        + (f" US$ {run.cost_usd[role]:.4f}" if run.cost_usd.get(role) else "")
        for role, u in run.usage.items()
    ]
    return "tokens: " + ", ".join(parts)


class ProgressObserver:
    """Drives a Rich progress bar from the runner's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("conversations", total=None)

    def started(self, run: Run, pending: int) -> None:
        self.progress.update(self.task, total=pending, description=f"run {run.id}")

    def finished(self, conversation: object, verdicts: object) -> None:
        self.progress.advance(self.task)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
