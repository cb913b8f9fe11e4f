"""What one conversation needs for a whole run, and the conversation itself: simulate, then judge."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from sparring.backend import BackendState, build_state
from sparring.data_model import Conversation, EndReason, Outcome, Run, Scenario, TokenUsage, Verdict
from sparring.data_model.conversation import ErrorKind
from sparring.evaluations import EvaluationSpec, Evaluator
from sparring.models import MeteredModel, ModelPool, ModelUnreachable
from sparring.runner.conversation import ConversationFailed, GuardedBackend, simulate
from sparring.runner.roles import AgentFactory
from sparring.simulator import CustomerSimulator
from sparring.suite import Suite
from sparring.transcripts import Transcript

ROLES = ("simulator", "agent", "judge")


def conversation_id(run_id: str, scenario_id: str, trial: int) -> str:
    """The stable id of one (scenario, trial) conversation of a run."""
    return f"{run_id}:{scenario_id}:{trial}"


@dataclass
class RunContext:
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
    # usage of errored attempts being tried again: carried into the new attempt, so no spending disappears
    earlier_usage: dict[str, dict[str, TokenUsage]] = field(default_factory=dict)

    def initial_state(self, scenario: Scenario) -> dict[str, Any]:
        """Snapshot ⊕ overrides at the run's clock; built once per scenario, whatever the trials."""
        if scenario.id not in self.initial_states:
            references = self.suite.config.backend.references
            self.initial_states[scenario.id] = build_state(
                self.suite.snapshot, scenario.backend_overrides, references, self.run.clock
            )
        return self.initial_states[scenario.id]

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
        """Simulate one conversation and judge it; a failed conversation gets an error verdict per evaluation."""
        conversation = self._new_conversation(scenario, trial)
        usage = conversation.usage
        if scenario.id in self.transcripts:
            return await self._judge_imported(self.transcripts[scenario.id], scenario, usage)
        run = self.run
        initial = self.initial_state(scenario)
        backend = GuardedBackend(BackendState(copy.deepcopy(initial), run.clock), self.suite.tools)
        seed = run.seed if run.sampling_seed is None else run.sampling_seed
        simulator = CustomerSimulator(scenario, self.model("simulator", usage["simulator"], trial), seed)
        clock = time.perf_counter()
        try:
            agent = self.make_agent(usage["agent"], trial)
            under_test = run.settings.agent_kind != "reference"
            handoffs = self.suite.config.backend.handoff_tools
            await simulate(conversation, simulator, agent, backend, run.max_turns, handoffs, under_test)
        except ConversationFailed as exc:  # one broken conversation must not sink the run; it is recorded as such
            _record_failure(conversation, exc.kind, str(exc), backend.state.data)
        except ModelUnreachable:
            raise
        except Exception as exc:
            _record_failure(conversation, ErrorKind.OTHER, f"{type(exc).__name__}: {exc}", backend.state.data)
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


def _record_failure(conversation: Conversation, kind: ErrorKind, error: str, state: dict[str, Any]) -> None:
    conversation.end_reason = EndReason.ERROR
    conversation.error = error
    conversation.error_kind = kind
    conversation.final_state = state
