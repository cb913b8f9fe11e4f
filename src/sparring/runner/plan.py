"""The plan layer: what a run does — its options, its scenarios × trials, and which conversations are pending
(all of them for a new run; the missing and the retried ones on resume). Plans touch no model."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from sparring.data_model import Run, RunStatus, Scenario, TokenUsage
from sparring.evaluations import SIMULATOR_FAMILY, EvaluationSpec
from sparring.runner.errors import retry_kinds
from sparring.runner.roles import RoleOverrides, check_openings_taken, model_settings
from sparring.store import Store
from sparring.suite import Suite


class ExecutorKind(StrEnum):
    """Where a run's conversations run: on this process's event loop, or in shards on a Ray cluster."""

    LOCAL = "local"
    RAY = "ray"


@dataclass
class RunOptions:
    """How to run a suite: which scenarios and evaluations, how often, how fast, at what cost, on which
    executor, and whether to finish an earlier run (`resume`) instead of starting a new one."""

    label: str | None = None
    scenarios: int | None = None  # sample this many (reproducible by seed)
    scenario_ids: list[str] = field(default_factory=list)
    evaluation_ids: list[str] = field(default_factory=list)
    trials: int = 1
    seed: int = 0
    concurrency: int = 8
    max_turns: int | None = None
    clock: datetime | None = None
    cache: bool = True
    max_retries: int = 5
    timeout_s: float | None = 120.0
    resume: str | None = None  # id or label of an interrupted run to finish
    max_cost_usd: float | None = None  # start no conversation that could take the run past this
    models: RoleOverrides = field(default_factory=RoleOverrides)
    executor: ExecutorKind = ExecutorKind.LOCAL
    ray_address: str | None = None  # ray.init address: None starts a local cluster, "auto", "ray://host:port"
    shards: int | None = None  # Ray: work units (default: the cluster's CPUs)
    retry_errors: str = "model"  # resume: try again errored conversations of these causes (model | all | none)
    lease_timeout_s: float = 60.0  # a lease without a heartbeat for this long can be taken over
    sampling_seed: int | None = None  # simulator and agent seed when not `seed` (a re-simulation's fresh one)


@dataclass
class RunPlan:
    """One run's work: the run row, its pending (scenario, trial) pairs, the evaluations that judge them
    (resolved once, here), and the stored (errored) conversation ids among them that are tried again. Every
    executor takes a plan."""

    run: Run
    pending: list[tuple[Scenario, int]]
    evaluations: list[EvaluationSpec]
    # errored conversations tried again, with what their failed attempts spent (carried into the new attempt)
    earlier_usage: dict[str, dict[str, TokenUsage]] = field(default_factory=dict)

    @property
    def again(self) -> set[str]:
        """Ids of the stored (errored) conversations this plan runs again."""
        return set(self.earlier_usage)


def conversation_id(run_id: str, scenario_id: str, trial: int) -> str:
    """The stable id of one (scenario, trial) conversation of a run."""
    return f"{run_id}:{scenario_id}:{trial}"


def select_evaluations(suite: Suite, ids: list[str]) -> list[EvaluationSpec]:
    """The suite's evaluations with these ids (all of them when `ids` is empty); an unknown id is a ValueError."""
    if not ids:
        return suite.evaluations
    known = {e.id for e in suite.evaluations}
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValueError(f"unknown evaluation ids: {', '.join(missing)}")
    return [e for e in suite.evaluations if e.id in set(ids)]


def select_scenarios(suite: Suite, options: RunOptions) -> list[Scenario]:
    """The run's scenarios, sorted by id. The same seed picks the same ones, so iterations pair up."""
    chosen = sorted(suite.scenarios, key=lambda s: s.id)
    if options.scenario_ids:
        known = {s.id for s in chosen}
        missing = [i for i in options.scenario_ids if i not in known]
        if missing:
            raise ValueError(f"unknown scenario ids: {', '.join(missing)}")
        chosen = [s for s in chosen if s.id in set(options.scenario_ids)]
    if options.scenarios is not None and options.scenarios < len(chosen):
        chosen = sorted(random.Random(options.seed).sample(chosen, options.scenarios), key=lambda s: s.id)
    return chosen


def judge_answers(evaluations: list[EvaluationSpec]) -> int:
    """Judge answers one conversation needs: every judge evaluation's samples (`judge_samples`)."""
    return sum(e.judge_samples for e in evaluations if e.kind == "judge")


def sampling_seed(run: Run) -> int:
    """The seed of the run's simulator and reference agent: its own sampling seed (a re-simulation's), else `seed`."""
    return run.seed if run.sampling_seed is None else run.sampling_seed


def new_run_id(started: datetime) -> str:
    """A fresh run id: its start time and a random suffix."""
    return f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def new_run(suite: Suite, options: RunOptions) -> Run:
    """A new run of the suite with these options: its id, label, settings, scenarios and evaluations."""
    started = datetime.now(UTC)
    evaluations = select_evaluations(suite, options.evaluation_ids)
    settings, scenarios = model_settings(suite, options.models), select_scenarios(suite, options)
    check_openings_taken(suite, settings, scenarios)
    return Run(
        id=new_run_id(started),
        label=options.label or f"run-{started:%Y%m%d-%H%M%S}",
        suite=suite.name,
        settings=settings,
        seed=options.seed,
        sampling_seed=options.sampling_seed,
        scenario_ids=[s.id for s in scenarios],
        evaluation_ids=[e.id for e in evaluations],
        simulator_evaluation_ids=[e.id for e in evaluations if e.family == SIMULATOR_FAMILY],
        trials=options.trials,
        max_turns=options.max_turns or suite.config.simulation.max_turns,
        clock=options.clock or suite.config.simulation.clock or started,
        started_at=started,
    )


def resumed_run(suite: Suite, store: Store, ref: str, retry_errors: str) -> Run:
    """The stored run `ref`, running again: refused when it belongs to another suite, is completed with nothing
    to retry, needs scenarios the suite no longer has, or is a rejudged or imported run (its own command finishes
    it, copying what it judges: nothing of it is simulated)."""
    run = store.get_run(ref)
    if run.suite != suite.name:
        raise ValueError(f"run {run.id} belongs to suite {run.suite!r}, not {suite.name!r}")
    if run.rejudged_from is not None:  # its conversations are copied, never simulated
        raise ValueError(f"run {run.id} is a rejudge: finish it with `sparring rejudge --resume {run.id}`")
    if run.source != "simulated":  # its conversations are transcripts, never simulated
        raise ValueError(f"run {run.id} judged {run.source}: finish it with `sparring eval FILE --resume {run.id}`")
    if run.status == RunStatus.COMPLETED and not store.errored_conversations(run.id, retry_kinds(retry_errors)):
        raise ValueError(
            f"run {run.id} is already completed, with no errored conversation for --retry-errors {retry_errors}"
        )
    missing = set(run.scenario_ids) - {s.id for s in suite.scenarios}
    if missing:
        raise ValueError(f"run {run.id} needs scenarios the suite no longer has: {', '.join(sorted(missing))}")
    return run.model_copy(update={"status": RunStatus.RUNNING, "finished_at": None})


def pending_work(
    run: Run, by_id: dict[str, Scenario], store: Store, again: set[str] | frozenset[str] = frozenset()
) -> list[tuple[Scenario, int]]:
    """The run's (scenario, trial) pairs not yet in the store, and those stored (errored) whose ids are in
    `again`: all of them for a new run, the rest on resume."""
    done = store.conversation_ids(run.id) - set(again)
    return [
        (by_id[scenario_id], trial)
        for scenario_id in run.scenario_ids
        for trial in range(run.trials)
        if conversation_id(run.id, scenario_id, trial) not in done
    ]


def plan_run(
    run: Run,
    by_id: dict[str, Scenario],
    evaluations: list[EvaluationSpec],
    store: Store,
    retry_errors: str | None,
) -> RunPlan:
    """The plan of a new run (`retry_errors` None) or a resumed one (errored conversations of the chosen causes
    tried again), judged by `evaluations`."""
    earlier = store.errored_conversations(run.id, retry_kinds(retry_errors)) if retry_errors else {}
    return RunPlan(run, pending_work(run, by_id, store, set(earlier)), evaluations, earlier)
