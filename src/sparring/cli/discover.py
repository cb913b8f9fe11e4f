"""`sparring discover RUN... [--transcripts FILE]`: the failures no evaluation covers, as themes; drafts of
evaluations and scenarios for the uncovered ones; `--accept ID` takes a draft evaluation into the suite
(discover_accept.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sparring.cli.common import DbOption, check_produced, console, fail, open_store, pct
from sparring.cli.discover_accept import accept as accept_draft
from sparring.data_model import Run, TokenUsage
from sparring.discovery import (
    DiscoveryInputError,
    DiscoveryReport,
    RunCandidates,
    TranscriptOutcomes,
    gather_candidates,
    store_report,
    write_drafts,
)
from sparring.discovery import discover as discover_themes
from sparring.models import MeteredModel, ModelError, ModelPool, default_model_spec
from sparring.output_paths import OutputPathError, check_output_file
from sparring.store import Store
from sparring.suite import Suite, SuiteError, load_suite


def _suite(path: Path | None) -> Suite | None:
    try:
        return load_suite(path) if path else None
    except SuiteError as exc:
        raise fail(str(exc)) from exc


def _judge_spec(runs: list[Run], suite: Suite | None, judge_model: str | None) -> str:
    if judge_model:
        return judge_model
    if runs:
        return runs[0].settings.judge
    if suite is not None and suite.config.models.judge:
        return suite.config.models.judge
    return default_model_spec()


def _describe(
    store: Store, groups: list[RunCandidates], spec: str, base_url: str | None, policy: str, cache: bool, seed: int
) -> DiscoveryReport:
    """Run discovery; the model is created (an embedded one loaded) only when there is something to describe."""
    pool = ModelPool(cache=store if cache else None)

    async def go() -> DiscoveryReport:
        try:
            needed = any(g.candidates for g in groups)
            model = MeteredModel(pool.get(spec, base_url), TokenUsage()) if needed else None
            return await discover_themes(groups, model, policy, seed)
        finally:
            await pool.aclose()

    try:
        report = asyncio.run(go())
    except ModelError as exc:
        raise fail(str(exc)) from exc
    store.flush_cache()
    return report


def _print_report(report: DiscoveryReport) -> None:
    runs = Table(title="Unexplained: unhappy conversations no chatbot evaluation failed on")
    for column in ("run", "label", "conversations", "errored (left out)", "candidates", "unexplained"):
        runs.add_column(column, justify="left" if column in ("run", "label") else "right")
    for r in report.runs:
        share = f"{pct(r.unexplained_share)} ({r.unexplained}/{r.conversations})"
        runs.add_row(escape(r.run_id), escape(r.label), str(r.conversations), str(r.errored), str(r.candidates), share)
    console.print(runs)
    if not report.candidates:
        console.print(
            "no candidates: no conversation failed a chatbot evaluation or ended unhappy; nothing to describe"
        )
        return
    themes = Table(title=f"Themes ({report.described} described; covered = ≥ {report.covered_threshold:.0%} fail it)")
    for column in ("theme", "size", "runs", "unexplained", "words", "covered by / draft", "representatives"):
        themes.add_column(column, justify="right" if column in ("size", "runs", "unexplained") else "left")
    for t in report.themes:
        status = ", ".join(t.covered_by) if t.covered_by else (t.draft_evaluation or "uncovered (no --suite: no draft)")
        reps = " ".join(t.representatives)
        themes.add_row(t.id, str(t.size), pct(t.run_share), str(t.unexplained), escape(t.title), escape(status), reps)
    console.print(themes)


RunsArg = Annotated[list[str] | None, typer.Argument(help="run ids, id prefixes or labels")]
TranscriptsOpt = Annotated[
    Path | None, typer.Option(help="imported transcripts whose metadata says how each conversation went")
]
OutcomeFieldOpt = Annotated[str, typer.Option(help="the metadata field with the outcome")]
SuiteOpt = Annotated[Path | None, typer.Option(help="write drafts into this suite; its policy guides descriptions")]
AcceptOpt = Annotated[
    str | None, typer.Option(help="move this draft evaluation into --suite, enable it, judge runs with it, label them")
]
RunOpt = Annotated[
    list[str] | None, typer.Option("--run", help="with --accept: run to judge (default: the theme's runs)")
]
SampleOpt = Annotated[int, typer.Option(min=1, help="with --accept: conversations to label")]
NoLabelOpt = Annotated[bool, typer.Option("--no-label", help="with --accept: judge, but do not label now")]
ResumeOpt = Annotated[bool, typer.Option("--resume", help="with --accept: finish an interrupted --accept")]
JudgeModelOpt = Annotated[
    str | None, typer.Option(help="describing model (default: the first run's judge); with --accept: the new judge's")
]
BaseUrlOpt = Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")]
JsonFileOpt = Annotated[Path | None, typer.Option("--json", help="also write the report as JSON")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="do not reuse cached model answers")]
SeedOpt = Annotated[int, typer.Option(help="seed of the grouping's sampling")]


def discover(
    runs: RunsArg = None,
    transcripts: TranscriptsOpt = None,
    outcome_field: OutcomeFieldOpt = "outcome",
    suite: SuiteOpt = None,
    accept: AcceptOpt = None,
    run: RunOpt = None,
    sample: SampleOpt = 20,
    no_label: NoLabelOpt = False,
    resume: ResumeOpt = False,
    judge_model: JudgeModelOpt = None,
    base_url: BaseUrlOpt = None,
    json_file: JsonFileOpt = None,
    no_cache: NoCacheOpt = False,
    seed: SeedOpt = 0,
    db: DbOption = None,
) -> None:
    """Find the failures no evaluation covers: describe every unhappy or failed conversation, group the
    descriptions into themes, mark the ones existing evaluations cover, and draft evaluations for the rest.

    Conversations that could not be described are listed with the reason; exit status 1 when there were
    candidates and none could be described (the report, and --json, are still written)."""
    if accept:
        accept_draft(suite, accept, run or [], judge_model, sample, not no_label, not no_cache, db, resume)
        return
    if not runs and transcripts is None:
        raise fail("give at least one RUN or --transcripts FILE")
    try:
        if json_file:
            check_output_file(json_file, "--json")
    except OutputPathError as exc:
        raise fail(str(exc)) from exc
    loaded = _suite(suite)
    store = open_store(db)
    source = TranscriptOutcomes(transcripts, outcome_field) if transcripts else None
    report = _themes(store, runs or [], source, loaded, suite, judge_model, base_url, not no_cache, seed)
    store_report(store, report)
    _print_report(report)
    if json_file:
        json_file.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"report written to {json_file}")
    _check_described(report)


def _themes(
    store: Store,
    runs: list[str],
    source: TranscriptOutcomes | None,
    loaded: Suite | None,
    suite_path: Path | None,
    judge_model: str | None,
    base_url: str | None,
    cache: bool,
    seed: int,
) -> DiscoveryReport:
    """The runs' (and transcripts') candidates described and grouped into themes, with drafts written into the
    suite when one is given; a bad input or model is one line."""
    try:
        stored_runs, groups = gather_candidates(store, runs, source)
    except DiscoveryInputError as exc:
        raise fail(str(exc)) from exc
    try:
        spec = _judge_spec(stored_runs, loaded, judge_model) if any(g.candidates for g in groups) else ""
    except ModelError as exc:
        raise fail(str(exc)) from exc
    url = base_url or (stored_runs[0].settings.base_url if stored_runs else None)
    report = _describe(store, groups, spec, url, loaded.policy if loaded else "", cache, seed)
    if loaded is not None and suite_path is not None:
        try:
            write_drafts(report, suite_path, loaded.scenarios)
        except DiscoveryInputError as exc:
            raise fail(str(exc)) from exc
    return report


def _check_described(report: DiscoveryReport) -> None:
    """Undescribed candidates listed; exit 1 when there were candidates and not one could be described."""
    undescribed = [(u.conversation_id, u.problem) for u in report.undescribed]
    made = report.described or not report.candidates
    summary = f"no failure described: all {report.candidates} candidate conversations were left undescribed"
    check_produced(made, summary, undescribed, "not described")
