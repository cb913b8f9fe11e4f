"""What a run's stored calibrations say about its judges, computed once for every surface (`run` and `report`,
terminal and `--json`, the viewer, `export-html`, JUnit, the pytest plugin): for each judge version the run used
(evaluation × prompt hash × judge model) whether a calibration of exactly that version is stored and its
population κ; the warnings (no calibration, κ below the suite's `calibration.min_kappa`, κ withheld for too few
labels); and the judge-error-corrected pass rate beside the judge's raw rate of every evaluation calibrated
(`sparring.analysis.corrected`). One query reads the stored calibrations; the run's per-scenario outcomes and
numpy load only when one of them matches a judge version of the run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from sparring.data_model import Calibration
    from sparring.store import Store

DEFAULT_MIN_KAPPA = 0.6
"""A suite's `calibration.min_kappa` when it sets none (and `sparring report`'s `--min-kappa`)."""


class CorrectedPassRate(BaseModel):
    """One evaluation's judge-error-corrected pass rate in a run, beside the judge's raw rate."""

    evaluation_id: str
    raw_pass_rate: float | None = Field(description="the judge's: passes / (passes + fails), conversations")
    corrected: float | None = Field(description="estimated human pass rate; None when withheld")
    low: float | None = Field(None, description="95% interval of the corrected rate")
    high: float | None = None
    conversations: int = Field(description="conversations with a pass or fail verdict")
    scenarios: int
    labels: dict[str, int] = Field(description="labelled conversations by the judge's verdict: pass, fail")
    prompt_hash: str
    judge_model: str
    withheld: str | None = Field(None, description="why no corrected rate is given")

    def text(self) -> str:
        """`judge's raw 92% · corrected 88% [81–93%] from 70 labels`, or `... · corrected: withheld — why`."""
        raw = "—" if self.raw_pass_rate is None else f"{self.raw_pass_rate:.0%}"
        if self.corrected is None or self.low is None or self.high is None:
            return f"judge's raw {raw} · corrected: withheld — {self.withheld}"
        labels = sum(self.labels.values())
        return (
            f"judge's raw {raw} · corrected {self.corrected:.0%} [{self.low:.0%}–{self.high:.0%}] from {labels} labels"
        )


class JudgeVersionCalibration(BaseModel):
    """One judge version a run used for one evaluation, against its latest stored calibration."""

    evaluation_id: str
    prompt_hash: str
    judge_model: str = Field(description="'' when the verdicts name none")
    calibrated_at: datetime | None = Field(description="when its latest calibration was stored; None: never")
    kappa: float | None = Field(description="population Cohen's κ against human labels; None: none or withheld")
    kappa_withheld: str | None = Field(None, description="why the calibration gave no κ (too few labels)")
    warning: str | None = Field(None, description="why its verdicts are suspect; None: calibrated, κ ≥ min_kappa")


class CalibrationSummary(BaseModel):
    """A run's judges against human labels: each judge version, the warnings, the corrected pass rates."""

    min_kappa: float = Field(description="κ below which a calibrated judge is warned about")
    judges: list[JudgeVersionCalibration] = Field(description="every judge version the run used, sorted")
    corrected: list[CorrectedPassRate] = Field(
        description="per evaluation judged by one calibrated judge version: its judge-error-corrected pass rate "
        "(or why it is withheld) beside the judge's raw rate"
    )
    warnings: list[str] = Field(description="one line each: uncalibrated judges first, then low or withheld κ")

    def for_evaluation(self, evaluation_id: str) -> tuple[CorrectedPassRate | None, list[str]]:
        """The evaluation's corrected rate (None when it has none) and the warnings about its judge versions."""
        rate = next((r for r in self.corrected if r.evaluation_id == evaluation_id), None)
        warnings = [j.warning for j in self.judges if j.evaluation_id == evaluation_id and j.warning]
        return rate, warnings


def _judge(version: tuple[str, str, str], found: Calibration | None, min_kappa: float) -> JudgeVersionCalibration:
    evaluation_id, prompt_hash, judge_model = version
    judge = JudgeVersionCalibration(
        evaluation_id=evaluation_id, prompt_hash=prompt_hash, judge_model=judge_model, calibrated_at=None, kappa=None
    )
    about = f"{evaluation_id}: judge prompt {prompt_hash} with {judge_model}"
    if found is None:
        return judge.model_copy(update={"warning": f"{about} has no calibration against human labels"})
    kappa = found.metric("kappa")
    withheld = found.report.get("metrics", {}).get("kappa", {}).get("withheld")
    judge = judge.model_copy(update={"calibrated_at": found.created_at, "kappa": kappa, "kappa_withheld": withheld})
    if kappa is not None and kappa >= min_kappa:
        return judge
    shown = "undefined" if kappa is None else f"{kappa:.2f}"
    verdict = f"κ withheld: {withheld}" if withheld else f"κ {shown} < {min_kappa} against human labels"
    return judge.model_copy(update={"warning": f"{about} has population {verdict}"})


def _judges(store: Store, run_id: str, min_kappa: float) -> list[tuple[JudgeVersionCalibration, Calibration | None]]:
    """Each judge version of the run with its latest calibration of exactly that version (two queries)."""
    versions = store.judge_versions(run_id)  # found in SQL: no verdict loaded
    latest: dict[tuple[str, str, str], Calibration] = {}
    if versions:
        for c in store.calibrations():  # oldest first: the latest of each version wins
            latest[(c.evaluation_id, c.prompt_hash, c.judge_model)] = c
    return [(_judge(v, latest.get(v), min_kappa), latest.get(v)) for v in versions]


def _warning_lines(judges: Sequence[JudgeVersionCalibration]) -> list[str]:
    """The uncalibrated versions in one line (first), then one line per low or withheld κ."""
    uncalibrated = [f"{j.evaluation_id} ({j.prompt_hash}, {j.judge_model})" for j in judges if j.calibrated_at is None]
    lines = [j.warning for j in judges if j.calibrated_at is not None and j.warning]
    if uncalibrated:
        lines.insert(0, f"no calibration against human labels for {', '.join(uncalibrated)}; see sparring calibrate")
    return lines


def calibration_warnings(store: Store, run_id: str, min_kappa: float) -> list[str]:
    """For the judge versions a run used, each a (prompt hash, judge model): those with no calibration of
    exactly that version, or whose population κ is below `min_kappa` or withheld (`CalibrationSummary.warnings`
    without the corrected rates)."""
    return _warning_lines([judge for judge, _ in _judges(store, run_id, min_kappa)])


def calibration_summary(
    store: Store, run_id: str, min_kappa: float, rows: list[tuple[str, int, str, str]] | None = None
) -> CalibrationSummary:
    """The run's `CalibrationSummary`. `rows`: its (scenario, trial, evaluation, outcome) rows when the caller has
    them; read only when an evaluation has a calibration of the judge version that judged it. An evaluation judged
    by several versions in one run gets no corrected rate (no single calibration applies)."""
    judged = _judges(store, run_id, min_kappa)
    judges = [judge for judge, _ in judged]
    versions: dict[str, list[tuple[JudgeVersionCalibration, Calibration | None]]] = {}
    for judge, found in judged:
        versions.setdefault(judge.evaluation_id, []).append((judge, found))
    single = {e: (pairs[0][0], pairs[0][1]) for e, pairs in versions.items() if len(pairs) == 1}
    calibrated = {e: (judge, found) for e, (judge, found) in single.items() if found is not None}
    corrected = _corrected_rates(store, run_id, calibrated, rows) if calibrated else []
    return CalibrationSummary(min_kappa=min_kappa, judges=judges, corrected=corrected, warnings=_warning_lines(judges))


def _corrected_rates(
    store: Store,
    run_id: str,
    calibrated: dict[str, tuple[JudgeVersionCalibration, Calibration]],
    rows: list[tuple[str, int, str, str]] | None,
) -> list[CorrectedPassRate]:
    """The corrected rate of each calibrated evaluation, by id (numpy and the run's outcomes load here)."""
    from sparring.analysis.corrected import corrected_rate
    from sparring.analysis.outcomes import scenario_outcomes

    outcomes = scenario_outcomes(store.scenario_outcome_rows(run_id) if rows is None else rows)
    return [
        corrected_rate(e, outcomes.get(e, {}), found.report, judge.prompt_hash, judge.judge_model)
        for e, (judge, found) in sorted(calibrated.items())
    ]
