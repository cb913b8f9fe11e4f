"""A run: sample scenarios, simulate each conversation, judge it, commit it — concurrently."""

from __future__ import annotations

import asyncio
import copy
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sparring.analysis import EvaluationSummary, summarize
from sparring.backend import Backend, BackendState, build_state
from sparring.data_model import (
    Conversation,
    EndReason,
    ModelSettings,
    Outcome,
    Run,
    RunStatus,
    Scenario,
    TokenUsage,
    Verdict,
)
from sparring.evaluations import EvaluationSpec, Evaluator
from sparring.models import MeteredModel, ModelPool, ModelUnreachable
from sparring.runner.conversation import simulate
from sparring.runner.roles import AgentFactory, RoleOverrides, agent_factory, model_settings, open_models
from sparring.simulator import CustomerSimulator
from sparring.store import Store
from sparring.suite import Suite

ProgressCallback = Callable[[Conversation, list[Verdict]], None]
ROLES = ("simulator", "agent", "judge")


@dataclass
class RunOptions:
    label: str | None = None
    scenarios: int | None = None  # sample this many (reproducible by seed)
    scenario_ids: list[str] = field(default_factory=list)
    evaluation_ids: list[str] = field(default_factory=list)
    seed: int = 0
    concurrency: int = 8
    max_turns: int | None = None
    models: RoleOverrides = field(default_factory=RoleOverrides)


@dataclass
class RunResult:
    run: Run
    summaries: list[EvaluationSummary]
    conversations: int
    wall_s: float


def select_evaluations(suite: Suite, options: RunOptions) -> list[EvaluationSpec]:
    if not options.evaluation_ids:
        return suite.evaluations
    known = {e.id for e in suite.evaluations}
    missing = [i for i in options.evaluation_ids if i not in known]
    if missing:
        raise ValueError(f"unknown evaluation ids: {', '.join(missing)}")
    return [e for e in suite.evaluations if e.id in set(options.evaluation_ids)]


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


@dataclass
class _RunContext:
    """Everything one conversation needs, fixed for the whole run."""

    suite: Suite
    run: Run
    pool: ModelPool
    settings: ModelSettings
    base_url: str | None
    make_agent: AgentFactory
    evaluations: list[EvaluationSpec]
    evaluator: Evaluator
    max_turns: int
    seed: int

    async def converse_and_judge(self, scenario: Scenario) -> tuple[Conversation, list[Verdict]]:
        usage = {role: TokenUsage() for role in ROLES}
        conversation = Conversation(
            id=f"{self.run.id}:{scenario.id}:0", run_id=self.run.id, scenario_id=scenario.id, usage=usage
        )
        now = datetime.now(UTC)
        backend_config = self.suite.config.backend
        initial = build_state(self.suite.snapshot, scenario.backend_overrides, backend_config.references, now)
        backend = Backend(BackendState(copy.deepcopy(initial), now), self.suite.tools)
        simulator_model = MeteredModel(self.pool.get(self.settings.simulator, self.base_url), usage["simulator"])
        simulator = CustomerSimulator(scenario, simulator_model, self.seed)
        clock = time.perf_counter()
        try:
            await simulate(
                conversation,
                simulator,
                self.make_agent(usage["agent"]),
                backend,
                self.max_turns,
                backend_config.handoff_tools,
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
        judge = MeteredModel(self.pool.get(self.settings.judge, self.base_url), usage["judge"])
        return conversation, await self.evaluator.evaluate(conversation, scenario, initial, judge, now)


async def run_suite(
    suite: Suite,
    store: Store,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    on_progress: ProgressCallback | None = None,
) -> RunResult:
    """Run a suite and store everything. Each finished conversation is committed as it completes."""
    options = options or RunOptions()
    own_pool = pool is None
    pool = pool or ModelPool()
    try:
        settings = model_settings(suite, options.models)
        base_url = options.models.base_url or suite.config.models.base_url
        open_models(pool, settings, base_url)
        scenarios = select_scenarios(suite, options)
        evaluations = select_evaluations(suite, options)
        started = datetime.now(UTC)
        run = Run(
            id=f"{started:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
            label=options.label or f"run-{started:%Y%m%d-%H%M%S}",
            suite=suite.name,
            settings=settings,
            seed=options.seed,
            scenario_ids=[s.id for s in scenarios],
            started_at=started,
        )
        context = _RunContext(
            suite,
            run,
            pool,
            settings,
            base_url,
            agent_factory(suite, settings, pool, base_url, options.seed),
            evaluations,
            Evaluator(evaluations, suite.checks, suite.policy, suite.config.simulation.judge_retries, suite.tools),
            options.max_turns or suite.config.simulation.max_turns,
            options.seed,
        )
        return await _execute(context, scenarios, store, options.concurrency, on_progress)
    finally:
        if own_pool:
            await pool.aclose()


async def _execute(
    context: _RunContext,
    scenarios: list[Scenario],
    store: Store,
    concurrency: int,
    on_progress: ProgressCallback | None,
) -> RunResult:
    run = context.run
    store.create_run(run)
    usage = {role: TokenUsage() for role in ROLES}
    # An embedded model serves one call at a time; interleaving conversations would only evict its KV cache.
    limit = min([concurrency] + [m.max_concurrency for m in context.pool.models()])
    semaphore = asyncio.Semaphore(max(1, limit))
    clock = time.perf_counter()

    async def one(scenario: Scenario) -> None:
        async with semaphore:
            conversation, verdicts = await context.converse_and_judge(scenario)
        for role, counted in conversation.usage.items():
            usage[role].add(counted)
        store.save_conversation(conversation, verdicts)
        if on_progress:
            on_progress(conversation, verdicts)

    status = RunStatus.FAILED
    try:
        await asyncio.gather(*(one(s) for s in scenarios))
        status = RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        store.finish_run(run.id, status, usage, datetime.now(UTC))
    order = [e.id for e in context.evaluations]
    summaries = summarize(store.verdicts(run.id), order)
    return RunResult(store.get_run(run.id), summaries, len(scenarios), time.perf_counter() - clock)
