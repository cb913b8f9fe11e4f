"""Runs a list of evaluations on one conversation and returns one verdict per evaluation.

The Evaluator never asks which kind an evaluation is: judges and checks are both `Evaluation`s, built once
from their specs by `build_evaluations`.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sparring.data_model import Conversation, Outcome, Scenario, Verdict
from sparring.evaluations.check_functions import CheckFunction
from sparring.evaluations.deterministic import Check
from sparring.evaluations.judge import Judge
from sparring.evaluations.protocol import Evaluation, EvaluationContext, SuiteFacts
from sparring.evaluations.spec import SIMULATOR_FAMILY, EvaluationSpec
from sparring.models import MeteredModel, ModelUnreachable


def build_evaluations(
    specs: list[EvaluationSpec], checks: dict[str, CheckFunction], facts: SuiteFacts, judge_retries: int = 2
) -> list[Evaluation]:
    """The evaluation behind each spec: a `Judge` for a judge spec, a `Check` (with its function from
    `checks`, by evaluation id) for a check spec. The one place where the kind of a spec matters."""
    evaluations: list[Evaluation] = []
    for spec in specs:
        if spec.kind == "judge":
            evaluations.append(Judge(spec, facts.policy, judge_retries))
        else:
            evaluations.append(Check(spec, checks[spec.id], facts))
    return evaluations


def not_applicable_reason(evaluation: Evaluation, context: EvaluationContext) -> str | None:
    """Why the evaluation does not apply to this conversation, or None when it does."""
    if not evaluation.applies_to(context.scenario):
        return f"scenario tags {context.scenario.tags} include none of {evaluation.spec.applies_to}"
    unset = evaluation.spec.unset_fields(context.scenario)
    if unset:
        return f"the scenario sets no {' and no '.join(unset)}"
    if evaluation.family == SIMULATOR_FAMILY and not context.has_backend_state:
        return "a real customer, not a simulated one: simulator evaluations do not apply"
    return None


class Evaluator:
    """Runs its evaluations, in order, on each conversation it is given."""

    def __init__(self, evaluations: list[Evaluation], uncut_tools: frozenset[str] = frozenset()) -> None:
        self.evaluations = evaluations
        self.uncut_tools = uncut_tools  # tools whose answers judges read whole (`render_transcript`'s `uncut`)

    async def evaluate(
        self,
        conversation: Conversation,
        scenario: Scenario,
        initial_state: Mapping[str, Any] | None,
        judge_model: MeteredModel,
        now: datetime,
    ) -> list[Verdict]:
        """One verdict per evaluation. `initial_state` is None for an imported transcript (no mock backend).

        An evaluation that raises gets an error verdict (never a failed run); an unreachable judge endpoint
        raises `ModelUnreachable`, a fault of the run rather than of this conversation.
        """
        context = EvaluationContext(scenario, conversation, initial_state, judge_model, now, self.uncut_tools)
        # Judges run one after another: with a local model, consecutive prompts share the transcript
        # prefix and reuse the KV cache; a hosted judge is still bounded by the run's concurrency.
        return [await self._evaluate_one(evaluation, conversation, context) for evaluation in self.evaluations]

    @staticmethod
    async def _evaluate_one(evaluation: Evaluation, conversation: Conversation, context: EvaluationContext) -> Verdict:
        reason = not_applicable_reason(evaluation, context)
        if reason is not None:
            return evaluation.verdict(conversation, Outcome.NOT_APPLICABLE, reason)
        try:
            return await evaluation.evaluate(conversation, context)
        except ModelUnreachable:
            raise
        except Exception as exc:  # one broken evaluation is an error verdict, never a failed run
            reason = f"evaluation raised {type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)}"
            return evaluation.verdict(conversation, Outcome.ERROR, reason)
