"""An evaluation: one narrow binary question about a whole conversation, from the built-in library,
a suite's own files, or both (a built-in with the suite's policy text)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from sparring.data_model import Scenario

FAMILIES = ("hallucination", "policy", "tool_use", "communication", "resolution", "simulator")
SIMULATOR_FAMILY = "simulator"  # evaluations of the simulated customer, not of the chatbot


class EvaluationSpec(BaseModel):
    """The declaration of one evaluation: a judge (criterion or prompt template) or a check (a `@check`
    function), its family, the scenario tags it applies to, and where it was defined (`source`)."""

    id: str = Field(..., pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: Literal["judge", "check"]
    description: str = Field(..., min_length=1)
    family: str = "general"
    criterion: str | None = Field(None, description="judge: the statement that holds when the conversation passes")
    policy: str | None = Field(None, description="policy text this evaluation reads; the suite's policy if unset")
    applies_to: list[str] = Field(default_factory=list, description="scenario tags; empty means every scenario")
    function: str | None = Field(None, description="check: name of the @check function")
    template: str | None = Field(None, description="judge: path of its prompt template (may extend judge.j2)")
    params: dict[str, Any] = Field(default_factory=dict, description="check: parameters it reads (ctx.params)")
    judge_samples: int = Field(1, ge=1, le=15, description="judge: ask k times, majority vote")
    requires: list[str] = Field(
        default_factory=list, description="scenario fields it reads; not applicable on a scenario that leaves one unset"
    )
    source: str = Field("suite", description="'builtin' or the file that defines it")

    @model_validator(mode="after")
    def _kind_fields(self) -> EvaluationSpec:
        if self.kind == "judge" and not (self.criterion or self.template):
            raise ValueError("a judge evaluation needs a 'criterion' or a prompt 'template'")
        if self.kind == "check" and not self.function:
            raise ValueError("a check evaluation needs a 'function'")
        return self

    def unset_fields(self, scenario: Scenario) -> list[str]:
        """The `requires` fields this scenario leaves unset (empty or absent)."""
        return [name for name in self.requires if not getattr(scenario, name, None)]

    def applies(self, tags: list[str]) -> bool:
        """Whether a scenario with these tags is in scope (no `applies_to`: every scenario is)."""
        return not self.applies_to or bool(set(self.applies_to) & set(tags))
