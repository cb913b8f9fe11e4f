"""The `sparring` command's runs: run, report, runs, show, compare, history, gate."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.agents import AgentLoadError
from sparring.analysis import (
    EvaluationComparison,
    EvaluationSummary,
    compare_outcomes,
    scenario_outcomes,
    summarize,
    summary_table,
    trial_summary,
)
from sparring.analysis.gate import check_gates
from sparring.analysis.history import history, plot_history
from sparring.analysis.junit import write_junit
from sparring.analysis.report import suspect_conversations
from sparring.calibration import calibration_warnings
from sparring.data_model import CustomerTurn, Outcome, Run, RunStatus
from sparring.models import ModelError
from sparring.runner import RoleOverrides, RunOptions, run_suite
from sparring.runner.cost import estimate_conversation
from sparring.runner.roles import model_settings
from sparring.runner.run import select_evaluations, select_scenarios
from sparring.store import RunNotFound, Store, StoreError
from sparring.suite import Suite, SuiteError, load_agent_config, load_suite

app = typer.Typer(help="Test a customer-support chatbot against simulated customers, offline.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="database URL or SQLite file (default .sparring/sparring.db)")
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _open_store(db: str | None) -> Store:
    try:
        return Store.open(db)
    except StoreError as exc:
        raise _fail(str(exc)) from exc


def _stored_run(store: Store, ref: str) -> Run:
    try:
        return store.get_run(ref)
    except RunNotFound as exc:
        raise _fail(str(exc)) from exc


def _run_header(run: Run) -> str:
    s = run.settings
    agent = s.agent_target if s.agent_kind != "reference" else f"reference ({s.agent})"
    return (
        f"run [bold]{run.id}[/]  label [bold]{run.label}[/]  suite {run.suite}  status {run.status.value}\n"
        f"agent {agent}  simulator {s.simulator}  judge {s.judge}"
    )


def _usage_line(run: Run) -> str:
    parts = [
        f"{role} {u.calls} calls ({u.cached_calls} cached) {u.prompt_tokens + u.completion_tokens} tokens"
        + (f" US$ {run.cost_usd[role]:.4f}" if run.cost_usd.get(role) else "")
        for role, u in run.usage.items()
    ]
    return "tokens: " + ", ".join(parts)


class _ProgressObserver:
    """Drives a Rich progress bar from the runner's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("conversations", total=None)

    def started(self, run: Run, pending: int) -> None:
        self.progress.update(self.task, total=pending, description=f"run {run.id}")

    def finished(self, conversation: object, verdicts: object) -> None:
        self.progress.advance(self.task)


def _dry_run(suite: Suite, options: RunOptions) -> None:
    try:
        settings = model_settings(suite, options.models)
        conversations = len(select_scenarios(suite, options)) * options.trials
        judges = sum(e.kind == "judge" for e in select_evaluations(suite, options.evaluation_ids))
    except (ModelError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    per_conversation = estimate_conversation(
        suite, settings, options.max_turns or suite.config.simulation.max_turns, judges
    )
    table = Table(title=f"Dry run: {conversations} conversations (upper bound; nothing is run or written)")
    for column in ("role", "model", "calls", "prompt tokens", "completion tokens", "cost US$"):
        table.add_column(column, justify="left" if column in ("role", "model") else "right")
    total = 0.0
    for role, e in per_conversation.items():
        total += e.cost_usd * conversations
        table.add_row(
            role,
            getattr(settings, role),
            f"{e.calls * conversations:,}",
            f"{e.prompt_tokens * conversations:,}",
            f"{e.completion_tokens * conversations:,}",
            f"{e.cost_usd * conversations:.2f}",
        )
    console.print(table)
    priced = set(suite.config.models.prices)
    unpriced = sorted({getattr(settings, r) for r in per_conversation} - priced)
    note = f" (no price for {', '.join(unpriced)}: counted as free)" if unpriced else ""
    console.print(f"estimated cost at most US$ {total:.2f}{note}", highlight=False)


def _call_stats_table(run: Run) -> Table | None:
    if not run.call_stats:
        return None
    table = Table(title="Model calls")
    table.add_column("model", no_wrap=True)
    for column in ("requests", "retries", "faults", "gave up", "cache hit/miss"):
        table.add_column(column, justify="right")
    kinds = (
        ("rate_limited", "429"),
        ("server_errors", "5xx"),
        ("timeouts", "timeout"),
        ("connection_errors", "conn"),
        ("malformed", "malformed"),
    )
    for name, st in run.call_stats.items():
        faults = ", ".join(f"{label}×{getattr(st, field)}" for field, label in kinds if getattr(st, field)) or "0"
        table.add_row(
            name, str(st.requests), str(st.retries), faults, str(st.gave_up), f"{st.cache_hits}/{st.cache_misses}"
        )
    return table


def _print_run(run: Run, summaries: list[EvaluationSummary], store: Store, min_kappa: float | None = None) -> None:
    console.print(_run_header(run), highlight=False)
    console.print(summary_table(summaries))
    if min_kappa is not None:
        for warning in calibration_warnings(store, run.id, min_kappa):
            console.print(f"[yellow]judge calibration:[/] {escape(warning)}", highlight=False)
    if run.trials > 1:
        console.print(_trials_table(store, run))
    stats = _call_stats_table(run)
    if stats is not None:
        console.print(stats)


def _trials_table(store: Store, run: Run) -> Table:
    table = Table(title=f"Repeated trials (k = {run.trials})")
    table.add_column("evaluation", no_wrap=True)
    for column in ("mean pass rate", "pass^k", "pass@k", "flaky scenarios"):
        table.add_column(column)
    for evaluation_id, per_scenario in sorted(scenario_outcomes(store.scenario_outcome_rows(run.id)).items()):
        t = trial_summary(evaluation_id, per_scenario)
        table.add_row(
            evaluation_id, _pct(t.pass_rate), _pct(t.pass_hat_k), _pct(t.pass_at_k), ", ".join(t.flaky) or "—"
        )
    return table


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _gate(suite: Suite, run: Run, store: Store, junit: Path | None, exit_on_failure: bool) -> None:
    specs = [e for e in suite.evaluations if e.id in set(run.evaluation_ids)] or suite.evaluations
    summaries = summarize(store.verdicts(run.id), [e.id for e in specs], run.simulator_evaluation_ids)

    def compare_with(baseline: str) -> list[EvaluationComparison]:
        base = store.get_run(baseline)
        return compare_outcomes(
            scenario_outcomes(store.scenario_outcome_rows(base.id)),
            scenario_outcomes(store.scenario_outcome_rows(run.id)),
            seed=run.seed,
        )

    results = check_gates(suite.config.gates, specs, summaries, compare_with)
    table = Table(title="Gates")
    for column in ("gate", "result", "detail"):
        table.add_column(column)
    for r in results:
        table.add_row(r.gate, "[green]pass[/]" if r.passed else "[red]FAIL[/]", r.detail)
    console.print(table if results else "no gates declared in the suite")
    if junit:
        write_junit(junit, run, specs, summaries, results)
        console.print(f"JUnit XML written to {junit}")
    failed = [r for r in results if not r.passed]
    if failed and exit_on_failure:
        err.print(f"[bold red]gate failed:[/] {len(failed)} of {len(results)} gates not met", highlight=False)
        raise typer.Exit(1)


@app.command()
def run(
    suite: Annotated[Path, typer.Argument(help="suite folder (with suite.yaml)")],
    model: Annotated[str | None, typer.Option(help="provider:model for every role, e.g. openai:gpt-4o-mini")] = None,
    agent_model: Annotated[str | None, typer.Option(help="model of the reference agent")] = None,
    sim_model: Annotated[str | None, typer.Option(help="model of the simulated customer")] = None,
    judge_model: Annotated[str | None, typer.Option(help="model of the LLM judges")] = None,
    base_url: Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")] = None,
    agent: Annotated[
        str | None, typer.Option(help="chatbot under test: reference | http(s)://endpoint/v1 | module:Class")
    ] = None,
    agent_config: Annotated[
        Path | None, typer.Option(help="YAML agent variant (the suite's agent: section), e.g. agents/case-state.yaml")
    ] = None,
    scenarios: Annotated[int | None, typer.Option(min=1, help="sample this many scenarios (by --seed)")] = None,
    scenario: Annotated[list[str] | None, typer.Option(help="run only this scenario id (repeatable)")] = None,
    eval: Annotated[list[str] | None, typer.Option("--eval", help="run only this evaluation id (repeatable)")] = None,
    trials: Annotated[int, typer.Option(min=1, help="conversations per scenario")] = 1,
    label: Annotated[str | None, typer.Option(help="name of this iteration")] = None,
    seed: Annotated[int, typer.Option(help="seed for sampling and models")] = 0,
    concurrency: Annotated[int, typer.Option(min=1, help="conversations and calls per model in flight")] = 8,
    max_turns: Annotated[int | None, typer.Option(min=1, help="customer messages before stopping")] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds before a model call is retried")] = 120.0,
    max_retries: Annotated[int, typer.Option(min=0, help="retries of a failed model call")] = 5,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="call models even for cached requests")] = False,
    resume: Annotated[str | None, typer.Option(help="finish an interrupted run (id or label)")] = None,
    max_cost: Annotated[
        float | None, typer.Option(min=0.0, help="US$: start no conversation that could pass this")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="estimate calls, tokens and cost; run nothing")] = False,
    gate: Annotated[bool, typer.Option("--gate", help="exit 1 when the suite's gates are not met")] = False,
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML (one test case per evaluation)")] = None,
    executor: Annotated[str, typer.Option(help="local (default) or ray: shards on a Ray cluster")] = "local",
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster: auto, ray://HOST:PORT (default: start a local one)")
    ] = None,
    shards: Annotated[int | None, typer.Option(min=1, help="Ray: work units (default: the cluster's CPUs)")] = None,
    resimulate_suspect: Annotated[
        str | None, typer.Option(help="run again the scenarios whose simulated customer failed its checks in RUN")
    ] = None,
    db: DbOption = None,
) -> None:
    """Simulate conversations, judge them, store everything, print pass rates."""
    try:
        loaded = load_suite(suite)
        variant = load_agent_config(agent_config) if agent_config else None
    except SuiteError as exc:
        raise _fail(str(exc)) from exc
    if resimulate_suspect:
        previous_store = _open_store(db)
        previous = _stored_run(previous_store, resimulate_suspect)
        suspects = suspect_conversations(previous_store.verdicts(previous.id), previous.simulator_evaluation_ids)
        if not suspects:
            raise _fail(f"run {previous.id} has no suspect (simulator) conversation to re-simulate")
        scenario = sorted({cid.split(":")[1] for cid in suspects})
        label = label or f"{previous.label}-resimulated"
        console.print(f"re-simulating {len(scenario)} suspect scenario(s) of {previous.label}: {', '.join(scenario)}")
    options = RunOptions(
        label=label,
        scenarios=scenarios,
        scenario_ids=scenario or [],
        evaluation_ids=eval or [],
        trials=trials,
        seed=seed,
        concurrency=concurrency,
        max_turns=max_turns,
        cache=not no_cache,
        max_retries=max_retries,
        timeout_s=timeout,
        resume=resume,
        max_cost_usd=max_cost,
        executor=executor,
        ray_address=ray_address,
        shards=shards,
        models=RoleOverrides(
            model=model,
            simulator=sim_model,
            agent_model=agent_model,
            judge=judge_model,
            base_url=base_url,
            agent=agent,
            agent_config=variant,
        ),
    )
    if dry_run:
        _dry_run(loaded, options)
        return
    store = _open_store(db)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        try:
            result = asyncio.run(run_suite(loaded, store, options, observer=_ProgressObserver(progress)))
        except (ModelError, AgentLoadError, ValueError, RunNotFound) as exc:
            raise _fail(str(exc)) from exc
        except KeyboardInterrupt:
            raise _fail("interrupted: finished conversations are stored; finish with --resume", 130) from None
    _print_run(result.run, result.summaries, store, loaded.config.calibration.min_kappa)
    console.print(f"{result.conversations} conversations in {result.wall_s:.1f}s · {_usage_line(result.run)}")
    if result.run.status == RunStatus.STOPPED:
        console.print(
            f"[yellow]stopped at the cost limit (US$ {max_cost}):[/] finished conversations are stored; "
            f"continue with --resume {result.run.id} --max-cost HIGHER"
        )
    console.print(f"stored in {store.url}; see it again with: sparring report {result.run.id}", highlight=False)
    if gate or junit:
        _gate(loaded, result.run, store, junit, exit_on_failure=gate)


@app.command()
def report(run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")], db: DbOption = None) -> None:
    """Print a stored run's pass rates again."""
    store = _open_store(db)
    stored = _stored_run(store, run_ref)
    verdicts = store.verdicts(stored.id)
    _print_run(stored, summarize(verdicts, stored.evaluation_ids or None, stored.simulator_evaluation_ids), store)
    failing = sorted({v.conversation_id for v in verdicts if v.outcome in (Outcome.FAIL, Outcome.ERROR)})
    console.print(f"{store.conversation_count(stored.id)} conversations · {_usage_line(stored)}")
    if failing:
        console.print("conversations with a fail or error: " + ", ".join(c.split(":", 1)[1] for c in failing))


@app.command()
def runs(db: DbOption = None, limit: Annotated[int, typer.Option(help="how many, newest first")] = 20) -> None:
    """List stored runs."""
    store = _open_store(db)
    table = Table(title="Runs")
    for column in ("id", "label", "suite", "status", "started", "conversations", "pass rate"):
        table.add_column(column)
    for item in store.list_runs(limit):
        verdicts = store.verdicts(item.id)
        summaries = summarize(verdicts)
        decided = sum(x.applicable for x in summaries)
        rate = _pct(sum(x.passed for x in summaries) / decided if decided else None)
        table.add_row(
            item.id,
            item.label,
            item.suite,
            item.status.value,
            f"{item.started_at:%Y-%m-%d %H:%M}",
            str(store.conversation_count(item.id)),
            rate,
        )
    console.print(table)


@app.command()
def compare(
    baseline: Annotated[str, typer.Argument(help="run A: id, id prefix or label")],
    candidate: Annotated[str, typer.Argument(help="run B: id, id prefix or label")],
    alpha: Annotated[float, typer.Option(help="significance level of the paired test")] = 0.05,
    seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    db: DbOption = None,
) -> None:
    """Per evaluation: both pass rates, difference with bootstrap 95% CI, exact McNemar p, regressions, fixes."""
    store = _open_store(db)
    run_a, run_b = _stored_run(store, baseline), _stored_run(store, candidate)
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
            _pct(c.pass_rate_a),
            _pct(c.pass_rate_b),
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


@app.command()
def show(conversation_id: Annotated[str, typer.Argument(help="RUN:SCENARIO:TRIAL")], db: DbOption = None) -> None:
    """Print one conversation: turns, the simulator's analysis, tool calls, verdicts with reasoning."""
    store = _open_store(db)
    try:
        conversation = store.conversation(conversation_id)
    except LookupError as exc:
        raise _fail(str(exc)) from exc
    for turn in conversation.turns:
        if isinstance(turn, CustomerTurn):
            analysis = f"  [dim]({turn.intent}; {turn.analysis.notes})[/]" if turn.analysis else ""
            console.print(f"[bold cyan]customer[/] {escape(turn.content)}{analysis}")
        else:
            for call in turn.tool_calls:
                answer = call.error or json.dumps(call.result, default=str)[:300]
                console.print(f"  [yellow]tool[/] {call.name}({json.dumps(call.arguments)}) → {escape(answer)}")
            console.print(f"[bold magenta]agent[/] {escape(turn.content)}")
    console.print(f"ended: {conversation.end_reason.value if conversation.end_reason else 'unfinished'}")
    for verdict in store.verdicts(conversation.run_id):
        if verdict.conversation_id == conversation_id:
            console.print(f"{verdict.evaluation_id}: [bold]{verdict.outcome.value}[/] — {escape(verdict.reasoning)}")


@app.command("history")
def history_command(
    suite: Annotated[str, typer.Argument(help="suite name or folder")],
    eval: Annotated[list[str] | None, typer.Option("--eval", help="only this evaluation (repeatable)")] = None,
    plot: Annotated[Path | None, typer.Option(help="write a chart: .png or .svg")] = None,
    db: DbOption = None,
) -> None:
    """Pass rate per evaluation across the suite's completed runs, oldest first; dips marked ▼."""
    name = load_suite(suite).name if Path(suite, "suite.yaml").is_file() else suite
    store = _open_store(db)
    histories = history(store, name, eval or None)
    if not histories:
        raise _fail(f"no completed runs of suite {name!r} in {store.url}")
    labels: list[str] = []
    for h in histories:
        labels += [p.label for p in h.points if p.label not in labels]
    table = Table(title=f"History of {name}")
    table.add_column("evaluation", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right")
    for h in histories:
        cells = {p.label: ("[red]▼[/]" if p.dip else "") + _pct(p.pass_rate) for p in h.points}
        table.add_row(h.evaluation_id, *(cells.get(label, "") for label in labels))
    console.print(table)
    if plot:
        if plot.suffix.lower() not in (".png", ".svg"):
            raise _fail(f"--plot {plot}: the chart is written as .png or .svg")
        plot_history(histories, plot, f"{name}: pass rate per iteration")
        console.print(f"chart written to {plot}")


@app.command("gate")
def gate_command(
    suite: Annotated[Path, typer.Argument(help="suite folder (its gates)")],
    run_ref: Annotated[str, typer.Argument(help="run id, id prefix or label")],
    junit: Annotated[Path | None, typer.Option(help="write JUnit XML")] = None,
    db: DbOption = None,
) -> None:
    """Check a stored run against the suite's gates; exit 1 when one is not met."""
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        raise _fail(str(exc)) from exc
    store = _open_store(db)
    stored = _stored_run(store, run_ref)
    _gate(loaded, stored, store, junit, exit_on_failure=True)
