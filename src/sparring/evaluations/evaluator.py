"""Runs every evaluation of a suite on one conversation and returns one verdict per evaluation."""

from __future__ import annotations

import asyncio
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparring.backend import Tool
from sparring.data_model import Conversation, Outcome, Scenario, Verdict
from sparring.evaluations.checks import CheckContext, CheckFunction, CheckResult, NoBackendState
from sparring.evaluations.judge import Judge
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import RenderedTranscript, render_transcript
from sparring.models.base import MeteredModel, ModelUnreachable


@dataclass
class SuiteFacts:
    """What checks may read about the suite beyond the conversation."""

    policy: str
    tools: dict[str, Tool] = field(default_factory=dict)
    action_tools: list[str] = field(default_factory=list)
    handoff_tools: list[str] = field(default_factory=list)


class Evaluator:
    def __init__(
        self,
        specs: list[EvaluationSpec],
        checks: dict[str, CheckFunction],
        facts: SuiteFacts,
        judge_retries: int = 2,
    ) -> None:
        self.specs = specs
        self.checks = checks
        self.facts = facts
        self.judges = {s.id: Judge(s, facts.policy, judge_retries) for s in specs if s.kind == "judge"}

    async def evaluate(
        self,
        conversation: Conversation,
        scenario: Scenario,
        initial_state: dict[str, Any] | None,
        judge_model: MeteredModel,
        now: datetime,
    ) -> list[Verdict]:
        """`initial_state` is None for an imported transcript: there was no mock backend."""
        transcript = render_transcript(conversation)
        verdicts: list[Verdict] = []
        # Judges run one after another: with a local model, consecutive prompts share the transcript
        # prefix and reuse the KV cache; a hosted judge is still bounded by the run's concurrency.
        for spec in self.specs:
            try:
                verdict = await self._evaluate_one(
                    spec, conversation, transcript, scenario, initial_state, judge_model, now
                )
            except ModelUnreachable:
                raise  # the judge's endpoint is down: a fault of the run, not of this conversation
            except Exception as exc:  # one broken evaluation is an error verdict, never a failed run
                reason = f"evaluation raised {type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)}"
                verdict = self._verdict(spec, conversation, CheckResult(Outcome.ERROR, reason))
            verdicts.append(verdict)
        return verdicts

    async def _evaluate_one(
        self,
        spec: EvaluationSpec,
        conversation: Conversation,
        transcript: RenderedTranscript,
        scenario: Scenario,
        initial_state: dict[str, Any] | None,
        judge_model: MeteredModel,
        now: datetime,
    ) -> Verdict:
        if not spec.applies(scenario.tags):
            reason = f"scenario tags {scenario.tags} include none of {spec.applies_to}"
            return self._verdict(spec, conversation, CheckResult(Outcome.NOT_APPLICABLE, reason))
        if spec.family == "simulator" and initial_state is None:
            reason = "a real customer, not a simulated one: simulator evaluations do not apply"
            return self._verdict(spec, conversation, CheckResult(Outcome.NOT_APPLICABLE, reason))
        if spec.kind == "judge":
            return await self.judges[spec.id].judge(conversation, transcript, judge_model, scenario)
        context = CheckContext(
            conversation,
            scenario,
            spec.policy or self.facts.policy,
            initial_state or {},
            now,
            self.facts.tools,
            self.facts.action_tools,
            self.facts.handoff_tools,
            spec.params,
            has_backend_state=initial_state is not None,
        )
        result = await asyncio.to_thread(self._run_check, spec, context)
        return self._verdict(spec, conversation, result, f"check:{spec.function}")

    def _run_check(self, spec: EvaluationSpec, context: CheckContext) -> CheckResult:
        try:
            result = self.checks[spec.id](context)
        except NoBackendState as exc:
            return CheckResult(Outcome.NOT_APPLICABLE, str(exc))
        if not isinstance(result, CheckResult):
            raise TypeError(f"check {spec.function} returned {type(result).__name__}, not CheckResult")
        return result

    @staticmethod
    def _verdict(
        spec: EvaluationSpec, conversation: Conversation, result: CheckResult, judge_model: str | None = None
    ) -> Verdict:
        return Verdict(
            evaluation_id=spec.id,
            conversation_id=conversation.id,
            outcome=result.outcome,
            reasoning=result.reasoning,
            judge_model=judge_model,
        )
