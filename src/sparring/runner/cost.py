"""Money: cost per role from token counts and the suite's price table, and estimates before a run."""

from __future__ import annotations

from pydantic import BaseModel

from sparring.data_model import ModelSettings, TokenUsage
from sparring.suite import Price, Suite

ROLES = ("simulator", "agent", "judge")


def role_cost(usage: dict[str, TokenUsage], settings: ModelSettings, prices: dict[str, Price]) -> dict[str, float]:
    """Dollars per role; a model without a price (the embedded one, say) costs nothing."""
    cost = {}
    for role in ROLES:
        price = prices.get(getattr(settings, role))
        used = usage.get(role, TokenUsage())
        cost[role] = (used.prompt_tokens * price.input + used.completion_tokens * price.output) / 1e6 if price else 0.0
    return cost


class RoleEstimate(BaseModel):
    """One role's upper-bound estimate for a conversation: calls, tokens and dollars."""

    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


# Completion limits the roles' requests set (max_tokens): no answer is longer, so they bound completions.
SIMULATOR_MESSAGE_TOKENS, SIMULATOR_ANALYSIS_TOKENS, AGENT_TOKENS, JUDGE_TOKENS = 120, 160, 300, 300
ANALYSIS_ATTEMPTS = 2  # the customer's self-analysis is asked again once when unreadable
TOOL_RESULT_TOKENS = 200  # a tool result, as the agent is shown it
RETRY_PROMPT_TOKENS = 100  # the "your answer was unusable because ..." message of a retried structured answer


def estimate_conversation(
    suite: Suite, settings: ModelSettings, max_turns: int, judge_answers: int
) -> dict[str, RoleEstimate]:
    """Upper bound for one conversation: every turn used, every tool round taken, every answer as long as its
    request allows, every one of the `judge_answers` (judge evaluations × their judge_samples) retried as often
    as `judge_retries` allows, each retry shown the unusable answer.

    Prompt sizes come from the suite's own texts (policy, tool schemas, the longest scenario brief) and grow
    with each turn by the longest customer message, agent reply and tool results. An estimate, not a quote:
    a tool that returns more than the allowance can exceed it.
    """
    rounds = suite.config.agent.max_tool_rounds + 1
    policy = _tokens(suite.policy)
    tools = sum(_tokens(t.spec.model_dump_json()) for t in suite.tools.values())
    brief = max((_tokens(s.model_dump_json()) for s in suite.scenarios), default=300)
    per_turn = SIMULATOR_MESSAGE_TOKENS + rounds * (AGENT_TOKENS + TOOL_RESULT_TOKENS)
    analysis_prompt = ANALYSIS_ATTEMPTS * (brief + 200) + SIMULATOR_ANALYSIS_TOKENS + RETRY_PROMPT_TOKENS
    sim_calls = 1 + (ANALYSIS_ATTEMPTS + 1) * max_turns
    sim_prompt = brief + sum(analysis_prompt + brief + 2 * per_turn * t for t in range(1, max_turns + 1))
    sim_completion = (SIMULATOR_MESSAGE_TOKENS + SIMULATOR_ANALYSIS_TOKENS * ANALYSIS_ATTEMPTS) * max_turns
    sim_completion += SIMULATOR_MESSAGE_TOKENS
    agent_calls = max_turns * rounds
    agent_prompt = sum((policy + tools + per_turn * t) * rounds for t in range(1, max_turns + 1))
    attempts = suite.config.simulation.judge_retries + 1
    judge_calls = judge_answers * attempts
    retry_growth = JUDGE_TOKENS + RETRY_PROMPT_TOKENS
    judge_prompt = judge_answers * sum(policy + 600 + per_turn * max_turns + retry_growth * a for a in range(attempts))
    counts = {
        "simulator": (sim_calls, sim_prompt, sim_completion),
        "agent": (agent_calls, agent_prompt, agent_calls * AGENT_TOKENS),
        "judge": (judge_calls, judge_prompt, judge_calls * JUDGE_TOKENS),
    }
    prices = suite.config.models.prices
    result = {}
    for role, (calls, prompt, completion) in counts.items():
        price = prices.get(getattr(settings, role))
        cost = (prompt * price.input + completion * price.output) / 1e6 if price else 0.0
        result[role] = RoleEstimate(calls=calls, prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost)
    if settings.agent_kind != "reference":  # the chatbot under test is not ours to count
        result["agent"] = RoleEstimate(calls=0, prompt_tokens=0, completion_tokens=0, cost_usd=0.0)
    return result
