"""A verdict: one evaluation's binary judgement of one conversation, with its reasoning and its producer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from sparring.data_model.text import ModelText

# Verdicts stored by earlier versions named their check as a model: judge_model="check:<function>".
LEGACY_CHECK_PREFIX = "check:"


class Outcome(StrEnum):
    """A verdict's outcome. Only `pass` counts as a pass; `error` and `not_applicable` never do."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


class JudgeSample(BaseModel):
    """One of several answers when an evaluation is judged k times (judge_samples)."""

    outcome: Outcome
    reasoning: ModelText = ""


class Verdict(BaseModel):
    """One evaluation's verdict on one conversation, and what produced it: a judge's verdict names its
    model and prompt hash, a check's verdict the check's qualified name (never both)."""

    evaluation_id: str
    conversation_id: str
    outcome: Outcome
    reasoning: ModelText = Field("", description="why; a character no database can store (NUL) is replaced by U+FFFD")
    judge_model: str | None = Field(None, description="the model that judged; None for a check's verdict")
    prompt_hash: str | None = Field(None, description="the judge prompt's version (see docs/statistics.md)")
    check_name: str | None = Field(None, description="the check function that decided; None for a judge's verdict")
    attempts: int = 1
    samples: list[JudgeSample] = Field(default_factory=list, description="every answer when judged k > 1 times")
    agreement: float | None = Field(None, description="share of the samples that agree with the majority")
    unstable: bool = Field(False, description="the samples disagreed too much to trust the majority")

    @model_validator(mode="before")
    @classmethod
    def _legacy_check(cls, data: Any) -> Any:
        """Read a stored check verdict of the old form (judge_model "check:<function>") as a check's verdict."""
        if isinstance(data, dict):
            model = data.get("judge_model")
            if isinstance(model, str) and model.startswith(LEGACY_CHECK_PREFIX) and not data.get("check_name"):
                return {**data, "judge_model": None, "check_name": model.removeprefix(LEGACY_CHECK_PREFIX)}
        return data
