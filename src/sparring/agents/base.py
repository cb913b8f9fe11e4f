"""What a chatbot under test is to Sparring: given the conversation so far, produce the next agent turn."""

from __future__ import annotations

from typing import Protocol

from sparring.backend import Backend
from sparring.data_model import AgentTurn, Turn


class Agent(Protocol):
    """The chatbot under test: the reference agent (`ToolLoopAgent`), an HTTP endpoint or Python code
    (`PythonAgent`) all implement it."""

    name: str

    async def respond(self, turns: list[Turn], backend: Backend) -> AgentTurn:
        """Reply to the customer's last message; tool calls go through `backend` so they are recorded."""
        ...
