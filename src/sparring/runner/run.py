"""A run: sample scenarios, simulate each conversation, judge it, commit it — concurrently.

Every (scenario, trial) conversation has a stable id, so `resume` finishes exactly what is missing.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sparring.analysis import EvaluationSummary
from sparring.analysis.report import run_summaries
from sparring.data_model import CallStats, Conversation, Run, RunStatus, Scenario, TokenUsage, Verdict
from sparring.evaluations import EvaluationSpec
from sparring.evaluations.spec import SIMULATOR_FAMILY
from sparring.models import CallPolicy, ModelPool
from sparring.runner.commit import Budget, GroupCommit
from sparring.runner.context import ROLES, RunContext, conversation_id
from sparring.runner.cost import estimate_conversation, role_cost
from sparring.runner.errors import ErrorSummary, retry_kinds
from sparring.runner.lease import Lease, run_lease
from sparring.runner.roles import RoleOverrides, agent_factory, model_settings, open_models
from sparring.store import Store
from sparring.suite import Suite
from sparring.suite.config import Price

__all__ = ["ROLES", "RunContext", "conversation_id"]  # re-exported for the Ray executor and callers


class RunObserver(Protocol):
    def started(self, run: Run, pending: int) -> None: ...

    def finished(self, conversation: Conversation, verdicts: list[Verdict]) -> None: ...


@dataclass
class RunOptions:
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
    executor: str = "local"  # local | ray
    ray_address: str | None = None  # ray.init address: None starts a local cluster, "auto", "ray://host:port"
    shards: int | None = None  # Ray: work units (default: the cluster's CPUs)
    retry_errors: str = "model"  # resume: try again errored conversations of these causes (model | all | none)
    lease_timeout_s: float = 60.0  # a lease without a heartbeat for this long can be taken over
    sampling_seed: int | None = None  # simulator and agent seed when not `seed` (a re-simulation's fresh one)


@dataclass
class RunResult:
    run: Run
    summaries: list[EvaluationSummary]
    conversations: int
    wall_s: float
    errors: ErrorSummary = field(default_factory=ErrorSummary)


def select_evaluations(suite: Suite, ids: list[str]) -> list[EvaluationSpec]:
    if not ids:
        return suite.evaluations
    known = {e.id for e in suite.evaluations}
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValueError(f"unknown evaluation ids: {', '.join(missing)}")
    return [e for e in suite.evaluations if e.id in set(ids)]


def select_scenarios(suite: Suite, options: RunOptions) -> list[Scenario]:
    """The same seed picks the same scenarios, so iterations compare on paired scenarios."""
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


def new_run(suite: Suite, options: RunOptions) -> Run:
    """A new run of the suite with these options: its id, label, settings, scenarios and evaluations."""
    started = datetime.now(UTC)
    settings = model_settings(suite, options.models)
    return Run(
        id=f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
        label=options.label or f"run-{started:%Y%m%d-%H%M%S}",
        suite=suite.name,
        settings=settings,
        seed=options.seed,
        sampling_seed=options.sampling_seed,
        scenario_ids=[s.id for s in select_scenarios(suite, options)],
        evaluation_ids=[e.id for e in select_evaluations(suite, options.evaluation_ids)],
        simulator_evaluation_ids=[
            e.id for e in select_evaluations(suite, options.evaluation_ids) if e.family == SIMULATOR_FAMILY
        ],
        trials=options.trials,
        max_turns=options.max_turns or suite.config.simulation.max_turns,
        clock=options.clock or suite.config.simulation.clock or started,
        started_at=started,
    )


def _resumed_run(suite: Suite, store: Store, ref: str, retry_errors: str) -> Run:
    run = store.get_run(ref)
    if run.suite != suite.name:
        raise ValueError(f"run {run.id} belongs to suite {run.suite!r}, not {suite.name!r}")
    if run.status == RunStatus.COMPLETED and not store.errored_conversations(run.id, retry_kinds(retry_errors)):
        raise ValueError(
            f"run {run.id} is already completed, with no errored conversation for --retry-errors {retry_errors}"
        )
    missing = set(run.scenario_ids) - {s.id for s in suite.scenarios}
    if missing:
        raise ValueError(f"run {run.id} needs scenarios the suite no longer has: {', '.join(sorted(missing))}")
    return run.model_copy(update={"status": RunStatus.RUNNING, "finished_at": None})


async def run_suite(
    suite: Suite,
    store: Store,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
    pool_factory: Callable[[], ModelPool] | None = None,
) -> RunResult:
    """Run a suite (or finish an interrupted run) and store everything as it completes. With
    `executor="ray"` the conversations run in shards on a Ray cluster (each worker builds its models
    with `pool_factory`, a plain ModelPool by default) into a store every worker can reach."""
    options = options or RunOptions()
    retry_kinds(options.retry_errors)  # a bad choice fails before anything is written
    if options.executor not in ("local", "ray"):
        raise ValueError(f"unknown executor {options.executor!r}: local or ray")
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = (
            _resumed_run(suite, store, options.resume, options.retry_errors)
            if options.resume
            else new_run(suite, options)
        )
        local = options.executor == "local"
        # A new run fails on a bad model before anything is written; a resume first takes the run's lease.
        context = build_context(suite, run, pool) if local and not options.resume else None
        if not options.resume:
            store.save_run(run)  # the lease row needs its run
        async with run_lease(store, run.id, options.lease_timeout_s) as lease:
            if not local:
                from sparring.runner.ray_executor import run_on_ray

                return await run_on_ray(suite, store, run, options, observer, pool_factory)
            return await execute_run(context or build_context(suite, run, pool), store, options, observer, lease)
    finally:
        if own_pool:
            await pool.aclose()


def configure_pool(pool: ModelPool, options: RunOptions, store: Store) -> ModelPool:
    """The run's call policy (concurrency, retries, timeout) and model-answer cache, on a pool."""
    pool.policy = CallPolicy(
        max_concurrency=options.concurrency, max_retries=options.max_retries, timeout_s=options.timeout_s
    )
    pool.cache = store if options.cache else None
    return pool


def build_context(suite: Suite, run: Run, pool: ModelPool) -> RunContext:
    """Everything a conversation needs, for a local run or a Ray shard; fails early on a bad model."""
    open_models(pool, run.settings)
    evaluations = select_evaluations(suite, run.evaluation_ids)
    seed = run.seed if run.sampling_seed is None else run.sampling_seed
    return RunContext(
        suite, run, pool, agent_factory(suite, run.settings, pool, seed), evaluations, suite.evaluator(evaluations)
    )


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


async def run_conversations(
    context: RunContext,
    store: Store,
    pending: list[tuple[Scenario, int]],
    usage: dict[str, TokenUsage],
    concurrency: int,
    observer: RunObserver | None = None,
    max_cost: float | None = None,
    snapshot: Callable[[], Run] | None = None,
) -> int:
    """Simulate, judge and store each pending conversation (each committed as it finishes, with the run row's
    `snapshot` when given); `usage` (what the run has spent so far) grows as they finish. Returns how many the
    cost limit refused. The same code runs locally and in a Ray shard."""
    run = context.run
    # An embedded model serves one call at a time; interleaving conversations would only evict its KV cache.
    limit = min([concurrency] + [m.max_concurrency for m in context.pool.models()])
    semaphore = asyncio.Semaphore(max(1, limit))
    prices = context.suite.config.models.prices
    budget = Budget(
        max_cost, _conversation_estimate(context), lambda: sum(role_cost(usage, run.settings, prices).values())
    )
    writer = GroupCommit(store, snapshot)

    async def one(scenario: Scenario, trial: int) -> None:
        async with semaphore:
            if not budget.admit():
                return
            cost = None
            try:
                conversation, verdicts = await context.converse_and_judge(scenario, trial)
                before = budget.spent()
                for role, counted in conversation.usage.items():
                    usage[role].add(counted)
                cost = budget.spent() - before
            finally:
                budget.done(cost)
        await writer.save(conversation, verdicts)
        if observer:
            observer.finished(conversation, verdicts)

    tasks = [asyncio.create_task(one(scenario, trial)) for scenario, trial in pending]
    try:
        await asyncio.gather(*tasks)
    finally:
        # Stop every sibling before returning, so nothing is written after the run's final status.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        store.flush_cache()
    return budget.refused


def accounted(
    run: Run, usage: dict[str, TokenUsage], stats: list[dict[str, CallStats]], prices: dict[str, Price]
) -> Run:
    """The run with its tokens and cost (`usage`) and its model-call statistics: those stored with it before
    this process plus `stats`, this process's."""
    call_stats = {name: s.model_copy() for name, s in run.call_stats.items()}
    for shard in stats:
        for name, counted in shard.items():
            call_stats.setdefault(name, CallStats()).add(counted)
    totals = {role: usage.get(role, TokenUsage()).model_copy() for role in ROLES}
    return run.model_copy(
        update={"usage": totals, "call_stats": call_stats, "cost_usd": role_cost(totals, run.settings, prices)}
    )


def finish_run(
    run: Run, store: Store, status: RunStatus, stats: list[dict[str, CallStats]], prices: dict[str, Price]
) -> Run:
    """Record the run's final status, model-call statistics, and tokens and cost summed over its stored
    conversations (whatever processes, crashes and resumes produced them)."""
    run = accounted(run, store.usage_totals(run.id), stats, prices)
    run = run.model_copy(update={"status": status, "finished_at": datetime.now(UTC)})
    store.save_run(run)
    return run


async def execute_run(
    context: RunContext, store: Store, options: RunOptions, observer: RunObserver | None, lease: Lease | None = None
) -> RunResult:
    """Run the context's pending conversations into the store and record the run's end (a local run, or
    imported transcripts): errored ones tried again on resume, spending counted from the store."""
    run = context.run
    if options.resume:
        context.earlier_usage = store.errored_conversations(run.id, retry_kinds(options.retry_errors))
    again = set(context.earlier_usage)
    pending = pending_work(run, context.scenarios or {s.id: s for s in context.suite.scenarios}, store, again)
    store.save_run(run)
    if observer:
        observer.started(run, len(pending))
    # What the run spent before (a resume); an errored attempt tried again is counted with its new attempt.
    spent = store.usage_totals(run.id, exclude=again)
    usage = {role: spent.get(role, TokenUsage()) for role in ROLES}
    prices = context.suite.config.models.prices
    clock = time.perf_counter()
    status, refused = RunStatus.FAILED, 0
    try:
        refused = await run_conversations(
            context,
            store,
            pending,
            usage,
            options.concurrency,
            observer,
            options.max_cost_usd,
            snapshot=lambda: accounted(run, usage, [context.pool.stats], prices),
        )
        status = RunStatus.STOPPED if refused else RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        if lease is None or lease.held:  # a process that lost its lease leaves the run to its new owner
            run = finish_run(run, store, status, [context.pool.stats], prices)
    wall = time.perf_counter() - clock
    summaries = run_summaries(store, run, [e.id for e in context.evaluations])  # counted by the database
    return RunResult(run, summaries, len(pending) - refused, wall, ErrorSummary.of_run(store, run.id))


def _conversation_estimate(context: RunContext) -> float:
    estimate = estimate_conversation(
        context.suite, context.run.settings, context.run.max_turns, judge_answers(context.evaluations)
    )
    return sum(e.cost_usd for e in estimate.values())


def judge_answers(evaluations: list[EvaluationSpec]) -> int:
    """Judge answers one conversation needs: every judge evaluation's samples (`judge_samples`)."""
    return sum(e.judge_samples for e in evaluations if e.kind == "judge")
