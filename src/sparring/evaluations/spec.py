"""An evaluation as declared in a suite: one narrow binary question about a whole conversation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator


class EvaluationSpec(BaseModel):
    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: Literal["judge", "check"]
    description: str = Field(..., min_length=1)
    family: str = "general"
    criterion: str | None = Field(None, description="judge: the statement that holds when the conversation passes")
    policy: str | None = Field(None, description="policy text this evaluation reads; the suite's policy if unset")
    applies_to: list[str] = Field(default_factory=list, description="scenario tags; empty means every scenario")
    function: str | None = Field(None, description="check: name of a @check function in the suite's checks.py")
    template: str | None = Field(None, description="judge: path of a custom prompt template")

    @model_validator(mode="after")
    def _kind_fields(self) -> EvaluationSpec:
        if self.kind == "judge" and not self.criterion:
            raise ValueError("a judge evaluation needs a 'criterion'")
        if self.kind == "check" and not self.function:
            raise ValueError("a check evaluation needs a 'function'")
        return self

    def applies(self, tags: list[str]) -> bool:
        return not self.applies_to or bool(set(self.applies_to) & set(tags))
