"""`sparring rejudge RUN`: a stored run's conversations judged again, stored as a new run (only rendering here;
the work is `sparring.runner.rejudge`)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sparring.cli.common import DbOption, ProgressObserver, check_verdicts, console, fail, open_store, usage_line
from sparring.cli.reports import print_run
from sparring.models import ModelError
from sparring.runner import RunOptions, execute_rejudge, plan_rejudge, plan_resumed_rejudge
from sparring.store import NotFound, RunLeased
from sparring.suite import SuiteError, load_suite


def rejudge(
    suite: Annotated[Path, typer.Option(help="suite folder whose evaluations judge the run")],
    run: Annotated[str | None, typer.Argument(help="the stored run to judge again: id, id prefix or label")] = None,
    eval: Annotated[list[str] | None, typer.Option("--eval", help="only this evaluation id (repeatable)")] = None,
    judge_model: Annotated[str | None, typer.Option(help="model of the LLM judges (default: the run's)")] = None,
    label: Annotated[str | None, typer.Option(help="label of the new run (default: RUN's label + -rejudged)")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="conversations judged at once")] = 8,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="call the judge even for cached requests")] = False,
    resume: Annotated[
        str | None, typer.Option(help="finish an interrupted rejudge (id or label of the new run), copying the rest")
    ] = None,
    db: DbOption = None,
) -> None:
    """Judge a stored run's conversations again (new or changed evaluations, another judge model) without
    simulating anything; stored as a new run, so `sparring compare RUN NEW` shows what changed.

    The same rejudge again (same label) finishes an interrupted one, as `--resume NEW` does.

    Errored verdicts are listed with their reasons; exit status 1 when not one verdict is a pass or a fail."""
    if (run is None) == (resume is None):
        raise fail("name the run to judge again (RUN), or the interrupted rejudge to finish (--resume NEW)")
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    store = open_store(db)
    try:
        rejudging = (
            plan_rejudge(store, loaded, run, eval, judge_model, label)
            if run is not None
            else plan_resumed_rejudge(store, loaded, resume or "")
        )
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            options, observer = RunOptions(concurrency=concurrency, cache=not no_cache), ProgressObserver(progress)
            result = asyncio.run(execute_rejudge(store, loaded, rejudging, options, observer=observer))
    except (ModelError, NotFound, ValueError, RunLeased) as exc:
        raise fail(str(exc)) from exc
    print_run(result.run, result.summaries, store, loaded.config.calibration.min_kappa)
    console.print(
        f"{result.conversations} conversations judged again in {result.wall_s:.1f}s · {usage_line(result.run)}"
    )
    origin = result.run.rejudged_from
    console.print(
        f"stored in {store.url} as run {result.run.id}; what changed: sparring compare {origin} {result.run.id}",
        highlight=False,
    )
    check_verdicts(store, result.run)
