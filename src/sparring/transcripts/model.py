"""A historical (real) support conversation, as imported: the first stage of the data flow."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, Turn


class Transcript(BaseModel):
    """A real conversation as imported: customer and agent turns with tool calls, its source file and metadata."""

    id: str
    turns: list[Turn] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    source: str = Field("", description="file:line it came from")

    def to_conversation(self, run_id: str, scenario_id: str | None = None) -> Conversation:
        """The transcript as a conversation, so the same evaluations judge real and simulated ones."""
        return Conversation(
            id=f"{run_id}:{self.id}:0", run_id=run_id, scenario_id=scenario_id or self.id, turns=self.turns
        )

    def text(self) -> str:
        """Plain dialogue text, one line per message (tool calls left out)."""
        return "\n".join(
            f"{'CUSTOMER' if isinstance(t, CustomerTurn) else 'AGENT'}: {t.content}"
            for t in self.turns
            if t.content.strip() or isinstance(t, CustomerTurn)
        )

    def agent_turns(self) -> list[AgentTurn]:
        return [t for t in self.turns if isinstance(t, AgentTurn)]
