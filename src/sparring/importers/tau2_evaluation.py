"""The `tau2_reward` check of an imported τ² suite: τ²'s reward of the conversation, passed only at 1.0.

Its deterministic components run in a thread; a task whose reward basis includes NL_ASSERTION has its assertions
judged by the suite's judge model with τ²'s prompt and rule (`tau2_nl`), unless the other components already make
the reward 0 (τ² would ask the judge too; the reward is the same). A judge that gives no usable answer makes the
verdict an error, never a pass.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from sparring.data_model import AgentTurn, Conversation, EndReason, ToolCallRecord
from sparring.evaluations import CheckContext, CheckFunction, CheckResult, check, failed, passed
from sparring.importers.tau2_backend import Tau2BackendFactory
from sparring.importers.tau2_nl import judge_assertions, prompt_hash
from sparring.importers.tau2_reward import JUDGED, Tau2Reward, needs_judge, tau2_reward
from sparring.models import MeteredModel

PREMATURE = (EndReason.MAX_TURNS, EndReason.ERROR)


class NoJudge(RuntimeError):
    """A reward basis with NL_ASSERTION and no judge model to ask (an error verdict, never a pass)."""


def verdict_of(reward: Tau2Reward, judged_by: str = "") -> CheckResult:
    """Passed at reward 1.0, failed below, with every component and what was not met."""
    shown = " × ".join(f"{kind} {reward.components[kind]:.0f}" for kind in reward.basis) or "no criteria"
    if reward.reward == 1.0:
        return passed(f"reward 1.0 ({shown}){judged_by}")
    return failed(f"reward {reward.reward:.1f} ({shown}); not met: {'; '.join(reward.missing[:3])}{judged_by}")


async def conversation_reward(
    factory: Tau2BackendFactory, scenario_id: str, conversation: Conversation, judge: MeteredModel | None = None
) -> CheckResult:
    """The verdict for one conversation: τ²'s reward over the task's reward basis (`judge` decides NL assertions)."""
    task = factory.task(scenario_id)
    if conversation.end_reason in PREMATURE:
        return failed(f"reward 0.0: τ² gives 0 to a conversation that ends early ({conversation.end_reason})")
    texts = [turn.content for turn in conversation.agent_turns() if turn.content]
    calls, whose = ordered_calls(conversation)
    if not needs_judge(task):
        return verdict_of(await asyncio.to_thread(tau2_reward, factory.domain, task, calls, texts, None, whose))
    deterministic = await asyncio.to_thread(tau2_reward, factory.domain, task, calls, texts, (), whose)
    if deterministic.reward == 0.0:
        return verdict_of(deterministic, f"; {JUDGED} not judged: the reward is 0 whatever the judge says")
    if judge is None:
        raise NoJudge(f"the reward basis includes {JUDGED}, which needs the suite's judge model")
    judgement = await judge_assertions(judge, conversation, task.evaluation_criteria.nl_assertions or [])
    if judgement.component is None:
        raise ValueError(
            f"the NL-assertion judge gave no usable answer in {judgement.attempts} attempts: {judgement.problem}"
        )
    reward = tau2_reward(factory.domain, task, calls, texts, judgement.unmet(), whose)
    return verdict_of(reward, f" [{JUDGED} judged by {judge.name}, τ² prompt {prompt_hash()}]")


def ordered_calls(conversation: Conversation) -> tuple[list[ToolCallRecord], list[str]]:
    """Every tool call in the order made, the agent's and the customer's own, with τ²'s requestor of each."""
    calls: list[ToolCallRecord] = []
    whose: list[str] = []
    for turn in conversation.turns:
        requestor = "assistant" if isinstance(turn, AgentTurn) else "user"
        calls += turn.tool_calls
        whose += [requestor] * len(turn.tool_calls)
    return calls, whose


def reward_check(folder: str | Path) -> CheckFunction:
    """The `tau2_reward` check of a suite whose τ² domain data lies in `folder` (loaded on first use)."""
    factory = cache(lambda: Tau2BackendFactory.from_folder(folder))

    @check(family="resolution")
    async def tau2_reward_check(ctx: CheckContext) -> CheckResult:
        """τ²-bench's reward is 1.0: the database ends as the gold actions leave it, and the required actions,
        information and NL assertions (judged), as the task's reward basis asks (DB × COMMUNICATE by default)."""
        return await conversation_reward(factory(), ctx.scenario.id, ctx.conversation, ctx.judge_model)

    return tau2_reward_check
