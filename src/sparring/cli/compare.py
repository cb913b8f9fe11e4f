"""`sparring compare`: two runs, evaluation by evaluation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sparring.analysis import (
    compare_outcomes,
    scenario_outcomes,
)
from sparring.cli.common import (
    DbOption,
    console,
    open_store,
    pct,
    stored_run,
)


def compare(
    baseline: Annotated[str, typer.Argument(help="run A: id, id prefix or label")],
    candidate: Annotated[str, typer.Argument(help="run B: id, id prefix or label")],
    alpha: Annotated[float, typer.Option(help="significance level of the paired test")] = 0.05,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    db: DbOption = None,
) -> None:
    """Per evaluation: both pass rates, difference with bootstrap 95% CI, exact McNemar p, regressions, fixes."""
    store = open_store(db)
    run_a, run_b = stored_run(store, baseline), stored_run(store, candidate)
    results = compare_outcomes(
        scenario_outcomes(store.scenario_outcome_rows(run_a.id)),
        scenario_outcomes(store.scenario_outcome_rows(run_b.id)),
        alpha,
        seed,
    )
    table = Table(title=f"{run_a.label} ({run_a.id}) → {run_b.label} ({run_b.id})")
    table.add_column("evaluation", no_wrap=True)
    for column in ("n", "A", "B", "Δ", "95% CI", "p", "verdict"):
        table.add_column(column, justify="left" if column == "verdict" else "right")
    colour = {"improved": "green", "regressed": "red"}
    for c in results:
        ci = "—" if c.ci_low is None else f"[{c.ci_low:+.0%}, {c.ci_high:+.0%}]"
        delta = "—" if c.difference is None else f"{c.difference:+.0%}"
        p_value = "—" if c.p_value is None else f"{c.p_value:.3f}"
        verdict = f"[{colour[c.verdict]}]{c.verdict}[/]" if c.verdict in colour else c.verdict
        table.add_row(
            c.evaluation_id,
            str(c.shared_scenarios),
            pct(c.pass_rate_a),
            pct(c.pass_rate_b),
            delta,
            ci,
            p_value,
            verdict,
        )
    console.print(table)
    flips = Table(title="Regressions (pass → fail) and fixes (fail → pass)")
    for column in ("change", "evaluation", "scenario", "transcript in B"):
        flips.add_column(column, no_wrap=column != "transcript in B")
    for c in results:
        for kind, scenarios in (("regression", c.regressions), ("fix", c.fixes)):
            for scenario in scenarios:
                flips.add_row(kind, c.evaluation_id, scenario, f"sparring show {run_b.id}:{scenario}:0")
    if flips.row_count:
        console.print(flips)
