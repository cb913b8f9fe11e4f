"""`sparring label`, `sparring labels import|export` and `sparring calibrate`: human labels and how well
each judge prompt version agrees with them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sparring.calibration import (
    CalibrationReport,
    Estimate,
    LabelFileError,
    calibrate,
    labelled_judge_model,
    pending_sample,
    read_labels,
    write_labels,
    write_report,
)
from sparring.cli.common import (
    STDOUT,
    DbOption,
    check_produced,
    console,
    emit,
    fail,
    open_store,
    print_document,
    stored_run,
)
from sparring.cli.labelling import default_labeller, labelling_session
from sparring.data_model import ModelSettings, TokenUsage
from sparring.evaluations import EvaluationSpec
from sparring.models import MeteredModel, ModelError, ModelPool
from sparring.output_paths import OutputPathError, check_output_file
from sparring.runner import RoleOverrides, model_settings
from sparring.store import Store
from sparring.suite import Suite, SuiteError, load_suite

labels_app = typer.Typer(help="Human labels: import and export.", no_args_is_help=True)
SuiteOption = Annotated[Path, typer.Option(help="the suite (its evaluations and policy)")]
EvalOption = Annotated[str, typer.Option("--eval", help="evaluation id")]


def _suite_and_spec(suite: Path, evaluation_id: str) -> tuple[Suite, EvaluationSpec]:
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    spec = next((e for e in loaded.evaluations if e.id == evaluation_id), None)
    if spec is None:
        raise fail(f"the suite enables no evaluation {evaluation_id!r}")
    return loaded, spec


def label(
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    suite: SuiteOption,
    evaluation_id: EvalOption,
    sample: Annotated[
        int, typer.Option(min=1, help="conversations to label (≥ 40: 10 per stratum in the test split)")
    ] = 40,
    target_fails: Annotated[
        int | None, typer.Option(help="judged-fail conversations among them (default half)")
    ] = None,
    labeller: Annotated[str | None, typer.Option(help="your name (default: the login name)")] = None,
    seed: Annotated[int, typer.Option(help="sampling seed")] = 0,
    db: DbOption = None,
) -> None:
    """Label conversations in the terminal: transcript, tool calls and policy, then pass/fail and a note.
    The judge's verdict is not shown, so it cannot anchor you. Each label is saved as you go."""
    loaded, spec = _suite_and_spec(suite, evaluation_id)
    store = open_store(db)
    run = stored_run(store, run_ref)
    who = labeller or default_labeller()
    verdicts = store.verdicts(run.id)
    chosen = pending_sample(store, spec.id, verdicts, who, sample, target_fails, seed)
    if not chosen:
        raise fail(f"nothing left to label for {spec.id} in run {run.id} (labeller {who})")
    labelling_session(store, spec, loaded.policy, chosen, who)


@labels_app.command("import")
def import_labels(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL: conversation_id, evaluation_id, label, note, labeller")],
    labeller: Annotated[str | None, typer.Option(help="labeller for rows that name none")] = None,
    db: DbOption = None,
) -> None:
    """Import labels (all or nothing: the first bad line is reported and nothing is written)."""
    store = open_store(db)
    try:
        labels = read_labels(file, store.existing_conversations(), labeller)
    except LabelFileError as exc:
        raise fail(str(exc)) from exc
    store.save_labels(labels)
    console.print(f"{len(labels)} labels imported from {file}")


@labels_app.command("export")
def export_labels(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL (by extension)")],
    evaluation_id: Annotated[str | None, typer.Option("--eval", help="only this evaluation")] = None,
    db: DbOption = None,
) -> None:
    """Write human labels (with their sampling design) as CSV or JSONL.

    Exit status 1, and no file written, when there is no label to export."""
    _check_output(file, "labels export")
    labels = open_store(db).labels(evaluation_id)
    scope = f"evaluation {evaluation_id}" if evaluation_id else "any evaluation"
    check_produced(len(labels), f"labels export: no human label stored for {scope}; nothing was written", [])
    write_labels(labels, file)
    console.print(f"{len(labels)} labels written to {file}")


def calibrate_command(
    suite: SuiteOption,
    evaluation_id: EvalOption,
    judge_model: Annotated[
        str | None, typer.Option(help="judge model (default: the one that judged the labelled run, else the suite's)")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")] = None,
    repeats: Annotated[int, typer.Option(min=1, max=15, help="judge each item k times: self-consistency")] = 1,
    split: Annotated[str, typer.Option(help="test (default), dev or all")] = "test",
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the report as JSON; '-': only JSON, on stdout")
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="show stored calibrations across prompt versions")] = False,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    db: DbOption = None,
) -> None:
    """Run the judge on the labelled conversations; agreement, κ, misses and false flags with 95% CIs.

    Exit status 1 when no labelled conversation could be compared (each left out by its reason: another
    split, the judge answered n/a or error, ...); the report, with those reasons, is still printed or written."""
    loaded, spec = _suite_and_spec(suite, evaluation_id)
    to_stdout = str(json_file) == STDOUT
    if json_file and not to_stdout:
        _check_output(json_file, "--json")
    store = open_store(db)
    if history:
        _print_history(store, spec.id)
        return
    if split not in ("test", "dev", "all"):
        raise fail("--split must be test, dev or all")
    settings = _judge_settings(loaded, store, spec.id, judge_model, base_url, quiet=to_stdout)
    pool = ModelPool()

    async def go() -> CalibrationReport:
        try:
            model = MeteredModel(pool.get(settings.judge, settings.base_url), TokenUsage())
            return await calibrate(spec, loaded.policy, store, model, repeats, split, seed, loaded.uncut_tools)
        finally:
            await pool.aclose()

    try:
        report = asyncio.run(go())
    except (ModelError, ValueError) as exc:
        raise fail(str(exc)) from exc
    store.save_calibration(spec.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    if to_stdout:
        print_document("calibration", report)
    else:
        _print_report(report)
    if json_file and not to_stdout:
        write_report(report, json_file)
        console.print(f"report written to {json_file}")
    excluded = [(reason, f"{n} labelled conversation(s)") for reason, n in report.excluded.items()]
    summary = f"no labelled conversation of {spec.id} could be compared with the judge ({report.split} split)"
    check_produced(report.n, summary, excluded, "left out")


def _judge_settings(
    suite: Suite, store: Store, evaluation_id: str, judge_model: str | None, base_url: str | None, quiet: bool
) -> ModelSettings:
    """The judge `calibrate` measures: --judge-model, else the judge of the run the labels came from, else the
    suite's; said on the terminal unless `quiet`."""
    try:
        judge = judge_model or labelled_judge_model(store, evaluation_id)
        settings = model_settings(suite, RoleOverrides(judge=judge, base_url=base_url))
    except (ModelError, ValueError) as exc:
        raise fail(str(exc)) from exc
    if not quiet:
        source = "--judge-model" if judge_model else "the labelled run's judge" if judge else "the suite's judge"
        console.print(f"judge {settings.judge} ({source})", highlight=False)
    return settings


def _check_output(path: Path, option: str) -> None:
    try:
        check_output_file(path, option)
    except OutputPathError as exc:
        raise fail(str(exc)) from exc


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _metrics_table(title: str, metrics: dict[str, Estimate]) -> Table:
    table = Table(title=title)
    for column in ("metric", "value", "95% CI"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, estimate in metrics.items():
        interval = "—" if estimate.low is None else f"[{estimate.low:.2f}, {estimate.high:.2f}]"
        interval = f"withheld: {estimate.withheld}" if estimate.withheld else interval
        table.add_row(name.replace("_", " "), _fmt(estimate.value), interval)
    return table


def _design_line(report: CalibrationReport) -> str:
    strata = ", ".join(f"{name} {n}" for name, n in sorted(report.strata.items()))
    if report.without_design == report.n:
        return "no sampling design recorded for these labels: treated as a simple random sample (weight 1)"
    line = f"population estimates weighted by 1/inclusion probability; labelled items per stratum: {strata}"
    if report.without_design:
        line += f"; {report.without_design} item(s) without a design counted as a simple random sample (weight 1)"
    return line


def _print_report(report: CalibrationReport) -> None:
    console.print(
        f"[bold]{report.evaluation_id}[/] prompt {report.prompt_hash} · judge {report.judge_model} · "
        f"{report.split} split · n={report.n} ({', '.join(f'{k} {v}' for k, v in sorted(report.n_by_class.items()))})",
        highlight=False,
    )
    console.print(escape(_design_line(report)), highlight=False)
    c, p = report.confusion, report.population_confusion
    matrix = Table(title="Confusion (fail is the positive class): sample count · estimated in the population")
    for column in ("", "judge fail", "judge pass"):
        matrix.add_column(column, justify="right")
    matrix.add_row("human fail", f"{c.true_fail} · {p.true_fail:.1f}", f"{c.missed_fail} · {p.missed_fail:.1f} missed")
    matrix.add_row(
        "human pass", f"{c.false_flag} · {p.false_flag:.1f} false flags", f"{c.true_pass} · {p.true_pass:.1f}"
    )
    emit(matrix)
    table = _metrics_table(
        "Population estimates: agreement with human labels (stratified Jeffreys 95% CI)", report.metrics
    )
    if report.self_flip_rate is not None:
        table.add_row(f"self-consistency flip rate ({report.repeats} repeats)", _fmt(report.self_flip_rate), "")
    if report.inter_labeller:
        il = report.inter_labeller
        table.add_row(f"inter-labeller agreement ({il.shared_items} shared)", _fmt(il.agreement), "")
        table.add_row("inter-labeller κ", _fmt(il.kappa), "")
    emit(table)
    console.print(
        _metrics_table("Sample (unweighted): the labelled items as they are, not the population", report.sample_metrics)
    )
    if report.mismatches:
        mismatches = Table(title="Mismatches: the human's note next to the judge's reasoning")
        for column in ("conversation", "human", "judge", "human note", "judge reasoning"):
            mismatches.add_column(column, overflow="fold")
        for m in report.mismatches:
            mismatches.add_row(m.conversation_id, m.human, m.judge, escape(m.human_note), escape(m.judge_reasoning))
        emit(mismatches)


def _print_history(store: Store, evaluation_id: str) -> None:
    rows = store.calibrations(evaluation_id)
    if not rows:
        raise fail(f"no calibration stored for {evaluation_id}")
    table = Table(title=f"Calibration history of {evaluation_id} (oldest first; population estimates)")
    for column in ("when", "prompt", "judge", "n", "agreement", "κ", "fail recall", "fail precision"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.prompt_hash,
            r.judge_model,
            str(r.report.get("n", "")),
            *(_fmt(r.metric(k)) for k in ("agreement", "kappa", "fail_recall", "fail_precision")),
        )
    emit(table)
