"""Runs every evaluation of a suite on one conversation and returns one verdict per evaluation."""

from __future__ import annotations

import asyncio
import traceback
from datetime import datetime
from typing import Any

from sparring.backend import Tool
from sparring.data_model import Conversation, Outcome, Scenario, Verdict
from sparring.evaluations.checks import CheckContext, CheckFunction, CheckResult
from sparring.evaluations.judge import Judge
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import render_transcript
from sparring.models.base import MeteredModel


class Evaluator:
    def __init__(
        self,
        specs: list[EvaluationSpec],
        checks: dict[str, CheckFunction],
        policy: str,
        judge_retries: int = 2,
        tools: dict[str, Tool] | None = None,
    ) -> None:
        self.specs = specs
        self.checks = checks
        self.tools = tools or {}
        self.policy = policy
        self.judges = {s.id: Judge(s, policy, judge_retries) for s in specs if s.kind == "judge"}

    async def evaluate(
        self,
        conversation: Conversation,
        scenario: Scenario,
        initial_state: dict[str, Any],
        judge_model: MeteredModel,
        now: datetime,
    ) -> list[Verdict]:
        transcript = render_transcript(conversation)
        context = CheckContext(conversation, scenario, self.policy, initial_state, now, self.tools)
        verdicts: list[Verdict] = []
        # Judges run one after another: with a local model, consecutive prompts share the transcript
        # prefix and reuse the KV cache; a hosted judge is still bounded by the run's concurrency.
        for spec in self.specs:
            verdicts.append(await self._one(spec, conversation, scenario, transcript, context, judge_model))
        return verdicts

    async def _one(
        self,
        spec: EvaluationSpec,
        conversation: Conversation,
        scenario: Scenario,
        transcript: str,
        context: CheckContext,
        judge_model: MeteredModel,
    ) -> Verdict:
        if not spec.applies(scenario.tags):
            return Verdict(
                evaluation_id=spec.id,
                conversation_id=conversation.id,
                outcome=Outcome.NOT_APPLICABLE,
                reasoning=f"scenario tags {scenario.tags} do not include any of {spec.applies_to}",
            )
        if spec.kind == "judge":
            return await self.judges[spec.id].judge(conversation, transcript, judge_model)
        return await asyncio.to_thread(self._run_check, spec, conversation, context)

    def _run_check(self, spec: EvaluationSpec, conversation: Conversation, context: CheckContext) -> Verdict:
        function = self.checks[spec.function or ""]
        try:
            result = function(context)
            if not isinstance(result, CheckResult):
                raise TypeError(f"check {spec.function} returned {type(result).__name__}, not CheckResult")
            outcome, reasoning = result.outcome, result.reasoning
        except Exception as exc:  # a broken check is reported as an error verdict, never as a pass
            outcome = Outcome.ERROR
            reasoning = f"check raised {exc!r}: {traceback.format_exc(limit=3)}"
        return Verdict(
            evaluation_id=spec.id,
            conversation_id=conversation.id,
            outcome=outcome,
            reasoning=reasoning,
            judge_model=f"check:{spec.function}",
        )
