"""`sparring compare` (two runs, evaluation by evaluation) and `sparring noise` (runs of one configuration)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sparring.analysis import CI_LABEL, EvaluationComparison, compare_runs, scenario_groups, scenario_sources
from sparring.cli.common import DbOption, JsonOption, console, emit, fail, open_store, pct, print_json, stored_run
from sparring.cli.noise_view import noise_command
from sparring.data_model import Run
from sparring.suite import DEFAULT_MARGIN_POINTS, SuiteError, load_suite

AlphaOption = Annotated[float, typer.Option(min=0.0001, max=0.5, help="false discovery rate / significance level")]


def _points(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.0f}"


def _detects(c: EvaluationComparison) -> str:
    if c.method != "paired" or c.p_value is None:
        return "—"
    return "none" if c.detectable_drop is None else f"{c.detectable_drop * 100:.0f} pts"


def _comparison_table(title: str, results: list[EvaluationComparison]) -> Table:
    table = Table(title=title)
    table.add_column("evaluation", no_wrap=True)
    ci_label = CI_LABEL if any(c.method == "paired" for c in results) else "95% CI (none when unpaired)"
    columns = ("n", "A", "B", "Δ pts", ci_label, "p", "q (BH)", "verdict", "lower bound", "outcome", "detects ≥")
    for column in (*columns, "undecided", "errored"):
        table.add_column(column, justify="left" if column in ("verdict", "outcome") else "right")
    colour = {"improved": "green", "regressed": "red"}
    outcome_colour = {"pass": "green", "fail": "red", "inconclusive": "yellow"}
    for c in results:
        ci = "—" if c.ci_low is None else f"[{_points(c.ci_low)}, {_points(c.ci_high)}]"
        detects = _detects(c)
        verdict = f"[{colour[c.verdict]}]{c.verdict}[/]" if c.verdict in colour else c.verdict
        p_value = "—" if c.p_value is None else f"{c.p_value:.3f}"
        q_value = "—" if c.q_value is None else f"{c.q_value:.3f}"
        outcome = f"[{outcome_colour[c.outcome]}]{c.outcome}[/]" if c.outcome else "n/a"
        table.add_row(
            c.evaluation_id, str(c.shared_scenarios), pct(c.pass_rate_a), pct(c.pass_rate_b),
            _points(c.difference), ci, p_value, q_value, verdict, _points(c.lower_bound), outcome, detects,
            str(len(c.undecided)), str(len(c.errored)),
        )  # fmt: skip
    return table


def _scenario_table(results: list[EvaluationComparison], run_b: Run) -> Table:
    table = Table(
        title="Scenarios: pass fraction fell (regression) or rose (fix), ties, applicability changes, errored "
        "(B's errors count as fails)"
    )
    for column in ("change", "evaluation", "scenario", "A → B (passes/judged, majority)", "transcript in B"):
        table.add_column(column, no_wrap=column != "transcript in B")
    for c in results:
        for kind, scenarios in scenario_groups(c):
            for scenario in scenarios:
                shown = c.shown.get(scenario, "")
                table.add_row(kind, c.evaluation_id, scenario, shown, f"sparring show {run_b.id}:{scenario}:0")
    return table


def compare(
    baseline: Annotated[str, typer.Argument(help="run A: id, id prefix or label")],
    candidate: Annotated[str, typer.Argument(help="run B: id, id prefix or label")],
    alpha: AlphaOption = 0.05,
    seed: Annotated[
        int | None, typer.Option(help="resampling seed (bootstrap, permutations); default: run B's, as the viewer")
    ] = None,
    suite: Annotated[
        Path | None, typer.Option(help="suite folder: pairs a simulated run with an imported one via scenario sources")
    ] = None,
    margin: Annotated[
        float, typer.Option(min=0, max=100, help="non-inferiority margin in points: a drop up to this is accepted")
    ] = DEFAULT_MARGIN_POINTS,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Per evaluation: pass rates, difference with 95% CI, p and BH q, verdict, pass/fail/inconclusive vs margin.

    The decision against the margin comes with its reason; beside it, the smallest detectable drop."""
    try:
        scenarios = load_suite(suite).scenarios if suite else []
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    sources = scenario_sources(scenarios)
    store = open_store(db)
    run_a, run_b = stored_run(store, baseline), stored_run(store, candidate)
    report = compare_runs(store, run_a, run_b, sources, alpha, run_b.seed if seed is None else seed, margin / 100)
    if as_json:
        print_json(report)
        return
    results, how = report.comparisons, report.method
    emit(_comparison_table(f"{run_a.label} ({run_a.id}) → {run_b.label} ({run_b.id})", results))
    tested = sum(c.p_value is not None for c in results)
    console.print(f"{how}.\nverdict: BH-adjusted across {tested} evaluations, FDR {alpha:.0%}", highlight=False)
    console.print(_decision_rule(margin, alpha, tested), highlight=False)
    console.print(report.headline, highlight=False, markup=False)
    for c in results:
        if c.outcome in ("fail", "inconclusive"):
            console.print(f"{c.evaluation_id}: {c.reason}", highlight=False, markup=False)
    if any(c.method == "paired" and c.p_value is not None for c in results):
        console.print(
            "detects ≥: this comparison can detect changes of ≥ that many points (a drop in every scenario's "
            f"pass probability, power 0.8, the same test at {alpha:.0%} / {tested}, normal approximation); "
            "none: too few scenarios",
            highlight=False,
        )
    changed = _scenario_table(results, run_b)
    if changed.row_count:
        emit(changed)


def _decision_rule(margin: float, alpha: float, tested: int) -> str:
    return (
        f"outcome (margin {margin:g} points): pass when the one-sided 95% lower bound of B − A is above −{margin:g}; "
        f"fail when B − A is significantly below −{margin:g} (one-sided, Holm across {tested} evaluations at "
        f"{alpha:.0%}); otherwise inconclusive"
    )


def noise(
    run_refs: Annotated[list[str], typer.Argument(help="two or more runs of one unchanged configuration")],
    alpha: AlphaOption = 0.05,
    db: DbOption = None,
    as_json: JsonOption = False,
    plan: Annotated[
        float | None, typer.Option("--plan", min=0.1, max=100, help="margin in points: designs that detect it")
    ] = None,
) -> None:
    """Noise floor: per evaluation, flipped scenarios, pass-rate spread, detectable drop, trials for 5 and 10 points.

    The variance is split into judge (rejudges given among the runs), conversation and scenario; runs that replayed
    the cache are left out, by name. With --plan M: scenarios × trials × judge samples that detect M points at
    power 0.8, and their cost."""
    noise_command(run_refs, alpha, db, as_json, plan)
