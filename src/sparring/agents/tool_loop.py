"""An agent that is an LLM with tools: the built-in reference agent, or a team's deployed bot over HTTP.

Both run the same loop: ask the model; execute every tool call it makes, in order, on the mock
backend; show it the results (as its context strategy renders them); stop when it answers in text or
after `max_tool_rounds`.
"""

from __future__ import annotations

from sparring.agents.history import ContextStrategy, RawContext
from sparring.backend import Backend
from sparring.data_model import AgentTurn, ToolCallRecord, Turn
from sparring.models import ChatRequest, MeteredModel
from sparring.prompts import PromptTemplate, package_prompt

REFERENCE_PROMPT = package_prompt(__file__, "reference_agent.j2")


class ToolLoopAgent:
    """The reference agent: an LLM with the suite's policy and tools, calling tools for up to
    `max_tool_rounds` rounds before it must answer."""

    def __init__(
        self,
        model: MeteredModel,
        system_prompt: str | None,
        max_tool_rounds: int = 4,
        seed: int | None = None,
        name: str | None = None,
        context: ContextStrategy | None = None,
    ) -> None:
        self.model = model
        self.system_prompt = system_prompt
        self.max_tool_rounds = max_tool_rounds
        self.seed = seed
        self.name = name or f"tool-loop:{model.name}"
        self.context: ContextStrategy = context or RawContext()

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Ask the model, run the tool calls it makes on `backend`, and repeat until it answers in words."""
        specs = backend.specs()
        records: list[ToolCallRecord] = []
        text = ""
        for round_index in range(self.max_tool_rounds + 1):
            offer_tools = specs if round_index < self.max_tool_rounds else []
            messages = await self.context.messages(self.system_prompt, turns, records, self.model)
            response = await self.model.complete(
                ChatRequest(messages=messages, tools=offer_tools, max_tokens=300, seed=self.seed)
            )
            text = (text + "\n" + response.content).strip() if response.content else text
            if not response.tool_calls:
                break
            records += [backend.execute(call) for call in response.tool_calls]
        return AgentTurn(content=text, tool_calls=records)  # an empty reply stays empty: never words of ours


def reference_system_prompt(policy: str, template: PromptTemplate = REFERENCE_PROMPT) -> str:
    """The reference agent's system prompt with the suite's policy in it."""
    return template.render(policy=policy)
