"""The pass-rate table of a run's report: one row per evaluation. Rendering only: the figures come from
`sparring.analysis` (`EvaluationSummary`)."""

from __future__ import annotations

from rich.table import Table

from sparring.analysis import UNITS_CAPTION, EvaluationSummary


def summary_table(summaries: list[EvaluationSummary], title: str = "Pass rate per evaluation") -> Table:
    """One row per evaluation: counts, the pass rate with its errored count, unstable and suspect columns."""
    table = Table(title=title)
    table.add_column("evaluation", no_wrap=True)
    for column in ("pass", "fail", "error", "n/a", "applicable"):
        table.add_column(column, justify="right")
    table.add_column("pass rate", justify="right")
    unstable = any(s.unstable for s in summaries)
    suspect = any(s.suspect_failed or s.suspect_passed for s in summaries)
    if unstable:
        table.add_column("unstable", justify="right")
    if suspect:
        table.add_column("suspect (simulator) fails", justify="right")
        table.add_column("pass rate w/o suspect", justify="right")
    for s in summaries:
        cells = [str(s.passed), str(s.failed), str(s.errors), str(s.not_applicable), str(s.applicable)]
        cells.append(s.rate_text() if not s.errors else f"[red]{s.rate_text()}[/]")
        if unstable:
            cells.append(str(s.unstable))
        if suspect:
            trusted = "—" if s.trusted_pass_rate is None else f"{s.trusted_pass_rate:.0%}"
            cells += [str(s.suspect_failed), trusted]
        table.add_row(s.evaluation_id, *cells)
    table.caption = UNITS_CAPTION
    return table
