"""`sparring fidelity`: how far a run's simulated customers are from real ones, and whether offline
pass rates track online ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sparring.analysis import RealismReport, online_comparison, plot_distributions, realism, run_summaries
from sparring.cli.common import STDOUT, DbOption, console, emit, err, fail, open_store, pct, print_document, stored_run
from sparring.suite import SuiteError, load_suite
from sparring.transcripts import FORMATS, CsvColumns, TranscriptError, read_transcripts


def fidelity(
    run_ref: Annotated[str, typer.Argument(help="a simulated run (id, prefix or label)")],
    real: Annotated[Path, typer.Option(help="real transcripts of the same domain (redacted on import)")],
    format: Annotated[str | None, typer.Option(help=f"one of {', '.join(FORMATS)} (default: from the file)")] = None,
    csv_columns: Annotated[str | None, typer.Option(help="CSV columns, e.g. conversation_id=conv,role=speaker")] = None,
    suite: Annotated[Path | None, typer.Option(help="the suite, for its hand-off tools")] = None,
    online: Annotated[
        str | None, typer.Option(help="a run of `sparring eval` on real transcripts: offline vs online")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="write the distributions chart: .png or .svg")] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the report as JSON; '-': only JSON, on stdout")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the classifier test")] = 0,
    db: DbOption = None,
) -> None:
    """Realism report: simulated vs real conversations side by side, vocabulary overlap, and a classifier
    two-sample test (50% accuracy: a classifier cannot tell simulated customers from real ones)."""
    if plot and plot.suffix.lower() not in (".png", ".svg"):
        raise fail(f"--plot {plot}: the chart is written as .png or .svg")
    store = open_store(db)
    run = stored_run(store, run_ref)
    try:
        handoff = load_suite(suite).config.backend.handoff_tools if suite else []
        real_conversations = [
            t.to_conversation("real")
            for t in read_transcripts(real, format, False, CsvColumns.parse(csv_columns)).transcripts
        ]
    except (SuiteError, TranscriptError, ValueError) as exc:
        raise fail(str(exc)) from exc
    simulated = store.conversations(run.id)
    if not simulated:
        raise fail(f"run {run.id} has no conversations")
    report = realism(simulated, real_conversations, handoff, seed)
    if online:
        online_run = stored_run(store, online)
        rows, pearson, spearman = online_comparison(run_summaries(store, run), run_summaries(store, online_run))
        report = report.model_copy(update={"online": rows, "pearson": pearson, "spearman": spearman})

    if str(json_file) == STDOUT:
        print_document("fidelity", report)
    else:
        _print_realism(report, f"Realism: {run.label} (simulated) vs {real.name} (real)")
    if plot:
        plot_distributions(simulated, real_conversations, plot)
        (err if str(json_file) == STDOUT else console).print(f"chart written to {plot}")
    if json_file and str(json_file) != STDOUT:
        json_file.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"report written to {json_file}")


def _print_realism(report: RealismReport, title: str) -> None:
    """The realism table, vocabulary overlap, the classifier test and, with --online, offline vs online."""
    table = Table(title=title)
    for column in ("measure", "simulated", "real"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    s, r = report.simulated, report.real
    table.add_row("conversations", str(s.conversations), str(r.conversations))
    table.add_row(
        "turns per conversation (mean / median)",
        f"{s.turns_mean:.1f} / {s.turns_median:g}",
        f"{r.turns_mean:.1f} / {r.turns_median:g}",
    )
    table.add_row(
        "words per customer message (mean / median)",
        f"{s.customer_words_mean:.1f} / {s.customer_words_median:g}",
        f"{r.customer_words_mean:.1f} / {r.customer_words_median:g}",
    )
    for label, attribute in (
        ("escalation rate", "escalation_rate"),
        ("satisfied ending rate", "satisfied_ending_rate"),
        ("conversations with tool calls", "tool_call_share"),
    ):
        table.add_row(label, pct(getattr(s, attribute)), pct(getattr(r, attribute)))
    emit(table)
    console.print(
        f"vocabulary overlap (Jaccard) {report.vocabulary_jaccard:.0%}; simulated words seen in real "
        f"{report.simulated_vocabulary_seen_in_real:.0%}"
    )
    if report.classifier_accuracy is None:
        console.print("classifier two-sample test: too few customer messages on one side")
    else:
        console.print(
            f"classifier two-sample test: {report.classifier_accuracy:.0%} accuracy telling simulated from real "
            f"customer messages ({report.classifier_messages} messages, 5-fold; 50% = indistinguishable)"
        )
    if report.online:
        comparison = Table(title="Offline (simulated) vs online (real) pass rates")
        for column in ("evaluation", "simulated", "real", "difference"):
            comparison.add_column(column, justify="left" if column == "evaluation" else "right")
        for row in report.online:
            difference = "—" if row.difference is None else f"{row.difference * 100:+.0f} pts"
            comparison.add_row(row.evaluation_id, pct(row.simulated), pct(row.real), difference)
        emit(comparison)
        if report.pearson is None:
            console.print("correlation across evaluations: too few evaluations with both pass rates")
        else:
            console.print(
                f"correlation across evaluations: Pearson {report.pearson:.2f}, Spearman {report.spearman:.2f}"
            )
