"""Exit criteria: does a run meet the suite's gates? Every gate answers pass, fail or inconclusive (not green:
the data cannot decide), with a reason; the answer drives `--gate`, `sparring gate` and JUnit.

Errors are never invisible: a scope with an evaluation whose errored verdicts exceed the suite's `max_error_rate`
fails its gate, and the run-level "errors" check fails a run whose errored conversations exceed it, gates
declared or not; a run-level "informative" check is added, failing, when the run's judges mostly did not answer
or its customer mostly opened off topic (sparring.analysis.informative). A `min_pass_rate` gate decides on the
95% interval of the pass rate over scenarios (`pass_rate_interval`); a `no_regression_vs` gate on the paired
non-inferiority analysis at its margin (`statistics.decide`: a fail is family-wise controlled by Holm across the
gate's evaluations, a pass needs every evaluation's lower bound above −margin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, computed_field

from sparring.analysis.corrected import corrected_gate_outcome
from sparring.analysis.informative import UNINFORMATIVE_GATE, uninformative
from sparring.analysis.judge_calibration import CorrectedPassRate, calibration_summary
from sparring.analysis.outcomes import NotApplicable, ScenarioOutcomes, not_applicable_trials, scenario_outcomes
from sparring.analysis.paired_comparison import DEFAULT_MARGIN, EvaluationComparison, compare_outcomes, decide
from sparring.analysis.pass_rate_interval import RateInterval, clustered_interval
from sparring.analysis.pass_rates import EvaluationSummary, RunTotals, pool, run_totals
from sparring.analysis.run_reports import JSON_SCHEMA_VERSION, RunInfo, RunReport
from sparring.data_model import Run
from sparring.evaluations import EvaluationSpec
from sparring.suite import GateConfig

if TYPE_CHECKING:
    from sparring.store import Store
    from sparring.suite import Suite

Outcome = Literal["pass", "fail", "inconclusive"]
# (baseline label, margin, max share of scenarios that may lose coverage) -> per-evaluation comparison of that
# baseline (A) with the run under test (B), not yet decided as a family
CompareWith = Callable[[str, float, float], list[EvaluationComparison]]
ALPHA = 0.05  # family-wise error rate of a regression gate's fail


class GateResult(BaseModel):
    """One gate's outcome on a run: pass, fail or inconclusive, the figures (`detail`) and why (`reason`)."""

    gate: str
    outcome: Outcome
    detail: str
    reason: str = ""
    evaluation_ids: list[str] = Field(
        description="the evaluations charged with this outcome: the ones that failed it or could not be decided "
        "(empty for a family pass-rate gate, whose failure is the family's, and for run-level checks)"
    )
    scope: list[str] = Field(default=[], description="every evaluation the gate covers")
    errored: bool = False  # failed because too many outcomes are unknown (errors), not because the chatbot failed
    interval: RateInterval | None = Field(None, description="min_pass_rate: the pass rate's 95% interval")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """The outcome is pass (inconclusive is not)."""
        return self.outcome == "pass"


def _scope(gate: GateConfig, specs: list[EvaluationSpec]) -> list[str]:
    if gate.evaluation:
        return [gate.evaluation]
    return [s.id for s in specs if not gate.family or s.family == gate.family]


def errors_gate(totals: RunTotals, max_error_rate: float) -> GateResult:
    """The run-level check every run gets: the share of conversations that ended in an error."""
    share = totals.conversation_error_rate
    passed = share <= max_error_rate
    return GateResult(
        gate=f"errors: errored conversations <= {max_error_rate:.0%}",
        outcome="pass" if passed else "fail",
        detail=f"{totals.errored_conversations} of {totals.conversations} conversations errored ({share:.0%})",
        reason="" if passed else f"more errored conversations than max_error_rate {max_error_rate:.0%} allows",
        evaluation_ids=[],
        errored=not passed,
    )


def informative_gate(reasons: list[str]) -> GateResult:
    """The run-level check that fails a run whose figures are not informative (`reasons`, from
    `sparring.analysis.informative`) and passes when they are."""
    if not reasons:
        detail = "a real judge answered and the customer opened on topic in most conversations"
        return GateResult(gate=UNINFORMATIVE_GATE, outcome="pass", detail=detail, evaluation_ids=[])
    detail = "; ".join(reasons)
    return GateResult(gate=UNINFORMATIVE_GATE, outcome="fail", detail=detail, reason=detail, evaluation_ids=[])


def _over_budget(scope: list[EvaluationSummary], max_error_rate: float) -> list[EvaluationSummary]:
    """The evaluations of a scope whose own errored verdicts exceed the budget."""
    return [s for s in scope if s.errors and s.error_rate > max_error_rate]


def _budget_failure(
    gate: GateConfig, scope: list[EvaluationSummary], over: list[EvaluationSummary], max_error_rate: float
) -> GateResult:
    listed = ", ".join(f"{s.evaluation_id} {s.rate_text()} ({s.error_rate:.0%} errored)" for s in over)
    names = [s.evaluation_id for s in over]
    reason = f"fail: errored verdicts above max_error_rate {max_error_rate:.0%} in {', '.join(names)}"
    return GateResult(
        gate=gate.describe(),
        outcome="fail",
        detail=f"{pool(scope, gate.describe()).rate_text()}; above the budget: {listed}",
        reason=reason,
        errored=True,
        scope=[s.evaluation_id for s in scope],
        evaluation_ids=names,
    )


def _clusters(outcomes: ScenarioOutcomes, ids: list[str]) -> list[tuple[int, int]]:
    """Per scenario, over the scope's evaluations: (passes, verdicts), an errored verdict counted as a fail."""
    clusters: dict[str, list[int]] = {}
    for evaluation_id in ids:
        for scenario, trials in outcomes.get(evaluation_id, {}).items():
            cluster = clusters.setdefault(scenario, [0, 0])
            cluster[0] += trials.count(True)
            cluster[1] += len(trials)
    return [(y, n) for y, n in clusters.values()]


def _rate_outcome(gate: GateConfig, interval: RateInterval) -> tuple[Outcome, str]:
    threshold = gate.min_pass_rate or 0.0
    if gate.decide_on == "estimate":
        passed = interval.estimate >= threshold
        return (
            "pass" if passed else "fail"
        ), f"the point estimate is {'at or above' if passed else 'below'} {threshold:.0%} (decide_on: estimate)"
    if interval.low >= threshold:
        return "pass", f"pass: the 95% lower bound {interval.low:.1%} is at or above {threshold:.0%}"
    if interval.high < threshold:
        return "fail", f"fail: the 95% upper bound {interval.high:.1%} is below {threshold:.0%}"
    return "inconclusive", (
        f"inconclusive: {threshold:.0%} lies inside the 95% interval [{interval.low:.1%}, {interval.high:.1%}] "
        f"over {interval.scenarios} scenarios"
    )


def _corrected_result(gate: GateConfig, ids: list[str], rate: CorrectedPassRate | None) -> GateResult:
    """A `corrected: true` gate decides on the judge-error-corrected pass rate (sparring.analysis.corrected)."""
    outcome, detail = corrected_gate_outcome(rate, gate.min_pass_rate or 0.0)
    reason = detail if detail.startswith(outcome) else f"{outcome}: {detail}"
    charged = ids if outcome != "pass" else []
    return GateResult(
        gate=gate.describe(), outcome=outcome, detail=detail, reason=reason, scope=ids, evaluation_ids=charged
    )


def _min_pass_rate(
    gate: GateConfig,
    scope: list[EvaluationSummary],
    outcomes: ScenarioOutcomes,
    max_error_rate: float,
    corrected: dict[str, CorrectedPassRate] | None = None,
) -> GateResult:
    ids = [s.evaluation_id for s in scope]
    charged = ids if gate.evaluation else []  # a family's rate is the family's: reported once, on the gate
    over = _over_budget(scope, max_error_rate)
    if over:
        return _budget_failure(gate, scope, over, max_error_rate)
    total = pool(scope, gate.describe())
    interval = clustered_interval(_clusters(outcomes, ids))
    if interval is None or not total.applicable:
        detail = f"{total.rate_text()}: no pass/fail verdict to judge (all errors or not applicable)"
        reason = "inconclusive: no verdict to decide on"
        return GateResult(
            gate=gate.describe(),
            outcome="inconclusive",
            evaluation_ids=charged,
            scope=ids,
            detail=detail,
            reason=reason,
        )
    if gate.corrected:
        return _corrected_result(gate, ids, (corrected or {}).get(gate.evaluation or ""))
    outcome, reason = _rate_outcome(gate, interval)
    detail = (
        f"{total.rate_text()}; 95% interval [{interval.low:.1%}, {interval.high:.1%}] over {interval.scenarios} "
        f"scenarios (units: verdicts clustered by scenario; errored verdicts counted as fails)"
    )
    charged = charged if outcome != "pass" else []
    return GateResult(
        gate=gate.describe(),
        outcome=outcome,
        detail=detail,
        reason=reason,
        interval=interval,
        scope=ids,
        evaluation_ids=charged,
    )


def _family_outcome(decided: list[EvaluationComparison]) -> Outcome:
    outcomes = [c.outcome for c in decided]
    if "fail" in outcomes:
        return "fail"
    return "inconclusive" if "inconclusive" in outcomes or not outcomes else "pass"


def _no_regression(
    gate: GateConfig, scope: list[EvaluationSummary], compare_with: CompareWith, max_error_rate: float
) -> GateResult:
    baseline, margin = gate.no_regression_vs or "", DEFAULT_MARGIN if gate.margin is None else gate.margin / 100
    ids = [s.evaluation_id for s in scope]
    over = _over_budget(scope, max_error_rate)
    if over:
        return _budget_failure(gate, scope, over, max_error_rate)
    try:
        compared = [c for c in compare_with(baseline, margin, max_error_rate) if c.evaluation_id in ids]
    except LookupError as exc:
        detail = f"no baseline to compare with: {exc}"
        return GateResult(
            gate=gate.describe(), outcome="fail", evaluation_ids=ids, scope=ids, detail=detail, reason=detail
        )
    decided = [c for c in decide(compared, margin, ALPHA, max_error_rate) if c.outcome is not None]
    outcome = _family_outcome(decided)
    charged = [c for c in decided if c.outcome == outcome] if outcome != "pass" else []
    return GateResult(
        gate=gate.describe(),
        outcome=outcome,
        evaluation_ids=[c.evaluation_id for c in charged],
        scope=ids,
        detail=_regression_detail(decided, charged, margin, baseline),
        reason=_regression_reason(decided, charged, outcome),
    )


def _regression_detail(
    decided: list[EvaluationComparison], charged: list[EvaluationComparison], margin: float, baseline: str
) -> str:
    """The evaluations charged with their reasons (or that none is), the family rule, the applicability counts."""
    tested = sum(c.p_drop is not None for c in decided)
    family = f"Holm-adjusted across {tested} evaluations, margin {margin * 100:g} points"
    newly, lost = sum(len(c.applicability_regressions) for c in decided), sum(len(c.coverage_lost) for c in decided)
    counted = f"n/a → fail: {newly} scenarios; coverage lost (pass/fail → n/a): {lost}"
    if not charged:
        return f"no regression beyond {margin * 100:g} points vs {baseline} ({family}; {counted})"
    listed = "; ".join(f"{c.evaluation_id}: {c.reason}" for c in charged)
    return f"{listed}; {family}; {counted}"


def _regression_reason(decided: list[EvaluationComparison], charged: list[EvaluationComparison], outcome: str) -> str:
    if not decided:
        return "inconclusive: no evaluation of the gate was judged in both runs"
    if not charged:
        return "pass: every evaluation's 95% lower bound of B − A is above −margin"
    if len(charged) == 1:
        return f"{charged[0].evaluation_id}: {charged[0].reason}"
    return f"{outcome}: {len(charged)} evaluations, {', '.join(c.evaluation_id for c in charged)} (see detail)"


def check_gates(
    gates: list[GateConfig],
    specs: list[EvaluationSpec],
    summaries: list[EvaluationSummary],
    compare_with: CompareWith,
    max_error_rate: float = 0.0,
    outcomes: ScenarioOutcomes | None = None,
    corrected: dict[str, CorrectedPassRate] | None = None,
) -> list[GateResult]:
    """The suite's declared gates, in order (the run-level errors check is `errors_gate`). `outcomes`: the run's
    per-scenario trials, which a `min_pass_rate` gate's interval is computed on (scenarios are its clusters);
    `corrected`: the run's judge-error-corrected pass rates, for gates with `corrected: true`."""
    by_id = {s.evaluation_id: s for s in summaries}
    results = []
    for gate in gates:
        scope = [by_id[e] for e in _scope(gate, specs) if e in by_id]
        if gate.min_pass_rate is not None:
            results.append(_min_pass_rate(gate, scope, outcomes or {}, max_error_rate, corrected))
        else:
            results.append(_no_regression(gate, scope, compare_with, max_error_rate))
    return results


class GateReport(BaseModel):
    """`sparring gate --json`: the run-level errors and informative-figures checks, then the suite's gates, on one
    run; `outcome` is the run's (fail, else inconclusive, else pass)."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["gate"] = "gate"
    run: RunInfo
    max_error_rate: float
    gates_declared: int = Field(description="gates the suite declares (the errors check always applies)")
    results: list[GateResult]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def outcome(self) -> Outcome:
        """fail when a gate failed, else inconclusive when one could not decide, else pass."""
        outcomes = {r.outcome for r in self.results}
        return "fail" if "fail" in outcomes else "inconclusive" if "inconclusive" in outcomes else "pass"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """Every gate, the errors check included, passed (inconclusive is not a pass)."""
        return self.outcome == "pass"


def gate_scope(suite: Suite, run: Run) -> list[EvaluationSpec]:
    """The suite's evaluations the run judged (all of them when it judged none of the suite's)."""
    return [e for e in suite.evaluations if e.id in set(run.evaluation_ids)] or suite.evaluations


def comparison_with(store: Store, run: Run, outcomes: tuple[ScenarioOutcomes, NotApplicable]) -> CompareWith:
    """A regression gate's comparison: its baseline run (A, by id or label) against `run` (B, whose per-scenario
    trials and n/a counts are given), paired, seeded with B's seed."""

    def compare_with(baseline: str, margin: float, max_lost: float) -> list[EvaluationComparison]:
        rows = store.scenario_outcome_rows(store.get_run(baseline).id)
        na = (not_applicable_trials(rows), outcomes[1])
        return compare_outcomes(
            scenario_outcomes(rows), outcomes[0], seed=run.seed, margin=margin, not_applicable=na, max_lost=max_lost
        )

    return compare_with


def gate_report(
    suite: Suite,
    run: Run,
    store: Store,
    summaries: list[EvaluationSummary],
    rows: list[tuple[str, int, str, str]] | None = None,
    corrected: list[CorrectedPassRate] | None = None,
) -> GateReport:
    """The errors and informative-figures checks and the suite's gates on a stored run whose summaries over
    `gate_scope` are given; regression gates compare with their baseline run (paired, seeded with the run's seed),
    pass-rate gates take their interval over the run's scenarios. `rows` (its (scenario, trial, evaluation,
    outcome) rows) and `corrected` (its judge-error-corrected pass rates, `calibration_summary`) are read from the
    store when not given (`run_decision` gives both: one computation)."""
    rows = store.scenario_outcome_rows(run.id) if rows is None else rows
    if corrected is None and any(g.corrected for g in suite.config.gates):
        corrected = calibration_summary(store, run.id, suite.config.calibration.min_kappa, rows).corrected
    outcomes = scenario_outcomes(rows)
    compare_with = comparison_with(store, run, (outcomes, not_applicable_trials(rows)))
    limit = suite.config.max_error_rate
    totals = run_totals(summaries, run.simulator_evaluation_ids, store.conversation_end_counts([run.id])[run.id])
    results = [errors_gate(totals, limit), informative_gate(uninformative(store, run, summaries))]
    by_id = {r.evaluation_id: r for r in corrected or []}
    scope = gate_scope(suite, run)
    results += check_gates(suite.config.gates, scope, summaries, compare_with, limit, outcomes, by_id)
    return GateReport(
        run=RunInfo.of(run), max_error_rate=limit, gates_declared=len(suite.config.gates), results=results
    )


class RunCommandReport(BaseModel):
    """`sparring run --json`: the finished run's report, its gates (with --gate or --junit), and its errored
    conversations by cause."""

    schema_version: int = JSON_SCHEMA_VERSION
    kind: Literal["run_result"] = "run_result"
    report: RunReport
    gates: GateReport | None = Field(description="null unless --gate or --junit")
    errored_by_cause: dict[str, int] = Field(description="model_fault, chatbot_error, backend_error, other")
