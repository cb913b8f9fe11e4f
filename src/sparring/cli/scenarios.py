"""`sparring scenarios extract` (historical transcripts → scenario YAML files) and `sparring scenarios show`."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.cli.common import check_produced, console, emit, fail
from sparring.data_model import Scenario
from sparring.extraction import (
    SAMPLING,
    ExtractionReport,
    ExtractionResult,
    coverage,
    extract_to_folder,
    sample_transcripts,
)
from sparring.models import ModelError
from sparring.output_paths import OutputPathError, check_output_folder
from sparring.runner import RoleOverrides, model_settings
from sparring.suite import SuiteError, load_suite, read_scenario_files
from sparring.transcripts import FORMATS, CsvColumns, TranscriptError, read_transcripts

scenarios_app = typer.Typer(help="Scenarios from historical transcripts.", no_args_is_help=True)


@scenarios_app.command("extract")
def extract(
    transcripts: Annotated[Path, typer.Argument(help="historical transcripts (JSONL, OpenAI logs, CSV, ...)")],
    suite: Annotated[Path, typer.Option(help="the suite whose backend data the scenarios must fit")],
    out: Annotated[Path, typer.Option(help="folder for the scenario YAML files")],
    limit: Annotated[int | None, typer.Option(min=1, help="extract at most this many")] = None,
    sample: Annotated[str, typer.Option(help=f"which transcripts with --limit: {', '.join(SAMPLING)}")] = "first",
    seed: Annotated[int, typer.Option(help="seed for random and diverse sampling")] = 0,
    model: Annotated[str | None, typer.Option(help="provider:model (default: the suite's judge model)")] = None,
    base_url: Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")] = None,
    format: Annotated[str | None, typer.Option(help=f"one of {', '.join(FORMATS)} (default: from the file)")] = None,
    csv_columns: Annotated[str | None, typer.Option(help="CSV columns, e.g. conversation_id=conv,role=speaker")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="skip bad conversations (counted)")] = False,
    session_attribute: Annotated[
        str | None, typer.Option(help="traces: the attribute grouping them into conversations (default: session ids)")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="transcripts extracted at once")] = 4,
) -> None:
    """Extract one scenario per transcript (PII already redacted on import): persona, situation, desired
    outcome, facts, and backend overrides checked against the suite's snapshot. Rejections are listed, each
    with its reason; exit status 1 when every transcript was rejected (0 when at least one became a scenario)."""
    try:
        check_output_folder(out, "--out")
        loaded = load_suite(suite)
        imported = read_transcripts(
            transcripts, format, skip_bad, CsvColumns.parse(csv_columns), session_attribute=session_attribute
        )
        chosen = sample_transcripts(imported.transcripts, limit, sample, seed)
        settings = model_settings(loaded, RoleOverrides(judge=model, base_url=base_url))
    except (SuiteError, TranscriptError, OutputPathError, ValueError, ModelError) as exc:
        raise fail(str(exc)) from exc
    for line in imported.skipped:
        console.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("extracting", total=len(chosen))
            done = partial(_advance, progress, task)
            report = asyncio.run(
                extract_to_folder(loaded, chosen, settings.judge, settings.base_url, out, concurrency, done)
            )
    except (ModelError, ValueError) as exc:
        raise fail(str(exc)) from exc
    _print_report(report, out)


def _advance(progress: Progress, task: TaskID, _result: ExtractionResult) -> None:
    progress.advance(task)


def _print_report(report: ExtractionReport, out: Path) -> None:
    """How many transcripts became scenarios, what was left out of kept ones and why, and the rejections."""
    usage = report.usage
    console.print(
        f"{len(report.accepted)} of {len(report.results)} transcripts became scenarios in {out} "
        f"({usage.calls} model calls, {usage.prompt_tokens + usage.completion_tokens} tokens)",
        highlight=False,
    )
    for scenario_id, note in report.dropped:
        console.print(f"[yellow]left out of {escape(scenario_id)}[/] {escape(note)}", highlight=False)
    if report.accepted:
        _print_scenarios(report.accepted)
    message = f"no scenario extracted: all {len(report.results)} transcripts were rejected"
    check_produced(len(report.accepted), message, report.rejected)


@scenarios_app.command("show")
def show(folder: Annotated[Path, typer.Argument(help="a scenario YAML file or a folder of them")]) -> None:
    """A readable table of scenarios (persona, situation, desired outcome) and their coverage."""
    files = [folder] if folder.is_file() else sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise fail(f"no scenario YAML files at {folder}")
    entries, errors = read_scenario_files(files)
    if errors:
        raise fail(str(SuiteError.several(errors)))
    _print_scenarios([scenario for scenario, _doc, _path in entries])


def _print_scenarios(scenarios: list[Scenario]) -> None:
    table = Table(title=f"{len(scenarios)} scenarios")
    for column in ("id", "persona", "situation", "desired outcome", "tags"):
        table.add_column(column, overflow="fold")
    for s in scenarios:
        persona = f"{', '.join(s.persona.traits)} (patience {s.persona.patience})"
        table.add_row(s.id, escape(persona), escape(s.situation), escape(s.desired_outcome), ", ".join(s.tags))
    emit(table)
    cells = coverage(scenarios)
    situations = sorted({c[0] for c in cells})
    personas = sorted({c[1] for c in cells})
    grid = Table(title="Coverage: situation (first tag) × persona (first trait)")
    grid.add_column("situation")
    for persona in personas:
        grid.add_column(persona, justify="right")
    for situation in situations:
        grid.add_row(situation, *(str(cells.get((situation, p), "")) for p in personas))
    console.print(grid)
