"""A run: one iteration of a suite under given agent and model settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def add(self, other: TokenUsage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


class ModelSettings(BaseModel):
    """Which model plays each role. Never holds an API key: keys come from the environment only."""

    simulator: str
    agent: str
    judge: str
    agent_kind: str = Field("reference", description="reference | http | python")
    agent_target: str | None = None


class Run(BaseModel):
    id: str
    label: str
    suite: str
    settings: ModelSettings
    status: RunStatus = RunStatus.RUNNING
    seed: int = 0
    scenario_ids: list[str] = Field(default_factory=list)
    started_at: datetime
    finished_at: datetime | None = None
    usage: dict[str, TokenUsage] = Field(default_factory=dict, description="tokens per role")
