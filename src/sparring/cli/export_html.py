"""`sparring export-html RUN --out DIR`: the viewer's pages of a run as static files, for CI artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sparring.cli.common import DbOption, console, fail, open_store, stored_run
from sparring.cli.view import load_suites
from sparring.output_paths import OutputPathError, check_output_folder


def export_html(
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    out: Annotated[Path, typer.Option("--out", help="folder to write the pages into (created when missing)")],
    compare: Annotated[
        str | None, typer.Option("--compare", help="base run (id, prefix or label): add the comparison BASE → RUN")
    ] = None,
    suite: Annotated[
        Path | None,
        typer.Option("--suite", help="the run's suite folder: the report leads with its gates' verdict and reasons"),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a run's viewer pages (run, conversations, comparison, history) as static files: open DIR/index.html."""
    try:
        check_output_folder(out, "--out")
    except OutputPathError as exc:
        raise fail(str(exc)) from exc
    suites = load_suites([suite] if suite else [])
    store = open_store(db)
    run = stored_run(store, run_ref)
    if suite and run.suite not in suites:
        raise fail(f"--suite {suite} is suite {next(iter(suites))!r}, not the run's suite {run.suite!r}")
    base = stored_run(store, compare) if compare else None
    from sparring.viewer import export_site

    written = export_site(store, run, out, base, suites.get(run.suite))
    console.print(f"wrote {len(written)} files to {out}: open {out / 'index.html'}", highlight=False, soft_wrap=True)
