"""The repeated-trials table a run's report shows when each scenario ran more than once."""

from __future__ import annotations

from rich.table import Table

from sparring.analysis import scenario_outcomes, trial_summary
from sparring.cli.common import pct
from sparring.data_model import Run
from sparring.store import Store


def trials_table(store: Store, run: Run) -> Table:
    table = Table(title=f"Repeated trials (k = {run.trials})")
    table.add_column("evaluation", no_wrap=True)
    for column in ("mean pass rate", "pass^k", "pass@k", "flaky scenarios"):
        table.add_column(column)
    for evaluation_id, per_scenario in sorted(scenario_outcomes(store.scenario_outcome_rows(run.id)).items()):
        t = trial_summary(evaluation_id, per_scenario)
        table.add_row(evaluation_id, pct(t.pass_rate), pct(t.pass_hat_k), pct(t.pass_at_k), ", ".join(t.flaky) or "—")
    return table
