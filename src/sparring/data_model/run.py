"""A run: one iteration of a suite under given agent and model settings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from sparring.data_model.version import SCHEMA_VERSION


class TokenUsage(BaseModel):
    """Tokens and calls spent by one role (simulator, agent, judge), cached answers counted apart."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cached_calls: int = Field(0, description="answered from the cache: no tokens spent")

    def add(self, other: TokenUsage) -> None:
        """Add another usage to this one, in place."""
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cached_calls += other.cached_calls


class CallStats(BaseModel):
    """What happened to one model's calls during a run: faults are counted, never hidden."""

    requests: int = Field(0, description="attempts sent to the provider, retries included")
    succeeded: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    connection_errors: int = 0
    malformed: int = 0
    gave_up: int = 0
    cache_hits: int = 0
    cache_misses: int = 0

    def add(self, other: CallStats) -> None:
        """Add another model's (or worker's) counts to these, in place."""
        for name in CallStats.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def faults(self) -> int:
        """Every failed attempt: rate limits, server errors, timeouts, dropped connections, malformed answers."""
        return self.rate_limited + self.server_errors + self.timeouts + self.connection_errors + self.malformed


class RunStatus(StrEnum):
    """Where a run stands: running, completed, interrupted (resumable), stopped at its cost limit, or failed."""

    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    STOPPED = "stopped"  # the cost limit was reached; finished conversations are whole, resumable
    FAILED = "failed"


class ModelSettings(BaseModel):
    """Which model plays each role. Never holds an API key: keys come from the environment only."""

    simulator: str
    agent: str
    judge: str
    agent_kind: str = Field("reference", description="reference | http | python")
    agent_target: str | None = None
    base_url: str | None = Field(None, description="OpenAI-compatible server for the roles' models")
    agent_config: dict[str, Any] = Field(default_factory=dict, description="the agent variant used (suite's if empty)")


class Run(BaseModel):
    """One iteration of a suite: its settings, the scenarios and evaluations it covered, its clock, and what
    it spent. Its conversations and verdicts are stored beside it (see `Store`)."""

    schema_version: int = SCHEMA_VERSION
    id: str
    label: str
    suite: str
    settings: ModelSettings
    status: RunStatus = RunStatus.RUNNING
    seed: int = 0
    sampling_seed: int | None = Field(
        None, description="seed of the simulator and reference agent (None: `seed`); a re-simulation draws a new one"
    )
    scenario_ids: list[str] = Field(default_factory=list)
    evaluation_ids: list[str] = Field(default_factory=list)
    simulator_evaluation_ids: list[str] = Field(
        default_factory=list, description="evaluations of the simulated customer: their failures make verdicts suspect"
    )
    trials: int = 1
    max_turns: int = 8
    source: str = Field("simulated", description="'simulated', or the transcript file an imported run judged")
    rejudged_from: str | None = Field(
        None, description="the run whose stored conversations this run judged again (sparring rejudge)"
    )
    rejudged_evaluation_ids: list[str] = Field(
        default_factory=list, description="a rejudged run's evaluations judged again (the others' verdicts copied)"
    )
    clock: datetime = Field(..., description="the backend's 'now': relative timestamps resolve against it")
    started_at: datetime
    finished_at: datetime | None = None
    usage: dict[str, TokenUsage] = Field(default_factory=dict, description="tokens per role")
    call_stats: dict[str, CallStats] = Field(default_factory=dict, description="per model: retries, faults, cache")
    cost_usd: dict[str, float] = Field(default_factory=dict, description="per role, from the suite's price table")
