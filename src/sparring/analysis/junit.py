"""JUnit XML for CI systems, rendered from a `RunDecision` (the same one `sparring gate` and the pytest plugin
render): one test case per gate (the run-level errors and informative checks, then the suite's gates; a failed or
inconclusive gate is a `<failure>` with its reason, an over-budget one an `<error>`), then one per evaluation
(`<error>` when its errored verdicts exceed `max_error_rate`, `<failure>` when a gate charged it; a family gate's
failure is reported once, on the gate). Properties name the run, the real agent and the decision; an evaluation's
case carries its judge-error-corrected pass rate (or why it is withheld) as properties and, with its calibration
warnings, in its system-out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sparring.analysis.decision import RunDecision, agent_name
from sparring.analysis.gate import GateResult
from sparring.analysis.judge_calibration import CorrectedPassRate
from sparring.analysis.pass_k import TrialFigures
from sparring.analysis.pass_rates import EvaluationSummary


def junit_xml(decision: RunDecision) -> str:
    """The document: properties of the run, one case per gate, one per evaluation."""
    run = decision.run
    duration = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    suites = ET.Element("testsuites", name=f"sparring {run.suite}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"sparring.{run.suite}",
        timestamp=run.started_at.strftime("%Y-%m-%dT%H:%M:%S"),
        hostname="localhost",
        time=f"{duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("run", run.id),
        ("label", run.label),
        ("agent", agent_name(run.settings)),
        ("agent_model", run.settings.agent),
        ("judge", run.settings.judge),
        ("simulator", run.settings.simulator),
        ("outcome", decision.report.outcome),
        ("calibration_warnings", str(len(decision.calibration.warnings))),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    cases = [_gate_case(suite, run.suite, g) for g in decision.report.results]
    trials = {t.evaluation_id: t for t in decision.trials}
    families = {s.id: s.family for s in decision.specs}
    for summary in decision.summaries:
        case = ET.SubElement(
            suite,
            "testcase",
            name=summary.evaluation_id,
            classname=f"sparring.{run.suite}.{families.get(summary.evaluation_id, 'general')}",
            time="0",
        )
        cases.append(_evaluation_case(case, decision, summary, trials.get(summary.evaluation_id)))
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(cases.count("failure")))
    suite.set("errors", str(cases.count("error")))
    suite.set("skipped", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _evaluation_case(
    case: ET.Element, decision: RunDecision, summary: EvaluationSummary, trials: TrialFigures | None
) -> str:
    """One evaluation's case; returns its state: "error", "failure" or "pass"."""
    state = decision.state(summary.evaluation_id)
    corrected, warnings = decision.calibration.for_evaluation(summary.evaluation_id)
    if corrected is not None:
        _corrected_properties(ET.SubElement(case, "properties"), corrected)
    if state.state != "pass":
        kind = "errored-verdicts" if state.state == "error" else "gate"
        ET.SubElement(case, state.state, message=state.messages[0], type=kind).text = "\n".join(state.messages)
    lines = [f"pass rate {summary.rate_text()} (units: conversations); {summary.not_applicable} not applicable"]
    if trials is not None and trials.trials > 1:
        lines += [
            f"pass^{p.k} {p.estimate:.0%} (95% interval {p.low:.0%}–{p.high:.0%} over {p.scenarios} scenarios)"
            for p in trials.pass_hat_k_intervals
        ]
        lines.append(f"flaky scenarios: {', '.join(trials.flaky) or 'none'}")
    if corrected is not None:
        lines.append(f"judge-error-corrected pass rate (units: conversations, 95% interval): {corrected.text()}")
    lines += [f"judge calibration: {warning}" for warning in warnings]
    ET.SubElement(case, "system-out").text = "\n".join(lines)
    return state.state


def _corrected_properties(properties: ET.Element, rate: CorrectedPassRate) -> None:
    """`corrected_pass_rate`, `corrected_low`, `corrected_high` and `corrected_labels` (shares in [0, 1]), or
    `corrected_withheld` with the reason, beside `raw_pass_rate`."""
    values: dict[str, object] = {"raw_pass_rate": rate.raw_pass_rate}
    if rate.corrected is None:
        values["corrected_withheld"] = rate.withheld
    else:
        values |= {"corrected_pass_rate": rate.corrected, "corrected_low": rate.low, "corrected_high": rate.high}
        values["corrected_labels"] = sum(rate.labels.values())
    for name, value in values.items():
        shown = f"{value:.4f}" if isinstance(value, float) else "" if value is None else str(value)
        ET.SubElement(properties, "property", name=name, value=shown)


def _gate_case(suite: ET.Element, suite_name: str, gate: GateResult) -> str:
    """A gate's case (run-level checks in `.run`, the suite's gates in `.gate`); returns its state."""
    where = "gate" if gate.scope else "run"
    case = ET.SubElement(suite, "testcase", name=gate.gate, classname=f"sparring.{suite_name}.{where}", time="0")
    state = "pass" if gate.passed else "error" if gate.errored else "failure"
    if state != "pass":
        message = gate.reason or gate.detail
        ET.SubElement(case, state, message=message, type="gate").text = f"{gate.gate}: {gate.detail}"
    ET.SubElement(case, "system-out").text = f"{gate.outcome}: {gate.detail}"
    return state


def write_junit(path: Path, decision: RunDecision) -> None:
    """Writes `junit_xml` to `path` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(decision) + "\n", encoding="utf-8")
