"""A human label: an expert's pass/fail judgement of one conversation for one evaluation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

DEV_SHARE = 0.3  # share of labelled conversations kept for prompt development; the rest is the test split


def split_of(conversation_id: str) -> Literal["dev", "test"]:
    """A stable dev/test assignment by hash: the same conversation is always on the same side."""
    bucket = int(hashlib.sha256(conversation_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "dev" if bucket < DEV_SHARE else "test"


class Label(BaseModel):
    """One labeller's pass/fail for one conversation and evaluation, with the sampling design that chose it."""

    conversation_id: str = Field(..., min_length=1)
    evaluation_id: str = Field(..., min_length=1)
    label: Literal["pass", "fail"]
    note: str = ""
    labeller: str = Field("anonymous", min_length=1)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    inclusion_probability: float | None = Field(
        None, gt=0, le=1, description="probability that the item entered the labelling sample; None: no design"
    )
    stratum: str | None = Field(None, max_length=50, description="sampling stratum (the judge's verdict then)")

    @property
    def split(self) -> Literal["dev", "test"]:
        """The split this label's conversation falls in (see `split_of`)."""
        return split_of(self.conversation_id)
