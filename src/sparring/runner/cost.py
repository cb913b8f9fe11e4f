"""Money: cost per role from token counts and the suite's price table, and estimates before a run."""

from __future__ import annotations

from pydantic import BaseModel

from sparring.data_model import ModelSettings, TokenUsage
from sparring.suite import Suite
from sparring.suite.config import Price

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
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


def _tokens(text: str) -> int:
    return len(text) // 4 + 1


def estimate_conversation(
    suite: Suite, settings: ModelSettings, max_turns: int, judges: int
) -> dict[str, RoleEstimate]:
    """Upper bound for one conversation: every turn used, every tool round taken, one answer per judge.

    Prompt sizes come from the suite's own texts (policy, tool schemas, a scenario brief) and grow with
    each turn by a typical message size; completions use typical lengths. An estimate, not a quote.
    """
    rounds = suite.config.agent.max_tool_rounds + 1
    policy = _tokens(suite.policy)
    tools = sum(_tokens(t.spec.model_dump_json()) for t in suite.tools.values())
    brief = max((_tokens(s.model_dump_json()) for s in suite.scenarios), default=300)
    per_turn = 150  # a customer message, an agent reply and a tool result, in tokens
    sim_calls = 1 + 2 * max_turns
    sim_prompt = sum(brief + 100 + per_turn * t for t in range(max_turns)) * 2 + brief
    agent_calls = max_turns * rounds
    agent_prompt = sum((policy + tools + per_turn * t) * rounds for t in range(1, max_turns + 1))
    judge_prompt = judges * (policy + 400 + per_turn * max_turns)
    counts = {
        "simulator": (sim_calls, sim_prompt, sim_calls * 60),
        "agent": (agent_calls, agent_prompt, agent_calls * 80),
        "judge": (judges, judge_prompt, judges * 120),
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
