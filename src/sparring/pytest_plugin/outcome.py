"""The run behind the pytest items: the suite run once per session through the library (run_suite), its
decision taken by `sparring.analysis.decision.run_decision` (the one `sparring gate` and JUnit render) and each
evaluation's failure message built from that decision and the stored verdicts. Nothing here prints: the plugin
renders."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sparring.agents import AgentLoadError
from sparring.analysis import EvaluationSummary, GateResult, RunDecision, run_decision
from sparring.data_model import Outcome, Run, Verdict
from sparring.models import ModelError
from sparring.runner import RoleOverrides, RunOptions, run_suite
from sparring.store import NotFound, RunLeased, Store, StoreError
from sparring.suite import Suite, SuiteError, load_suite

SHOWN_CONVERSATIONS = 10  # failing conversations listed in a failure message
REASON_CHARS = 160


class SparringRunError(Exception):
    """The suite could not be loaded or run: one line, shown on every sparring item."""


@dataclass
class RunRequest:
    """What the command line (--sparring-*) or the ini file asks for."""

    suite: Path
    model: str | None = None
    base_url: str | None = None
    agent: str | None = None
    scenarios: int | None = None
    seed: int = 0
    trials: int = 1
    db: str | None = None
    label: str | None = None
    evaluation_ids: list[str] = field(default_factory=list)  # empty: all the suite's evaluations


@dataclass
class SuiteOutcome:
    """A finished run as the tests see it: per-evaluation summaries, gate results, flagged verdicts, and the
    decision they come from."""

    run: Run
    store_url: str
    summaries: dict[str, EvaluationSummary]
    gates: list[GateResult]
    flagged: dict[str, list[Verdict]]  # evaluation id -> its fail and error verdicts
    max_error_rate: float
    decision: RunDecision

    def pass_rate(self, evaluation_id: str) -> float | None:
        """pass / (pass + fail) of an evaluation (errors and not-applicable left out); None if it never applied."""
        return self.summaries[evaluation_id].pass_rate

    def failing(self, evaluation_id: str) -> list[str]:
        """Ids of the conversations this evaluation failed (fail verdicts only; errors are apart)."""
        return [v.conversation_id for v in self.flagged.get(evaluation_id, []) if v.outcome == Outcome.FAIL]

    def evaluation_problem(self, evaluation_id: str) -> str | None:
        """Why an evaluation's item fails, with its pass rate, errors and failing conversations; None when it
        passes. Its state is the decision's (`RunDecision.state`, as JUnit's): it fails when its errored verdicts
        exceed max_error_rate or when a gate charged it (a family pass-rate gate's failure is the gate item's
        alone)."""
        summary = self.summaries.get(evaluation_id)
        if summary is None:
            return f"{evaluation_id}: not judged in run {self.run.id}"
        state = self.decision.state(evaluation_id)
        if state.state == "pass":
            return None
        lines = [f"{evaluation_id}: pass rate {summary.rate_text()} (run {self.run.id})", *state.messages]
        return "\n".join(lines + self._flagged_lines(evaluation_id))

    def calibration_lines(self, evaluation_id: str) -> list[str]:
        """The evaluation's judge-error-corrected pass rate beside the judge's raw one (or why it is withheld) and
        the calibration warnings about its judge versions, from the decision; empty when there are none."""
        corrected, warnings = self.decision.calibration.for_evaluation(evaluation_id)
        lines = [f"judge-error-corrected pass rate (95% interval): {corrected.text()}"] if corrected else []
        return lines + [f"judge calibration: {warning}" for warning in warnings]

    def _flagged_lines(self, evaluation_id: str) -> list[str]:
        flagged = self.flagged.get(evaluation_id, [])
        plural = "s" if len(flagged) != 1 else ""
        lines = [f"{len(flagged)} conversation{plural} failed or errored:"] if flagged else []
        for verdict in flagged[:SHOWN_CONVERSATIONS]:
            reason = " ".join(verdict.reasoning.split())[:REASON_CHARS]
            lines.append(f"  {verdict.outcome.value}  {verdict.conversation_id}  {reason}")
        if len(flagged) > SHOWN_CONVERSATIONS:
            lines.append(f"  ... and {len(flagged) - SHOWN_CONVERSATIONS} more")
        if flagged:
            lines.append(f"  see one with: sparring show {flagged[0].conversation_id}")
        return lines


def load(request: RunRequest) -> Suite:
    """The suite, or SparringRunError with the loader's one-line message (file:line: field: problem)."""
    try:
        return load_suite(request.suite)
    except SuiteError as exc:
        raise SparringRunError(str(exc)) from exc


def run_once(suite: Suite, request: RunRequest) -> SuiteOutcome:
    """Run the suite (new run, stored like `sparring run`) and gather everything the items need."""
    overrides = RoleOverrides(model=request.model, base_url=request.base_url, agent=request.agent)
    options = RunOptions(
        label=request.label,
        scenarios=request.scenarios,
        evaluation_ids=request.evaluation_ids,
        seed=request.seed,
        trials=request.trials,
        models=overrides,
    )
    try:
        store = Store.open(request.db)
        result = asyncio.run(run_suite(suite, store, options))
    except (ModelError, AgentLoadError, ValueError, NotFound, RunLeased, StoreError) as exc:
        raise SparringRunError(str(exc)) from exc
    return outcome_of(suite, result.run, store)


def outcome_of(suite: Suite, run: Run, store: Store) -> SuiteOutcome:
    """A stored run's decision (summaries, gate results) and flagged verdicts."""
    decision = run_decision(suite, run, store)
    flagged: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in store.verdicts(run.id):
        if verdict.outcome in (Outcome.FAIL, Outcome.ERROR):
            flagged[verdict.evaluation_id].append(verdict)
    return SuiteOutcome(
        run=run,
        store_url=str(store.url),
        summaries={s.evaluation_id: s for s in decision.summaries},
        gates=decision.report.results,
        flagged=dict(flagged),
        max_error_rate=suite.config.max_error_rate,
        decision=decision,
    )


def gate_results(suite: Suite, run: Run, store: Store) -> tuple[list[str], list[EvaluationSummary], list[GateResult]]:
    """The run's evaluations, their summaries, and the run-level checks (errors, informative figures) followed by
    the suite's gates: the same `run_decision` that `sparring gate` renders."""
    decision = run_decision(suite, run, store)
    return [e.id for e in decision.specs], decision.summaries, decision.report.results
