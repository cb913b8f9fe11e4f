"""A run: sample scenarios, simulate each conversation, judge it, commit it — concurrently.

Every (scenario, trial) conversation has a stable id, so `resume` finishes exactly what is missing.
"""

from __future__ import annotations

import asyncio
import copy
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sparring.agents import Agent
from sparring.analysis import EvaluationSummary, summarize
from sparring.backend import Backend, BackendState, build_state
from sparring.data_model import (
    CallStats,
    Conversation,
    EndReason,
    Outcome,
    Run,
    RunStatus,
    Scenario,
    TokenUsage,
    Verdict,
)
from sparring.evaluations import EvaluationSpec, Evaluator
from sparring.evaluations.spec import SIMULATOR_FAMILY
from sparring.models import CallPolicy, MeteredModel, ModelPool, ModelUnreachable
from sparring.runner.conversation import simulate
from sparring.runner.cost import estimate_conversation, role_cost
from sparring.runner.roles import AgentFactory, RoleOverrides, agent_factory, model_settings, open_models
from sparring.simulator import CustomerSimulator
from sparring.store import Store
from sparring.suite import Suite
from sparring.suite.config import Price
from sparring.transcripts import Transcript

ROLES = ("simulator", "agent", "judge")


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


@dataclass
class RunResult:
    run: Run
    summaries: list[EvaluationSummary]
    conversations: int
    wall_s: float


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


def conversation_id(run_id: str, scenario_id: str, trial: int) -> str:
    return f"{run_id}:{scenario_id}:{trial}"


@dataclass
class _RunContext:
    """Everything one conversation needs, fixed for the whole run."""

    suite: Suite
    run: Run
    pool: ModelPool
    make_agent: AgentFactory
    evaluations: list[EvaluationSpec]
    evaluator: Evaluator
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    transcripts: dict[str, Transcript] = field(default_factory=dict)  # imported runs: judged as they are
    initial_states: dict[str, dict[str, Any]] = field(default_factory=dict)

    def initial_state(self, scenario: Scenario) -> dict[str, Any]:
        """Snapshot ⊕ overrides at the run's clock; built once per scenario, whatever the trials."""
        if scenario.id not in self.initial_states:
            references = self.suite.config.backend.references
            self.initial_states[scenario.id] = build_state(
                self.suite.snapshot, scenario.backend_overrides, references, self.run.clock
            )
        return self.initial_states[scenario.id]

    def model(self, role: str, usage: TokenUsage, trial: int) -> MeteredModel:
        settings = self.run.settings
        return MeteredModel(self.pool.get(getattr(settings, role), settings.base_url), usage, trial)

    async def converse_and_judge(self, scenario: Scenario, trial: int) -> tuple[Conversation, list[Verdict]]:
        usage = {role: TokenUsage() for role in ROLES}
        run = self.run
        conversation = Conversation(
            id=conversation_id(run.id, scenario.id, trial),
            run_id=run.id,
            scenario_id=scenario.id,
            trial=trial,
            usage=usage,
        )
        if scenario.id in self.transcripts:
            return await self._judge_imported(self.transcripts[scenario.id], scenario, usage)
        initial = self.initial_state(scenario)
        backend = Backend(BackendState(copy.deepcopy(initial), run.clock), self.suite.tools)
        simulator = CustomerSimulator(scenario, self.model("simulator", usage["simulator"], trial), run.seed)
        clock = time.perf_counter()
        try:
            agent = self.make_agent(usage["agent"], trial)
            await simulate(
                conversation, simulator, agent, backend, run.max_turns, self.suite.config.backend.handoff_tools
            )
        except ModelUnreachable:
            raise
        except Exception as exc:  # one broken conversation must not sink the run; it is recorded as such
            conversation.end_reason = EndReason.ERROR
            conversation.error = f"{type(exc).__name__}: {exc}"
            conversation.final_state = backend.state.data
        conversation.duration_s = time.perf_counter() - clock
        if conversation.end_reason == EndReason.ERROR:
            reason = f"conversation failed: {conversation.error}"
            return conversation, [
                Verdict(evaluation_id=e.id, conversation_id=conversation.id, outcome=Outcome.ERROR, reasoning=reason)
                for e in self.evaluations
            ]
        judge = self.model("judge", usage["judge"], trial)
        return conversation, await self.evaluator.evaluate(conversation, scenario, initial, judge, run.clock)

    async def _judge_imported(
        self, transcript: Transcript, scenario: Scenario, usage: dict[str, TokenUsage]
    ) -> tuple[Conversation, list[Verdict]]:
        conversation = transcript.to_conversation(self.run.id).model_copy(update={"usage": usage})
        judge = self.model("judge", usage["judge"], 0)
        return conversation, await self.evaluator.evaluate(conversation, scenario, None, judge, self.run.clock)


def _new_run(suite: Suite, options: RunOptions) -> Run:
    started = datetime.now(UTC)
    settings = model_settings(suite, options.models)
    return Run(
        id=f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
        label=options.label or f"run-{started:%Y%m%d-%H%M%S}",
        suite=suite.name,
        settings=settings,
        seed=options.seed,
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


def _resumed_run(suite: Suite, store: Store, ref: str) -> Run:
    run = store.get_run(ref)
    if run.suite != suite.name:
        raise ValueError(f"run {run.id} belongs to suite {run.suite!r}, not {suite.name!r}")
    if run.status == RunStatus.COMPLETED:
        raise ValueError(f"run {run.id} is already completed")
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
    if options.executor == "ray":
        from sparring.runner.ray_executor import run_on_ray

        run = _resumed_run(suite, store, options.resume) if options.resume else _new_run(suite, options)
        return await run_on_ray(suite, store, run, options, observer, pool_factory)
    if options.executor != "local":
        raise ValueError(f"unknown executor {options.executor!r}: local or ray")
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = _resumed_run(suite, store, options.resume) if options.resume else _new_run(suite, options)
        context = build_context(suite, run, pool)
        return await _execute(context, store, options.concurrency, observer, options.max_cost_usd)
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


def build_context(suite: Suite, run: Run, pool: ModelPool) -> _RunContext:
    """Everything a conversation needs, for a local run or a Ray shard; fails early on a bad model."""
    open_models(pool, run.settings)
    evaluations = select_evaluations(suite, run.evaluation_ids)
    return _RunContext(
        suite, run, pool, agent_factory(suite, run.settings, pool, run.seed), evaluations, suite.evaluator(evaluations)
    )


async def evaluate_transcripts(
    suite: Suite,
    store: Store,
    transcripts: list[Transcript],
    source: str,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Judge real (imported) transcripts with the suite's evaluations: stored as a run like any other,
    so offline and online pass rates compare with `sparring compare`. Checks that need the mock
    backend's state are not applicable to them."""
    options = options or RunOptions()
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = _new_run(suite, options).model_copy(
            update={"scenario_ids": [t.id for t in transcripts], "trials": 1, "source": source}
        )
        pool.get(run.settings.judge, run.settings.base_url)  # fail on a misconfigured judge before any work
        evaluations = select_evaluations(suite, run.evaluation_ids)
        context = _RunContext(
            suite,
            run,
            pool,
            _no_agent,
            evaluations,
            suite.evaluator(evaluations),
            scenarios={t.id: imported_scenario(t) for t in transcripts},
            transcripts={t.id: t for t in transcripts},
        )
        return await _execute(context, store, options.concurrency, observer, options.max_cost_usd)
    finally:
        if own_pool:
            await pool.aclose()


def _no_agent(_usage: TokenUsage, _trial: int) -> Agent:
    raise RuntimeError("an imported run judges recorded conversations: it has no chatbot to call")


def imported_scenario(transcript: Transcript) -> Scenario:
    """The stand-in scenario of an imported transcript: its tags (metadata "tags") decide applicability."""
    tags = transcript.metadata.get("tags") or []
    return Scenario(
        id=transcript.id,
        title=f"imported from {transcript.source}",
        situation="a real conversation, imported",
        desired_outcome="unknown",
        tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
        source=transcript.source,
    )


def pending_work(run: Run, by_id: dict[str, Scenario], store: Store) -> list[tuple[Scenario, int]]:
    """The run's (scenario, trial) pairs not yet in the store: all of them for a new run, the rest on resume."""
    done = store.conversation_ids(run.id)
    return [
        (by_id[scenario_id], trial)
        for scenario_id in run.scenario_ids
        for trial in range(run.trials)
        if conversation_id(run.id, scenario_id, trial) not in done
    ]


async def run_conversations(
    context: _RunContext,
    store: Store,
    pending: list[tuple[Scenario, int]],
    usage: dict[str, TokenUsage],
    concurrency: int,
    observer: RunObserver | None = None,
    max_cost: float | None = None,
) -> int:
    """Simulate, judge and store each pending conversation (each committed as it finishes); `usage` grows
    as they finish. Returns how many the cost limit refused. The same code runs locally and in a Ray shard."""
    run = context.run
    # An embedded model serves one call at a time; interleaving conversations would only evict its KV cache.
    limit = min([concurrency] + [m.max_concurrency for m in context.pool.models()])
    semaphore = asyncio.Semaphore(max(1, limit))
    prices = context.suite.config.models.prices
    budget = _Budget(
        max_cost, _conversation_estimate(context), lambda: sum(role_cost(usage, run.settings, prices).values())
    )

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

    writer = _GroupCommit(store)

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


def finish_run(
    run: Run,
    store: Store,
    status: RunStatus,
    usage: dict[str, TokenUsage],
    stats: list[dict[str, CallStats]],
    prices: dict[str, Price],
) -> Run:
    """Record the run's final status, tokens, model-call statistics and cost."""
    call_stats = {name: s.model_copy() for name, s in run.call_stats.items()}
    for shard in stats:
        for name, counted in shard.items():
            call_stats.setdefault(name, CallStats()).add(counted)
    run = run.model_copy(
        update={
            "status": status,
            "usage": usage,
            "call_stats": call_stats,
            "cost_usd": role_cost(usage, run.settings, prices),
            "finished_at": datetime.now(UTC),
        }
    )
    store.save_run(run)
    return run


async def _execute(
    context: _RunContext, store: Store, concurrency: int, observer: RunObserver | None, max_cost: float | None
) -> RunResult:
    run = context.run
    pending = pending_work(run, context.scenarios or {s.id: s for s in context.suite.scenarios}, store)
    store.save_run(run)
    if observer:
        observer.started(run, len(pending))
    usage = {role: run.usage.get(role, TokenUsage()).model_copy() for role in ROLES}
    clock = time.perf_counter()
    status, refused = RunStatus.FAILED, 0
    try:
        refused = await run_conversations(context, store, pending, usage, concurrency, observer, max_cost)
        status = RunStatus.STOPPED if refused else RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        run = finish_run(run, store, status, usage, [context.pool.stats], context.suite.config.models.prices)
    wall = time.perf_counter() - clock
    summaries = summarize(store.verdicts(run.id), [e.id for e in context.evaluations], run.simulator_evaluation_ids)
    return RunResult(run, summaries, len(pending) - refused, wall)


class _GroupCommit:
    """Commits finished conversations off the event loop (so model calls in flight go on), each with its
    verdicts. Conversations that finish while a commit is under way go together in the next one: under
    load that saves round trips and lock waits on a shared database; alone, each commits at once.
    `save` returns only once its conversation is committed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.waiting: list[tuple[Conversation, list[Verdict], asyncio.Future[None]]] = []
        self.busy = False

    async def save(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((conversation, verdicts, done))
        if not self.busy:
            self.busy = True
            try:
                while self.waiting:
                    batch, self.waiting = self.waiting, []
                    try:
                        await asyncio.to_thread(self.store.save_conversations, [(c, v) for c, v, _ in batch])
                    except BaseException as exc:
                        for _, _, future in batch:
                            if not future.done():
                                future.set_exception(exc)
                        raise
                    for _, _, future in batch:
                        if not future.done():
                            future.set_result(None)
            finally:
                self.busy = False
        await done


def _conversation_estimate(context: _RunContext) -> float:
    judges = sum(e.kind == "judge" for e in context.evaluations)
    estimate = estimate_conversation(context.suite, context.run.settings, context.run.max_turns, judges)
    return sum(e.cost_usd for e in estimate.values())


class _Budget:
    """Admission control for --max-cost: a conversation starts only if, with every conversation in flight
    costing as much as the dearest one so far (the upper-bound estimate before any has finished), the run
    stays within the limit. Conversations are never cut in the middle."""

    def __init__(self, limit: float | None, estimate: float, spent: Callable[[], float]) -> None:
        self.limit, self.estimate, self.spent = limit, estimate, spent
        self.in_flight = 0
        self.refused = 0
        self._dearest: float | None = None

    def admit(self) -> bool:
        if self.limit is not None:
            per_conversation = self.estimate if self._dearest is None else self._dearest
            if self.spent() + (self.in_flight + 1) * per_conversation > self.limit:
                self.refused += 1
                return False
        self.in_flight += 1
        return True

    def done(self, cost: float | None) -> None:
        self.in_flight -= 1
        if cost is not None:
            self._dearest = max(self._dearest or 0.0, cost)
