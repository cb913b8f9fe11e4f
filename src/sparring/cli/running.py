"""`sparring run`: simulate, judge, store, print pass rates; `--dry-run` estimates instead. The command line is
parsed into one `RunOptions`; the library checks it (`check_models`), estimates it (`estimate_run`) or runs it
(`run_suite`); this module renders what they return."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sparring.agents import AgentLoadError
from sparring.analysis import run_report
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
from sparring.models import ModelError
from sparring.output_paths import OutputPathError, check_output_file
from sparring.runner import (
    ExecutorKind,
    RoleOverrides,
    RunEstimate,
    RunOptions,
    RunResult,
    check_models,
    estimate_run,
    run_suite,
)
from sparring.store import NotFound, RunLeased, Store
from sparring.suite import AgentConfig, Suite, SuiteError, load_agent_config, load_suite

SuiteArg = Annotated[Path, typer.Argument(help="suite folder (with suite.yaml)")]
ModelOpt = Annotated[str | None, typer.Option(help="provider:model for every role, e.g. openai:gpt-4o-mini")]
AgentModelOpt = Annotated[str | None, typer.Option(help="model of the reference agent")]
SimModelOpt = Annotated[str | None, typer.Option(help="model of the simulated customer")]
JudgeModelOpt = Annotated[str | None, typer.Option(help="model of the LLM judges")]
BaseUrlOpt = Annotated[str | None, typer.Option(help="base URL of an OpenAI-compatible server")]
AgentOpt = Annotated[
    str | None, typer.Option(help="chatbot under test: reference | http(s)://endpoint/v1 | module:Class")
]
AgentConfigOpt = Annotated[
    Path | None, typer.Option(help="YAML agent variant (the suite's agent: section), e.g. agents/case-state.yaml")
]
AgentKeyOpt = Annotated[
    str | None, typer.Option(help="http agent: environment variable with its own key (no key is sent by default)")
]
ScenariosOpt = Annotated[int | None, typer.Option(min=1, help="sample this many scenarios (by --seed)")]
ScenarioOpt = Annotated[list[str] | None, typer.Option(help="run only this scenario id (repeatable)")]
EvalOpt = Annotated[list[str] | None, typer.Option("--eval", help="run only this evaluation id (repeatable)")]
TrialsOpt = Annotated[int, typer.Option(min=1, help="conversations per scenario")]
LabelOpt = Annotated[str | None, typer.Option(help="name of this iteration")]
SeedOpt = Annotated[int, typer.Option(help="seed for sampling and models")]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, help="conversations and calls per model in flight")]
MaxTurnsOpt = Annotated[int | None, typer.Option(min=1, help="customer messages before stopping")]
TimeoutOpt = Annotated[float, typer.Option(min=0.1, help="seconds before a model call is retried")]
MaxRetriesOpt = Annotated[int, typer.Option(min=0, help="retries of a failed model call")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="call models even for cached requests")]
ResumeOpt = Annotated[str | None, typer.Option(help="finish an interrupted run (id or label)")]
MaxCostOpt = Annotated[float | None, typer.Option(min=0.0, help="US$: start no conversation that could pass this")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="estimate calls, tokens and cost; run nothing")]
GateOpt = Annotated[bool, typer.Option("--gate", help="exit 1 when the suite's gates are not met")]
JunitOpt = Annotated[Path | None, typer.Option(help="write JUnit XML (one test case per evaluation)")]
ExecutorOpt = Annotated[ExecutorKind, typer.Option(help="local (default) or ray: shards on a Ray cluster")]
RayAddressOpt = Annotated[
    str | None, typer.Option(help="Ray cluster: auto, ray://HOST:PORT (default: start a local one)")
]
ShardsOpt = Annotated[int | None, typer.Option(min=1, help="Ray: work units (default: the cluster's CPUs)")]
SuspectOpt = Annotated[
    str | None, typer.Option(help="run again the scenarios whose simulated customer failed its checks in RUN")
]
RetryErrorsOpt = Annotated[
    str, typer.Option(help="--resume tries errored conversations again: model (model-server faults) | all | none")
]
LeaseTimeoutOpt = Annotated[
    float, typer.Option(min=1.0, help="seconds without a heartbeat before another process may take a run over")
]


@dataclass
class RunCommand:
    """`sparring run`'s command line, as given (see the options above for each field)."""

    suite: Path
    model: str | None
    agent_model: str | None
    sim_model: str | None
    judge_model: str | None
    base_url: str | None
    agent: str | None
    agent_config: Path | None
    agent_api_key_env: str | None
    scenarios: int | None
    scenario: list[str] | None
    eval: list[str] | None
    trials: int
    label: str | None
    seed: int
    concurrency: int
    max_turns: int | None
    timeout: float
    max_retries: int
    no_cache: bool
    resume: str | None
    max_cost: float | None
    dry_run: bool
    gate: bool
    junit: Path | None
    executor: ExecutorKind
    ray_address: str | None
    shards: int | None
    resimulate_suspect: str | None
    retry_errors: str
    lease_timeout: float
    db: str | None
    as_json: bool

    def parse(self) -> tuple[Suite, RunOptions]:
        """The suite and the run's options; a bad suite, agent variant, output file or model is one line."""
        try:
            suite = load_suite(self.suite)
            variant = load_agent_config(self.agent_config) if self.agent_config else None
        except SuiteError as exc:
            raise fail(str(exc)) from exc
        checked_outputs(self.junit, self.db)
        options = self.options(variant)
        if self.resimulate_suspect:
            options.scenario_ids, options.label = suspect_scenarios(self.resimulate_suspect, self.db, self.label)
            options.sampling_seed = secrets.randbits(31)  # simulated anew: no cached turn of the suspect run replayed
        try:  # a model spec that cannot work (unknown provider, missing GGUF): one line, before the store is opened
            check_models(suite, options.models)
        except ModelError as exc:
            raise fail(str(exc)) from exc
        return suite, options

    def options(self, variant: AgentConfig | None) -> RunOptions:
        """The options the command line asks for, with the agent variant read from `agent_config`."""
        return RunOptions(
            label=self.label,
            scenarios=self.scenarios,
            scenario_ids=self.scenario or [],
            evaluation_ids=self.eval or [],
            trials=self.trials,
            seed=self.seed,
            concurrency=self.concurrency,
            max_turns=self.max_turns,
            cache=not self.no_cache,
            max_retries=self.max_retries,
            timeout_s=self.timeout,
            resume=self.resume,
            max_cost_usd=self.max_cost,
            executor=self.executor,
            ray_address=self.ray_address,
            shards=self.shards,
            retry_errors=self.retry_errors,
            lease_timeout_s=self.lease_timeout,
            models=RoleOverrides(
                model=self.model,
                simulator=self.sim_model,
                agent_model=self.agent_model,
                judge=self.judge_model,
                base_url=self.base_url,
                agent=self.agent,
                agent_config=variant,
                agent_api_key_env=self.agent_api_key_env,
            ),
        )


def run(
    suite: SuiteArg,
    model: ModelOpt = None,
    agent_model: AgentModelOpt = None,
    sim_model: SimModelOpt = None,
    judge_model: JudgeModelOpt = None,
    base_url: BaseUrlOpt = None,
    agent: AgentOpt = None,
    agent_config: AgentConfigOpt = None,
    agent_api_key_env: AgentKeyOpt = None,
    scenarios: ScenariosOpt = None,
    scenario: ScenarioOpt = None,
    eval: EvalOpt = None,
    trials: TrialsOpt = 1,
    label: LabelOpt = None,
    seed: SeedOpt = 0,
    concurrency: ConcurrencyOpt = 8,
    max_turns: MaxTurnsOpt = None,
    timeout: TimeoutOpt = 120.0,
    max_retries: MaxRetriesOpt = 5,
    no_cache: NoCacheOpt = False,
    resume: ResumeOpt = None,
    max_cost: MaxCostOpt = None,
    dry_run: DryRunOpt = False,
    gate: GateOpt = False,
    junit: JunitOpt = None,
    executor: ExecutorOpt = ExecutorKind.LOCAL,
    ray_address: RayAddressOpt = None,
    shards: ShardsOpt = None,
    resimulate_suspect: SuspectOpt = None,
    retry_errors: RetryErrorsOpt = "model",
    lease_timeout: LeaseTimeoutOpt = 60.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate conversations, judge them, store everything, print pass rates."""
    command = RunCommand(**locals())
    loaded, options = command.parse()
    if dry_run:
        try:
            estimate = estimate_run(loaded, options)
        except (ModelError, ValueError) as exc:
            raise fail(str(exc)) from exc
        print_dry_run(estimate)
    else:
        run_and_report(command, loaded, options)


def print_dry_run(estimate: RunEstimate) -> None:
    """The estimate's table, one row per role, and its total."""
    title = f"Dry run: {estimate.conversations} conversations (upper bound; nothing is run or written)"
    table = Table(title=title)
    for column in ("role", "model", "calls", "prompt tokens", "completion tokens", "cost US$"):
        table.add_column(column, justify="left" if column in ("role", "model") else "right")
    for role, e in estimate.per_role.items():
        table.add_row(
            role,
            getattr(estimate.settings, role),
            f"{e.calls:,}",
            f"{e.prompt_tokens:,}",
            f"{e.completion_tokens:,}",
            f"{e.cost_usd:.2f}",
        )
    emit(table)
    note = f" (no price for {', '.join(estimate.unpriced)}: counted as free)" if estimate.unpriced else ""
    console.print(f"estimated cost at most US$ {estimate.cost_usd:.2f}{note}", highlight=False)


def run_and_report(command: RunCommand, suite: Suite, options: RunOptions) -> None:
    """Run, then render: the pass rates, the notes, the gates (and JUnit) when asked; the exit status."""
    store = open_store(command.db)
    gated = command.gate or command.junit is not None
    result = run_with_progress(suite, store, options, command.as_json, gates_wanted=gated)
    if command.as_json:
        report = run_report(store, result.run, result.summaries, min_kappa=suite.config.calibration.min_kappa)
    else:
        report = print_run(result.run, result.summaries, store, suite.config.calibration.min_kappa)
    too_many_errors = result.errors.too_many(suite.config.max_error_rate)
    if not command.as_json:
        print_run_notes(result, store, command.max_cost, too_many_errors)
    gates = run_gates(suite, result.run, store, command.junit, command.as_json) if gated else None
    if command.as_json:
        from sparring.analysis import RunCommandReport  # here: numpy and the gate code load only for --json

        print_json(RunCommandReport(report=report, gates=gates, errored_by_cause=result.errors.by_cause))
    elif gates is not None:
        print_gates(gates)
    close_for_exit(store)
    if command.gate and gates is not None:
        exit_if_failed(gates)
    if too_many_errors:
        share = f"{suite.config.max_error_rate:.0%}"
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
