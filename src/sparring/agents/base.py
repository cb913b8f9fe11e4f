"""What a chatbot under test is to Sparring: given the conversation so far, produce the next agent turn."""

from __future__ import annotations

from typing import Protocol

from sparring.backend import Backend
from sparring.data_model import AgentTurn, Turn


class Agent(Protocol):
    """The chatbot under test: the reference agent (`ToolLoopAgent`), an HTTP endpoint, Python code (`PythonAgent`)
    or a deployed bot on its own chat API (`DeployedAgent`) all implement it. One is made per conversation; one that
    holds something (a served backend) also has `async aclose()`, called when its conversation ends."""

    name: str

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Reply to the customer's last message; tool calls go through `backend` so they are recorded."""
        ...
