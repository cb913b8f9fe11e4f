"""`sparring run`: simulate, judge, store, print pass rates; `--dry-run` estimates instead."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.agents import AgentLoadError
from sparring.analysis.runs import run_report
from sparring.cli.common import (
    DbOption,
    JsonOption,
    ProgressObserver,
    console,
    emit,
    err,
    fail,
    open_store,
    print_json,
    stored_run,
    usage_line,
)
from sparring.cli.process import (
    GATE_MODULES,
    REPORT_MODULES,
    close_for_exit,
    collector_for_a_run,
    imported_meanwhile,
)
from sparring.cli.reports import exit_if_failed, print_gates, print_run, run_gates
from sparring.data_model import RunStatus
from sparring.models import ModelError, check_model_spec
from sparring.output_paths import OutputPathError, check_output_file
from sparring.runner import RoleOverrides, RunOptions, RunResult, run_suite
from sparring.runner.cost import estimate_conversation
from sparring.runner.roles import model_settings, resolve_models
from sparring.runner.run import judge_answers, select_evaluations, select_scenarios
from sparring.store import NotFound, Store
from sparring.store.leases import RunLeased
from sparring.suite import Suite, SuiteError, load_agent_config, load_suite


def print_dry_run(suite: Suite, options: RunOptions) -> None:
    try:
        settings = model_settings(suite, options.models)
        conversations = len(select_scenarios(suite, options)) * options.trials
        judges = judge_answers(select_evaluations(suite, options.evaluation_ids))
    except (ModelError, ValueError) as exc:
        raise fail(str(exc)) from exc
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
    emit(table)
    priced = set(suite.config.models.prices)
    unpriced = sorted({getattr(settings, r) for r in per_conversation} - priced)
    note = f" (no price for {', '.join(unpriced)}: counted as free)" if unpriced else ""
    console.print(f"estimated cost at most US$ {total:.2f}{note}", highlight=False)


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
    agent_api_key_env: Annotated[
        str | None, typer.Option(help="http agent: environment variable with its own key (no key is sent by default)")
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
    retry_errors: Annotated[
        str, typer.Option(help="--resume tries errored conversations again: model (model-server faults) | all | none")
    ] = "model",
    lease_timeout: Annotated[
        float, typer.Option(min=1.0, help="seconds without a heartbeat before another process may take a run over")
    ] = 60.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate conversations, judge them, store everything, print pass rates."""
    try:
        loaded = load_suite(suite)
        variant = load_agent_config(agent_config) if agent_config else None
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    checked_outputs(junit, db)
    sampling_seed = None
    if resimulate_suspect:
        scenario, label = suspect_scenarios(resimulate_suspect, db, label)
        sampling_seed = secrets.randbits(31)  # simulated anew: no cached turn of the suspect run is replayed
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
        retry_errors=retry_errors,
        lease_timeout_s=lease_timeout,
        sampling_seed=sampling_seed,
        models=RoleOverrides(
            model=model,
            simulator=sim_model,
            agent_model=agent_model,
            judge=judge_model,
            base_url=base_url,
            agent=agent,
            agent_config=variant,
            agent_api_key_env=agent_api_key_env,
        ),
    )
    try:  # a model spec that cannot work (unknown provider, missing GGUF): one line, before the store is opened
        for spec in resolve_models(loaded, options.models).values():
            check_model_spec(spec)
    except ModelError as exc:
        raise fail(str(exc)) from exc
    if dry_run:
        print_dry_run(loaded, options)
        return
    store = open_store(db)
    result = run_with_progress(loaded, store, options, as_json, gates_wanted=gate or junit is not None)
    if as_json:
        report = run_report(store, result.run, result.summaries, min_kappa=loaded.config.calibration.min_kappa)
    else:
        report = print_run(result.run, result.summaries, store, loaded.config.calibration.min_kappa)
    too_many_errors = result.errors.too_many(loaded.config.max_error_rate)
    if not as_json:
        print_run_notes(result, store, max_cost, too_many_errors)
    gates = run_gates(loaded, result.run, store, junit, as_json) if gate or junit else None
    if as_json:
        from sparring.analysis.gate import RunCommandReport  # here: numpy and the gate code load only for --json

        print_json(RunCommandReport(report=report, gates=gates, errored_by_cause=result.errors.by_cause))
    elif gates is not None:
        print_gates(gates)
    close_for_exit(store)
    if gate and gates is not None:
        exit_if_failed(gates)
    if too_many_errors:
        share = f"{loaded.config.max_error_rate:.0%}"
        raise fail(f"more errored conversations than the suite's max_error_rate ({share}) allows", 1)


def run_with_progress(suite: Suite, store: Store, options: RunOptions, as_json: bool, gates_wanted: bool) -> RunResult:
    """The run under a progress bar (on stderr with --json), the collector tuned for it, and the modules the
    report after it needs imported while it waits on the network; a model or agent error is one line."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    progress = Progress(*columns, console=err if as_json else console, transient=False)
    preload = REPORT_MODULES + (GATE_MODULES if gates_wanted or as_json else ())
    with progress, collector_for_a_run(), imported_meanwhile(preload):
        try:
            return asyncio.run(run_suite(suite, store, options, observer=ProgressObserver(progress)))
        except (ModelError, AgentLoadError, ValueError, NotFound, RunLeased) as exc:
            raise fail(str(exc)) from exc
        except KeyboardInterrupt:
            raise fail("interrupted: finished conversations are stored; finish with --resume", 130) from None


def print_run_notes(result: RunResult, store: Store, max_cost: float | None, too_many_errors: bool) -> None:
    """After the tables: time and usage, a cost stop, where it is stored, the errored conversations by cause."""
    console.print(f"{result.conversations} conversations in {result.wall_s:.1f}s · {usage_line(result.run)}")
    if result.run.status == RunStatus.STOPPED:
        console.print(
            f"[yellow]stopped at the cost limit (US$ {max_cost}):[/] finished conversations are stored; "
            f"continue with --resume {result.run.id} --max-cost HIGHER"
        )
    console.print(f"stored in {store.url}; see it again with: sparring report {result.run.id}", highlight=False)
    if result.errors.errored:
        colour = "red" if too_many_errors else "yellow"
        console.print(f"[{colour}]{escape(result.errors.line())}[/]", highlight=False)


def checked_outputs(junit: Path | None, db: str | None) -> None:
    """Refuse an output file that cannot be written (`--junit`, a SQLite `--db`) before any model call."""
    try:
        if junit:
            check_output_file(junit, "--junit")
        if db and "://" not in db:
            check_output_file(Path(db), "--db")
    except OutputPathError as exc:
        raise fail(str(exc)) from exc


def suspect_scenarios(ref: str, db: str | None, label: str | None) -> tuple[list[str], str]:
    """The scenarios whose simulated customer failed its own checks in run `ref`, and the new run's label."""
    store = open_store(db)
    previous = stored_run(store, ref)
    scenarios = store.suspect_scenario_ids(previous.id, previous.simulator_evaluation_ids)
    if not scenarios:
        raise fail(f"run {previous.id} has no suspect (simulator) conversation to re-simulate")
    console.print(f"re-simulating {len(scenarios)} suspect scenario(s) of {previous.label}: {', '.join(scenarios)}")
    return scenarios, label or f"{previous.label}-resimulated"
