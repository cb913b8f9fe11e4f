"""The `tau2_reward` check of an imported τ² suite: τ²'s reward of the conversation, passed only at 1.0."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sparring.data_model import Conversation, EndReason
from sparring.evaluations.checks import CheckContext, CheckFunction, CheckResult, check, failed, not_applicable, passed
from sparring.importers.tau2_backend import Tau2BackendFactory
from sparring.importers.tau2_reward import DETERMINISTIC, basis_of, tau2_reward

PREMATURE = (EndReason.MAX_TURNS, EndReason.ERROR)


def conversation_reward(factory: Tau2BackendFactory, scenario_id: str, conversation: Conversation) -> CheckResult:
    """The verdict for one conversation: τ²'s reward over the task's reward basis."""
    task = factory.task(scenario_id)
    if conversation.end_reason in PREMATURE:
        return failed(f"reward 0.0: τ² gives 0 to a conversation that ends early ({conversation.end_reason})")
    judged = [kind for kind in basis_of(task) if kind not in DETERMINISTIC] if task.evaluation_criteria else []
    if judged:
        return not_applicable(f"the reward basis includes {', '.join(judged)}, which needs a judge")
    texts = [turn.content for turn in conversation.agent_turns() if turn.content]
    reward = tau2_reward(factory.domain, task, conversation.tool_calls(), texts)
    shown = " × ".join(f"{kind} {reward.components[kind]:.0f}" for kind in reward.basis) or "no criteria"
    if reward.reward == 1.0:
        return passed(f"reward 1.0 ({shown})")
    return failed(f"reward {reward.reward:.1f} ({shown}); not met: {'; '.join(reward.missing[:3])}")


def reward_check(folder: str | Path) -> CheckFunction:
    """The `tau2_reward` check of a suite whose τ² domain data lies in `folder` (loaded on first use)."""
    factory = cache(lambda: Tau2BackendFactory.from_folder(folder))

    @check(family="resolution")
    def tau2_reward_check(ctx: CheckContext) -> CheckResult:
        """τ²-bench's reward is 1.0: the database ends as the gold actions leave it, and the required actions and
        information, as the task's reward basis asks (DB × COMMUNICATE by default)."""
        return conversation_reward(factory(), ctx.scenario.id, ctx.conversation)

    return tau2_reward_check
