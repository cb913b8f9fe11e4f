"""Helpers every command shares: the consoles, the --db option, one-line errors, run lookup, rendering bits."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import Progress
from rich.table import Table

if TYPE_CHECKING:
    from pydantic import BaseModel

    from sparring.data_model import Run
    from sparring.store import Store

# NO_COLOR (https://no-color.org): no escape codes at all, bold and italics included (Rich alone keeps those).
STYLES: Literal["auto"] | None = None if os.environ.get("NO_COLOR") else "auto"
# Piped into a file or a script, lines are never wrapped.
console = Console(soft_wrap=not sys.stdout.isatty(), color_system=STYLES)
err = Console(stderr=True, color_system=STYLES)
UNBOUNDED = 1_000_000  # width to measure a table's natural width against

DbOption = Annotated[
    str | None, typer.Option("--db", help="database URL or SQLite file (default .sparring/sparring.db)")
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="print the report as JSON (schema: docs/json.md) and nothing else")
]


def natural_width(table: Table) -> int:
    """How wide a table is when nothing in it is wrapped or cut."""
    return Measurement.get(console, console.options.update_width(UNBOUNDED), table).maximum


def emit(table: Table) -> None:
    """Print a table whole, at its natural width whatever the terminal's (or, piped, Rich's default 80): no
    name or number is cut ("p…") or wrapped inside its cell; a terminal narrower than the table wraps lines."""
    width = natural_width(table)
    if width <= console.width:
        console.print(table)
    else:  # Rich never prints wider than its console: a console of the table's width, on the same stream
        Console(file=console.file, width=width, force_terminal=console.is_terminal, color_system=STYLES).print(table)


STDOUT = "-"  # `--json -`: the report on stdout instead of a file (calibrate, fidelity)


def print_document(kind: str, report: BaseModel) -> None:
    """A report whose model has no `schema_version` of its own, on stdout as {schema_version, kind, report}."""
    from sparring.analysis import JSON_SCHEMA_VERSION

    document = {"schema_version": JSON_SCHEMA_VERSION, "kind": kind, "report": report.model_dump(mode="json")}
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def print_json(report: BaseModel) -> None:
    """A report as JSON on stdout, alone (progress and notes go to stderr)."""
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one error (one line per problem: never wrapped to the terminal's width) and the exit to raise."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True, emoji=False)
    return typer.Exit(code)


NOTHING_PRODUCED = 1  # exit status of a command that ran but produced none of what it was asked for
MAX_LISTED = 20  # per-item problems listed; the rest are counted


def check_produced(
    made: int, summary: str, problems: Sequence[tuple[str, str]], word: str = "rejected", total: int | None = None
) -> None:
    """The rule of every command asked to produce items (scenarios, themes, verdicts, labels, ...): each item
    not produced is listed on stderr as `word ITEM: reason` (one a line, the first 20, then `... and N more` out of
    `total` problems, by default as many as given); when `made` is 0, one `error: summary` line follows and the
    command exits 1. Partial success returns, so the command exits 0 with the rejections listed."""
    for item, reason in problems[:MAX_LISTED]:
        line = f"[yellow]{word}[/] {escape(item)}: {escape(reason)}"
        err.print(line, highlight=False, soft_wrap=True, emoji=False)  # no ids like transcripts:a:0 made emoji
    total = len(problems) if total is None else total
    if total > MAX_LISTED:
        err.print(f"... and {total - MAX_LISTED} more", highlight=False)
    if not made:
        raise fail(summary, code=NOTHING_PRODUCED)


def check_verdicts(store: Store, run: Run) -> None:
    """`check_produced` for the commands that judge (eval, rejudge): the errored verdicts are listed with
    their reasons, and the command exits 1 when the run has no pass or fail verdict at all. Counted and listed by
    the database (a 20,000-conversation eval no longer loads its verdicts to say so)."""
    from sparring.data_model import Outcome

    counts: dict[str, int] = {}
    for by_outcome in store.verdict_counts([run.id])[run.id].values():
        for outcome, n in by_outcome.items():
            counts[outcome] = counts.get(outcome, 0) + n
    made = counts.get(Outcome.PASS.value, 0) + counts.get(Outcome.FAIL.value, 0)
    errors = [(f"{c} {e}", reason) for c, e, reason in store.error_verdicts(run.id, MAX_LISTED)]
    described = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "no verdict"
    summary = f"run {run.id} has no pass or fail verdict ({described})"
    check_produced(made, summary, errors, "error", total=counts.get(Outcome.ERROR.value, 0))


def open_store(db: str | None) -> Store:
    """The store at `db` (default .sparring/sparring.db), or one clear line and exit 2."""
    from sparring.store import Store, StoreError

    try:
        return Store.open(db)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def stored_run(store: Store, ref: str) -> Run:
    """A run by id, id prefix or label, or one clear line and exit 2."""
    from sparring.store import NotFound

    try:
        return store.get_run(ref)
    except NotFound as exc:
        raise fail(str(exc)) from exc


def run_header(run: Run) -> str:
    """Two lines: the run's id, label, suite, status; the chatbot and the models."""
    s = run.settings
    agent = s.agent_target if s.agent_kind != "reference" else f"reference ({s.agent})"
    return (
        f"run [bold]{run.id}[/]  label [bold]{run.label}[/]  suite {run.suite}  status {run.status.value}\n"
        f"agent {agent}  simulator {s.simulator}  judge {s.judge}"
    )


def usage_line(run: Run) -> str:
    """Calls, cached calls, tokens and cost per role."""
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
    """A share as a whole percentage, or — when there is none."""
    return "—" if value is None else f"{value:.0%}"
