"""The discovery report: per run the unexplained share, per theme its members, representatives and
coverage by existing evaluations. Its JSON form (`--json`, the viewer) carries `schema_version`."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sparring.store import Store

REPORT_SCHEMA_VERSION = 1
COVERED_AT = 0.8  # a theme is "covered by X" when at least this share of its members fail evaluation X


class RunFigures(BaseModel):
    """One run's (or one transcripts file's) headline: how blind the suite is on it."""

    run_id: str
    label: str
    conversations: int = Field(..., description="conversations that did not error: the denominator")
    errored: int = Field(0, description="errored conversations, left out of every figure")
    candidates: int
    unexplained: int = Field(..., description="unhappy by the signals while no chatbot evaluation failed")
    unexplained_share: float | None = Field(None, description="unexplained / conversations; None when 0 of 0")


class Member(BaseModel):
    """One described candidate in a theme."""

    conversation_id: str
    run_id: str
    scenario_id: str
    description: str
    turn: int
    quote: str
    failed: list[str] = Field(default_factory=list, description="chatbot evaluations that failed on it")
    signals: list[str] = Field(default_factory=list)
    stored: bool = Field(True, description="False for an imported transcript that is in no stored run")


class Theme(BaseModel):
    """A group of similar failure descriptions."""

    id: str
    title: str = Field(..., description="its most weighted words")
    size: int
    run_share: float = Field(..., description="share of the analysed runs with at least one member")
    members: list[Member]
    representatives: list[str] = Field(..., description="the 3 member conversation ids closest to the centre")
    coverage: dict[str, float] = Field(default_factory=dict, description="evaluation -> share of members it failed")
    covered_by: list[str] = Field(default_factory=list, description=f"evaluations failing ≥ {COVERED_AT:.0%}")
    unexplained: int = Field(0, description="members no chatbot evaluation failed on")
    draft_evaluation: str | None = Field(None, description="draft judge written for an uncovered theme")
    draft_scenarios: list[str] = Field(default_factory=list)


class Undescribed(BaseModel):
    """A candidate the model could not describe: counted and listed, never dropped."""

    conversation_id: str
    run_id: str
    problem: str


class DiscoveryReport(BaseModel):
    """Everything `sparring discover` found, as printed, written with --json and shown by the viewer."""

    schema_version: int = REPORT_SCHEMA_VERSION
    runs: list[RunFigures]
    candidates: int
    unexplained: int
    described: int
    undescribed: list[Undescribed] = Field(default_factory=list)
    themes: list[Theme] = Field(default_factory=list)
    covered_threshold: float = COVERED_AT
    grouping: str = "TF-IDF (scikit-learn) → average-linkage clustering on cosine distance, cut at 0.8"
    silhouette: float | None = None
    judge_model: str = ""
    prompt_hash: str = ""


def store_report(store: Store, report: DiscoveryReport) -> None:
    """Keep the report in the store for the viewer, filed under each run it analysed."""
    store.save_discovery_report([figures.run_id for figures in report.runs], report.model_dump(mode="json"))


def load_stored_report(store: Store, run_id: str) -> DiscoveryReport | None:
    """The latest report stored for a run, or None."""
    data = store.latest_discovery_report(run_id)
    return None if data is None else DiscoveryReport.model_validate(data)
