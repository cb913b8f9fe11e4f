"""The repeated-trials table a run's report shows when each scenario ran more than once. Rendering only: the
figures come from `sparring.analysis.trials`."""

from __future__ import annotations

from rich.table import Table

from sparring.analysis import TrialFigures
from sparring.cli.common import pct
from sparring.data_model import Run


def trials_table(figures: list[TrialFigures], run: Run) -> Table:
    """Per evaluation: mean pass rate, errored trials, pass^k with its 95% interval and pass@k for k = 1..trials,
    flaky scenarios: the report's figures (`RunReport.trials`, from `sparring.analysis.pass_k.trial_figures`).

    pass^k and pass@k are the unbiased estimators over each scenario's n trials, averaged over scenarios;
    an errored trial counts in n and never as a pass."""
    table = Table(
        title=f"Repeated trials (k = {run.trials})",
        caption="pass^k: estimate [95% interval over scenarios, Clopper-Pearson on the scenario count]",
    )
    table.add_column("evaluation", no_wrap=True)
    ks = range(1, run.trials + 1)
    columns = ["mean pass rate", "errored", *(f"pass^{k}" for k in ks), f"pass@{run.trials}", "flaky scenarios"]
    for column in columns:
        table.add_column(column)
    for t in figures:
        intervals = {i.k: f"{pct(i.estimate)} [{pct(i.low)}, {pct(i.high)}]" for i in t.pass_hat_k_intervals}
        hat = [intervals.get(k, "—") for k in ks]
        at = pct(t.pass_at_k[run.trials - 1]) if run.trials <= len(t.pass_at_k) else "—"
        table.add_row(t.evaluation_id, pct(t.pass_rate), str(t.errored_trials), *hat, at, ", ".join(t.flaky) or "—")
    return table
