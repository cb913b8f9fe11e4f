"""The evaluation catalogue as `sparring evals list` prints it: the library's evaluations, or a suite's own
with which of them it enables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sparring.analysis.run_reports import JSON_SCHEMA_VERSION

if TYPE_CHECKING:
    from sparring.suite import Suite


class EvaluationEntry(BaseModel):
    """One evaluation of the catalogue."""

    id: str
    family: str
    kind: Literal["judge", "check"]
    source: str = Field(description="'built-in', or the file name that defines it")
    enabled: bool | None = Field(description="whether the suite enables it; null without a suite")
    description: str


class EvaluationCatalog(BaseModel):
    """`sparring evals list --json`: evaluations sorted by family and id."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["evaluations"] = "evaluations"
    suite: str | None = Field(description="the suite's name when one was given")
    evaluations: list[EvaluationEntry]


def evaluation_catalog(suite: Suite | None = None, family: str | None = None) -> EvaluationCatalog:
    """The library's evaluations, or with `suite` its catalogue and which it enables; only `family` if given."""
    from sparring.evaluations import builtin_evaluations

    specs = suite.catalog.specs if suite else dict(builtin_evaluations())
    enabled = {e.id for e in suite.evaluations} if suite else set()
    rows = sorted((s for s in specs.values() if not family or s.family == family), key=lambda s: (s.family, s.id))
    entries = [
        EvaluationEntry(
            id=s.id,
            family=s.family,
            kind=s.kind,
            source="built-in" if s.source == "builtin" else Path(s.source).name,
            enabled=(s.id in enabled) if suite else None,
            description=s.description,
        )
        for s in rows
    ]
    return EvaluationCatalog(suite=suite.name if suite else None, evaluations=entries)
