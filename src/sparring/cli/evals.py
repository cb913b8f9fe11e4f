"""`sparring evals list` (the library and a suite's own evaluations) and `sparring eval` (judge real
transcripts with a suite's evaluations)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.cli.common import (
    DbOption,
    JsonOption,
    ProgressObserver,
    check_verdicts,
    console,
    emit,
    fail,
    open_store,
    print_json,
    usage_line,
)
from sparring.cli.reports import print_run
from sparring.models import ModelError
from sparring.runner import RoleOverrides, RunOptions, RunResult, check_transcript_ids, evaluate_transcripts
from sparring.store import NotFound, RunLeased, Store
from sparring.suite import Suite, SuiteError, load_suite
from sparring.transcripts import FORMATS, CsvColumns, TranscriptError, read_transcripts

evals_app = typer.Typer(help="The evaluation library and a suite's own evaluations.", no_args_is_help=True)


@evals_app.command("list")
def list_evaluations(
    suite: Annotated[
        Path | None, typer.Option(help="also list this suite's own evaluations, and which it enables")
    ] = None,
    family: Annotated[str | None, typer.Option(help="only this family")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every evaluation with its family, kind and a one-line description."""
    from sparring.analysis import evaluation_catalog

    try:
        catalog = evaluation_catalog(load_suite(suite) if suite else None, family)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json(catalog)
        return
    enabled = sum(bool(e.enabled) for e in catalog.evaluations)
    table = Table(
        title=f"{len(catalog.evaluations)} evaluations" + (f" ({enabled} enabled in {suite})" if suite else "")
    )
    for column in ("id", "family", "kind", "source", *(["enabled"] if suite else []), "description"):
        table.add_column(column, no_wrap=column in ("id", "family"))
    for e in catalog.evaluations:
        mark = ["✓" if e.enabled else ""] if suite else []
        table.add_row(e.id, e.family, e.kind, escape(e.source), *mark, escape(e.description))
    emit(table)


def eval_transcripts(
    transcripts: Annotated[Path, typer.Argument(help="file of real transcripts (JSONL, OpenAI logs, CSV, ...)")],
    suite: Annotated[Path, typer.Option(help="suite whose evaluations judge them")],
    format: Annotated[str | None, typer.Option(help=f"one of {', '.join(FORMATS)} (default: from the file)")] = None,
    csv_columns: Annotated[
        str | None, typer.Option(help="CSV column names, e.g. conversation_id=conv,role=speaker,text=message")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="skip bad conversations (counted) instead of stopping")
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="judge at most this many conversations")] = None,
    session_attribute: Annotated[
        str | None, typer.Option(help="traces: the attribute grouping them into conversations (default: session ids)")
    ] = None,
    judge_model: Annotated[str | None, typer.Option(help="model of the LLM judges")] = None,
    base_url: Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")] = None,
    eval: Annotated[list[str] | None, typer.Option("--eval", help="only this evaluation id (repeatable)")] = None,
    label: Annotated[str | None, typer.Option(help="name of this run, e.g. production-2026-11")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="conversations judged at once")] = 8,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="call the judge even for cached requests")] = False,
    resume: Annotated[
        str | None, typer.Option(help="finish an interrupted eval of this file (run id or label)")
    ] = None,
    db: DbOption = None,
) -> None:
    """Judge real (production) transcripts with a suite's evaluations and store them as a run, so offline
    and online pass rates compare with `sparring compare`. Checks that need the mock backend are n/a.

    An interrupted eval is finished by `--resume RUN`, or by the same eval again with the same --label.

    Errored verdicts are listed with their reasons; exit status 1 when not one verdict is a pass or a fail."""
    try:
        loaded = load_suite(suite)
        imported = read_transcripts(
            transcripts, format, skip_bad, CsvColumns.parse(csv_columns), limit, session_attribute
        )
        check_transcript_ids(imported.transcripts)
    except (SuiteError, TranscriptError, ValueError) as exc:
        raise fail(str(exc)) from exc
    for line in imported.skipped:
        console.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    options = RunOptions(label=label, evaluation_ids=eval or [], concurrency=concurrency, cache=not no_cache)
    options.resume, options.models = resume, RoleOverrides(judge=judge_model, base_url=base_url)
    store = open_store(db)
    with Progress(*PROGRESS_COLUMNS, console=console) as progress:
        try:
            observer = ProgressObserver(progress)
            judging = evaluate_transcripts(
                loaded, store, imported.transcripts, str(transcripts), options, None, observer
            )
            result = asyncio.run(judging)
        except (ModelError, ValueError, NotFound, RunLeased) as exc:
            raise fail(str(exc)) from exc
    _print_judged(result, len(imported.skipped), store, loaded)


PROGRESS_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def _print_judged(result: RunResult, skipped: int, store: Store, suite: Suite) -> None:
    """The run's report, what was judged, and where it is stored."""
    print_run(result.run, result.summaries, store, suite.config.calibration.min_kappa)
    noted = f" ({skipped} skipped)" if skipped else ""
    console.print(
        f"{result.conversations} transcripts judged{noted} in {result.wall_s:.1f}s · {usage_line(result.run)}"
    )
    console.print(
        f"stored in {store.url} as run {result.run.id}; compare with a simulated run: "
        f"sparring compare RUN {result.run.id}",
        highlight=False,
    )
    check_verdicts(store, result.run)
