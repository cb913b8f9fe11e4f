"""A verdict: one evaluation's binary judgement of one conversation, with its reasoning."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


class Verdict(BaseModel):
    evaluation_id: str
    conversation_id: str
    outcome: Outcome
    reasoning: str = ""
    judge_model: str | None = None
    prompt_hash: str | None = None
    attempts: int = 1
