"""The build layer: what one conversation needs, fixed for the whole run (models, backend snapshot, customer,
agent, evaluations), and the conversation itself — simulated, or recorded and judged again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sparring.agents import close_agent
from sparring.backend import Backend, KnowledgeBackendFactory, SnapshotBackendFactory, StateView, diff_views
from sparring.data_model import Conversation, EndReason, ErrorKind, Outcome, Run, Scenario, TokenUsage, Verdict
from sparring.evaluations import EvaluationSpec, Evaluator, close_backend
from sparring.models import CallPolicy, MeteredModel, ModelPool, ModelUnreachable
from sparring.runner.conversation import ConversationFailed, GuardedBackend, simulate
from sparring.runner.cost import ROLES
from sparring.runner.plan import RunOptions, conversation_id, sampling_seed, select_evaluations
from sparring.runner.roles import AgentFactory, agent_factory, open_models
from sparring.simulator import Customer, CustomerSimulator
from sparring.store import Store
from sparring.suite import Suite

CustomerFactory = Callable[[Scenario, int, MeteredModel, int | None], Customer]
"""Builds the customer of one conversation from its scenario, trial, the simulator role's model and the seed."""


def simulated_customer(scenario: Scenario, _trial: int, model: MeteredModel, seed: int | None) -> Customer:
    """The default customer: the LLM simulator playing the scenario."""
    return CustomerSimulator(scenario, model, seed)


@dataclass
class RunContext:
    """Everything one conversation needs, fixed for the whole run. A conversation whose id is in `recorded`
    is not simulated: the recorded one is judged as it is (an imported transcript, a rejudged run), with the
    verdicts in `kept` added unchanged."""

    suite: Suite
    run: Run
    pool: ModelPool
    make_agent: AgentFactory
    evaluations: list[EvaluationSpec]
    evaluator: Evaluator
    make_customer: CustomerFactory = simulated_customer
    recorded: dict[str, Conversation] = field(default_factory=dict)
    kept: dict[str, list[Verdict]] = field(default_factory=dict)
    initial_states: dict[str, StateView] = field(default_factory=dict)
    # usage of errored attempts being tried again: carried into the new attempt, so no spending disappears
    earlier_usage: dict[str, dict[str, TokenUsage]] = field(default_factory=dict)

    def initial_state(self, scenario: Scenario) -> StateView:
        """The scenario's backend before any call, read-only (snapshot ⊕ overrides at the run's clock, for the
        snapshot backend); taken once per scenario, whatever the trials."""
        if scenario.id not in self.initial_states:
            self.initial_states[scenario.id] = self.suite.backend_factory()(scenario, self.run.clock).view()
        return self.initial_states[scenario.id]

    def _snapshot_digest(self, fresh: Backend) -> str:
        """The digest naming what a conversation began on: the snapshot file's, or a fresh backend's state's."""
        factory = self.suite.backend_factory()
        if isinstance(factory, KnowledgeBackendFactory):  # documents beside the suite's own backend
            factory = factory.inner
        return factory.snapshot.digest if isinstance(factory, SnapshotBackendFactory) else fresh.digest()

    def model(self, role: str, usage: TokenUsage, trial: int) -> MeteredModel:
        """The role's model, counting into `usage`, sampling as trial `trial`."""
        settings = self.run.settings
        return MeteredModel(self.pool.get(getattr(settings, role), settings.base_url), usage, trial)

    def _new_conversation(self, scenario: Scenario, trial: int) -> Conversation:
        cid = conversation_id(self.run.id, scenario.id, trial)
        earlier = self.earlier_usage.get(cid, {})
        usage = {role: earlier.get(role, TokenUsage()).model_copy() for role in ROLES}
        return Conversation(id=cid, run_id=self.run.id, scenario_id=scenario.id, trial=trial, usage=usage)

    async def converse_and_judge(self, scenario: Scenario, trial: int) -> tuple[Conversation, list[Verdict]]:
        """Simulate one conversation (or take the recorded one) and judge it; a failed conversation gets an
        error verdict per evaluation."""
        conversation = self._new_conversation(scenario, trial)
        recorded = self.recorded.get(conversation.id)
        if recorded is not None:
            conversation = recorded.model_copy(update={"usage": conversation.usage})
            initial = self.initial_state(scenario) if self.run.source == "simulated" else None
        else:
            initial = self.initial_state(scenario)
            await self._converse(conversation, scenario, trial, initial)
        if conversation.end_reason == EndReason.ERROR:
            reason = f"conversation failed: {conversation.error}"
            verdicts = [
                Verdict(evaluation_id=e.id, conversation_id=conversation.id, outcome=Outcome.ERROR, reasoning=reason)
                for e in self.evaluations
            ]
        else:
            judge = self.model("judge", conversation.usage["judge"], trial)
            verdicts = await self.evaluator.evaluate(conversation, scenario, initial, judge, self.run.clock)
        return conversation, verdicts + self.kept.get(conversation.id, [])

    async def _converse(self, conversation: Conversation, scenario: Scenario, trial: int, initial: Any) -> None:
        """Fill `conversation` by simulation; a failure is recorded in it (only an unreachable model raises)."""
        run, usage = self.run, conversation.usage
        backend = GuardedBackend(self.suite.backend_factory()(scenario, run.clock))
        conversation.snapshot_digest = self._snapshot_digest(backend)
        clock = time.perf_counter()
        try:
            customer = self.make_customer(
                scenario, trial, self.model("simulator", usage["simulator"], trial), sampling_seed(run)
            )
            agent = self.make_agent(usage["agent"], trial)
            under_test = run.settings.agent_kind != "reference"
            handoffs, opening = self.suite.config.backend.handoff_tools, scenario.opening_turns()
            try:
                await simulate(conversation, customer, agent, backend, run.max_turns, handoffs, under_test, opening)
            finally:
                await close_agent(agent)  # a deployed bot's served backend stops taking this conversation's calls
        except ConversationFailed as exc:  # one broken conversation must not sink the run; it is recorded as such
            _record_failure(conversation, exc.kind, str(exc))
        except ModelUnreachable:
            raise
        except Exception as exc:
            _record_failure(conversation, ErrorKind.OTHER, f"{type(exc).__name__}: {exc}")
        conversation.state_diff = diff_views(initial, backend.view())
        close_backend(backend.inner)
        conversation.duration_s = time.perf_counter() - clock


def _record_failure(conversation: Conversation, kind: ErrorKind, error: str) -> None:
    conversation.end_reason = EndReason.ERROR
    conversation.error = error
    conversation.error_kind = kind


def configure_pool(pool: ModelPool, options: RunOptions, store: Store) -> ModelPool:
    """The run's call policy (concurrency, retries, timeout) and model-answer cache, on a pool."""
    pool.policy = CallPolicy(
        max_concurrency=options.concurrency, max_retries=options.max_retries, timeout_s=options.timeout_s
    )
    pool.cache = store if options.cache else None
    return pool


def build_context(
    suite: Suite,
    run: Run,
    pool: ModelPool,
    make_customer: CustomerFactory = simulated_customer,
    evaluations: list[EvaluationSpec] | None = None,
) -> RunContext:
    """Everything a conversation needs, for a local run or a Ray shard; fails early on a bad model. Its
    `evaluations` are the plan's when given, else the run's own, resolved from the suite."""
    open_models(pool, run.settings)
    if evaluations is None:
        evaluations = select_evaluations(suite, run.evaluation_ids)
    return RunContext(
        suite,
        run,
        pool,
        agent_factory(suite, run.settings, pool, sampling_seed(run)),
        evaluations,
        suite.evaluator(evaluations),
        make_customer,
    )
