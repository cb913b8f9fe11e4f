"""A scenario: one simulated customer — who they are, what happened, what they want.

Every model here is strict: an unknown key (a typo such as `desired_outcom`) is an error, never dropped."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Persona(_Strict):
    """How the customer behaves. `patience` is the number of unhelpful agent turns tolerated."""

    traits: list[str] = Field(default_factory=list, description="e.g. frustrated, demanding, terse")
    style: str = Field("", description="how they write: typos, short messages, formal ...")
    patience: int = Field(3, ge=1, le=10)


class Fact(_Strict):
    """Something the customer knows. Facts with reveal=when_asked are given only if the agent asks."""

    key: str
    value: str
    reveal: Literal["upfront", "when_asked"] = "when_asked"


class Scenario(_Strict):
    """One simulated customer: persona, situation, desired outcome, what they know, the backend data."""

    id: str
    title: str = ""
    persona: Persona = Field(default_factory=Persona)
    situation: str = Field(..., min_length=1, description="narrative of what happened, in the customer's view")
    desired_outcome: str = Field(..., min_length=1)
    known_facts: list[Fact] = Field(default_factory=list)
    unknown_facts: list[str] = Field(
        default_factory=list, description="things the customer does not know and must not invent"
    )
    tags: list[str] = Field(default_factory=list)
    backend_overrides: dict[str, Any] = Field(default_factory=dict)
    source: str = Field("hand-written", description="where the scenario came from, e.g. a transcript id")

    def facts_upfront(self) -> list[Fact]:
        """Facts the customer gives in the opening message."""
        return [f for f in self.known_facts if f.reveal == "upfront"]

    def facts_when_asked(self) -> list[Fact]:
        """Facts the customer gives only when the agent asks."""
        return [f for f in self.known_facts if f.reveal == "when_asked"]
