"""A deterministic check as an `Evaluation`: the suite's or the library's `@check` function, run in a thread
on the conversation and the mock backend's state."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

from sparring.data_model import Conversation, Outcome, Verdict
from sparring.evaluations.check_functions import CheckContext, CheckFunction, CheckResult, NoBackendState
from sparring.evaluations.protocol import EvaluationContext, SpecBacked, SuiteFacts
from sparring.evaluations.spec import EvaluationSpec


def qualified_name(spec: EvaluationSpec, function: CheckFunction) -> str:
    """What a check's verdicts name as their producer: `module.function` for a built-in check,
    `file.py:function` for a suite's own (its module name is generated at load, so the file is clearer)."""
    if spec.source == "builtin":
        return f"{function.__module__}.{function.__qualname__}"
    return f"{Path(spec.source).name}:{function.__qualname__}"


class Check(SpecBacked):
    """A deterministic evaluation: its verdicts carry the check's qualified name, never a model name."""

    def __init__(self, spec: EvaluationSpec, function: CheckFunction, facts: SuiteFacts) -> None:
        self.spec = spec
        self.function = function
        self.facts = facts
        self.name = qualified_name(spec, function)

    def verdict(self, conversation: Conversation, outcome: Outcome, reasoning: str) -> Verdict:
        """A verdict of this check, naming the check that produced it."""
        return Verdict(
            evaluation_id=self.id,
            conversation_id=conversation.id,
            outcome=outcome,
            reasoning=reasoning,
            check_name=self.name,
        )

    async def evaluate(self, conversation: Conversation, context: EvaluationContext) -> Verdict:
        """Run the function in a thread (a check may be slow, the event loop must not wait on it); an `async`
        check runs on the event loop and puts its own slow parts in threads."""
        check_context = CheckContext(
            conversation,
            context.scenario,
            self.spec.policy or self.facts.policy,
            context.initial_state or {},
            context.now,
            self.facts.tools,
            self.facts.action_tools,
            self.facts.handoff_tools,
            self.spec.params,
            has_backend_state=context.has_backend_state,
            backend=self.facts.backend,
            judge_model=context.judge_model,
        )
        if inspect.iscoroutinefunction(self.function):
            result = await self._run_async(check_context)
        else:
            result = await asyncio.to_thread(self._run, check_context)
        return self.verdict(conversation, result.outcome, result.reasoning)

    async def _run_async(self, context: CheckContext) -> CheckResult:
        try:
            answer = self.function(context)
            result = await answer if inspect.isawaitable(answer) else answer
        except NoBackendState as exc:
            return CheckResult(Outcome.NOT_APPLICABLE, str(exc))
        return self._checked(result)

    def _run(self, context: CheckContext) -> CheckResult:
        try:
            result = self.function(context)
        except NoBackendState as exc:
            return CheckResult(Outcome.NOT_APPLICABLE, str(exc))
        return self._checked(result)

    def _checked(self, result: object) -> CheckResult:
        if not isinstance(result, CheckResult):
            raise TypeError(f"check {self.spec.function} returned {type(result).__name__}, not CheckResult")
        return result
