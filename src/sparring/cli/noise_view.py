"""`sparring noise` rendered: the runs left out (replayed the cache), the noise floor, the variance split, and with
`--plan` the designs that detect a margin (all computed by sparring.analysis.noise_plan)."""

from __future__ import annotations

from rich.table import Table

from sparring.analysis import MAX_TRIALS, NoiseAnalysis, VarianceSplit, noise_analysis
from sparring.cli.common import console, emit, fail, open_store, pct, print_json, stored_run

PLANS_SHOWN = 4  # designs shown per evaluation, cheapest first


def _trials(value: int | None) -> str:
    return f"more than {MAX_TRIALS}" if value is None else str(value)


def _sd(variance: float | None) -> str:
    return "—" if variance is None else f"{variance**0.5 * 100:.1f} pts"


def noise_command(run_refs: list[str], alpha: float, db: str | None, as_json: bool, margin: float | None) -> None:
    """Load the runs, analyse them, print the report (or its JSON)."""
    if len(run_refs) < 2:
        raise fail(f"noise needs at least 2 runs of the same configuration, got {len(run_refs)}")
    store = open_store(db)
    runs = [stored_run(store, ref) for ref in run_refs]
    suites = sorted({r.suite for r in runs})
    if len(suites) > 1:
        raise fail(f"noise compares runs of one suite; these runs are of {', '.join(suites)}")
    try:
        report = noise_analysis(store, runs, alpha, None if margin is None else margin / 100)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        print_json(report)
        return
    for run_id, why in report.left_out.items():
        console.print(f"left out {run_id}: {why}", highlight=False)
    _floor(report)
    _variance(report.variance, len(report.rejudges))
    if margin is not None:
        _plans(report, margin)


def _floor(report: NoiseAnalysis) -> None:
    table = Table(title=f"Noise floor over {len(report.runs)} runs of {report.suite}")
    table.add_column("evaluation", no_wrap=True)
    columns = ("scenarios", "errored", "flipped", "pass rates", "sd", "detects ≥")
    for column in (*columns, "trials for 5 pts", "trials for 10 pts"):
        table.add_column(column, justify="right")
    for s in report.evaluations:
        table.add_row(
            s.evaluation_id, str(s.scenarios), str(s.errored), pct(s.flipped), " ".join(pct(r) for r in s.pass_rates),
            "—" if s.pass_rate_sd is None else f"{s.pass_rate_sd * 100:.1f} pts",
            "—" if s.detectable_drop is None else f"{s.detectable_drop * 100:.0f} pts",
            _trials(s.trials_for_5), _trials(s.trials_for_10),
        )  # fmt: skip
    emit(table)
    console.print(
        f"power 0.8 for a drop of that many points in every scenario's pass probability, paired sign-flip test "
        f"of per-scenario pass fractions at {report.alpha:.0%} / {len(report.evaluations)} evaluations (normal "
        "approximation); flipped: majority state (pass, fail, undecided) not the same in every run",
        highlight=False,
    )


def _variance(split: list[VarianceSplit], rejudges: int) -> None:
    table = Table(title="Where the noise comes from: SD of one judged trial's outcome (pass 1, fail 0), by source")
    table.add_column("evaluation", no_wrap=True)
    for column in ("conversations", "judged again", "judge", "conversation", "scenario"):
        table.add_column(column, justify="right")
    for s in split:
        row = (str(s.conversations), str(s.judged_again), _sd(s.judge), _sd(s.conversation), _sd(s.scenario))
        table.add_row(s.evaluation_id, *row)
    emit(table)
    if not rejudges:
        console.print(
            "judge: not measured (no rejudge among the runs: `sparring rejudge RUN --no-cache`, then give it here); "
            "the conversation column then holds the judge's share too",
            highlight=False,
        )


def _plans(report: NoiseAnalysis, margin: float) -> None:
    table = Table(title=f"Designs that detect a {margin:g}-point drop with power 0.8 (cheapest first)")
    table.add_column("evaluation", no_wrap=True)
    for column in ("scenarios", "trials", "judge samples", "conversations", "cost per run"):
        table.add_column(column, justify="right")
    for evaluation_id, rows in report.plans.items():
        for row in rows[:PLANS_SHOWN]:
            cost = "no price" if row.cost_usd is None else f"${row.cost_usd:,.2f}"
            scenarios = str(row.scenarios) + ("" if row.enough_scenarios else " (more than the suite has)")
            table.add_row(
                evaluation_id, scenarios, str(row.trials), str(row.judge_samples), str(row.conversations), cost
            )
    emit(table)
    console.print(
        f"paired comparison of per-scenario pass fractions at {report.alpha:.0%} / {len(report.plans)} evaluations; "
        "variance from the split above (judge samples taken as averaging the judge's noise); cost from these runs' "
        "priced usage per conversation",
        highlight=False,
    )
