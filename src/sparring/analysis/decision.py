"""The ship decision on a stored run, computed once for every surface: the gates' outcomes (pass / fail /
inconclusive, with reasons), each evaluation's state and message, pass^k with its interval and the flaky scenarios,
the judges' calibration warnings and judge-error-corrected pass rates (the ones `corrected: true` gates decide on).
`sparring gate`, `sparring run --gate/--junit`, JUnit and the pytest plugin all render a `RunDecision`, so they
cannot disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from sparring.analysis.gate import GateReport, GateResult, gate_report, gate_scope
from sparring.analysis.judge_calibration import CalibrationSummary, calibration_summary
from sparring.analysis.pass_k import TrialFigures, trial_figures
from sparring.analysis.pass_rates import EvaluationSummary, run_summaries
from sparring.data_model import ModelSettings, Run
from sparring.evaluations import EvaluationSpec

if TYPE_CHECKING:
    from sparring.store import Store
    from sparring.suite import Suite

State = Literal["pass", "failure", "error"]


class EvaluationState(BaseModel):
    """One evaluation's state in CI terms: error (its errored verdicts exceed max_error_rate), failure (a gate that
    charged it failed or could not decide), or pass; `messages` say why, one line each."""

    evaluation_id: str
    state: State
    messages: list[str]


class RunDecision(BaseModel):
    """A run's gates and per-evaluation states, its summaries over the suite's evaluations it judged, its
    repeated-trials figures and its judges against human labels."""

    run: Run
    specs: list[EvaluationSpec]
    summaries: list[EvaluationSummary]
    report: GateReport
    trials: list[TrialFigures]
    calibration: CalibrationSummary

    def state(self, evaluation_id: str) -> EvaluationState:
        """The evaluation's state (`evaluation_state` on this decision's figures)."""
        summary = next((s for s in self.summaries if s.evaluation_id == evaluation_id), None)
        return evaluation_state(evaluation_id, summary, self.report.results, self.report.max_error_rate)


def evaluation_state(
    evaluation_id: str, summary: EvaluationSummary | None, gates: list[GateResult], max_error_rate: float
) -> EvaluationState:
    """error when its errored verdicts exceed `max_error_rate`; failure when a gate that names it among the
    evaluations it charges failed or was inconclusive (a family pass-rate gate charges none: its failure is
    reported once, on the gate); pass otherwise."""
    if summary is None:
        return EvaluationState(evaluation_id=evaluation_id, state="failure", messages=["not judged in this run"])
    messages = []
    state: State = "pass"
    if summary.errors and summary.error_rate > max_error_rate:
        state = "error"
        messages.append(
            f"{summary.errors} of {summary.applicable + summary.errors} verdicts errored "
            f"({summary.error_rate:.0%}), above max_error_rate {max_error_rate:.0%}"
        )
    for gate in gates:
        if evaluation_id in gate.evaluation_ids and not gate.passed:
            state = "error" if state == "error" else "failure"
            messages.append(f"gate {gate.outcome}: {gate.gate}: {gate.reason or gate.detail}")
    return EvaluationState(evaluation_id=evaluation_id, state=state, messages=messages)


def agent_name(settings: ModelSettings) -> str:
    """The chatbot a run tested: the endpoint of an HTTP bot, the module:Class of a Python one, the reference
    agent with its model."""
    if settings.agent_kind in ("http", "python") and settings.agent_target:
        return f"{settings.agent_kind}: {settings.agent_target}"
    return f"reference ({settings.agent})"


def run_decision(suite: Suite, run: Run, store: Store) -> RunDecision:
    """The decision on a stored run: gates over the suite's evaluations it judged (`gate_scope`), summaries
    counted by the database, pass^k from its per-scenario trials, the calibration summary at the suite's
    `calibration.min_kappa` (its corrected rates are the ones the gates read: one computation)."""
    specs = gate_scope(suite, run)
    summaries = run_summaries(store, run, [e.id for e in specs])
    rows = store.scenario_outcome_rows(run.id)
    calibration = calibration_summary(store, run.id, suite.config.calibration.min_kappa, rows)
    return RunDecision(
        run=run,
        specs=specs,
        summaries=summaries,
        report=gate_report(suite, run, store, summaries, rows, calibration.corrected),
        trials=trial_figures(rows),
        calibration=calibration,
    )
