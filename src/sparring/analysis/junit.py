"""JUnit XML for CI systems: one test case per evaluation, failing when a gate covering it fails and in error
when its errored verdicts exceed the suite's `max_error_rate`; run-level gates (the errors check) are cases too."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sparring.analysis.gate import GateResult
from sparring.analysis.report import EvaluationSummary
from sparring.data_model import Run
from sparring.evaluations import EvaluationSpec


def junit_xml(
    run: Run,
    specs: list[EvaluationSpec],
    summaries: list[EvaluationSummary],
    gates: list[GateResult],
    max_error_rate: float = 0.0,
) -> str:
    """The document: properties of the run, one case per evaluation, one per run-level gate."""
    families = {s.id: s.family for s in specs}
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
        ("agent", run.settings.agent),
        ("judge", run.settings.judge),
        ("simulator", run.settings.simulator),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    cases = [_evaluation_case(suite, run, families, s, gates, max_error_rate) for s in summaries]
    cases += [_run_case(suite, run, g) for g in gates if not g.evaluation_ids]
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(cases.count("failure")))
    suite.set("errors", str(cases.count("error")))
    suite.set("skipped", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def _evaluation_case(
    suite: ET.Element,
    run: Run,
    families: dict[str, str],
    summary: EvaluationSummary,
    gates: list[GateResult],
    max_error_rate: float,
) -> str:
    """One evaluation's case; returns its state: "error", "failure" or "pass"."""
    family = families.get(summary.evaluation_id, "general")
    classname = f"sparring.{run.suite}.{family}"
    case = ET.SubElement(suite, "testcase", name=summary.evaluation_id, classname=classname, time="0")
    failed = [g for g in gates if summary.evaluation_id in g.evaluation_ids and not g.passed]
    gate_text = "\n".join(f"{g.gate}: {g.detail}" for g in failed)
    state = "pass"
    if summary.errors and summary.error_rate > max_error_rate:
        state = "error"
        message = (
            f"{summary.errors} of {summary.applicable + summary.errors} verdicts errored "
            f"({summary.error_rate:.0%}), above max_error_rate {max_error_rate:.0%}"
        )
        ET.SubElement(case, "error", message=message, type="errored-verdicts").text = gate_text or message
    elif failed:
        state = "failure"
        ET.SubElement(case, "failure", message="; ".join(g.gate for g in failed), type="gate").text = gate_text
    ET.SubElement(
        case, "system-out"
    ).text = f"pass rate {summary.rate_text()} (units: conversations); {summary.not_applicable} not applicable"
    return state


def _run_case(suite: ET.Element, run: Run, gate: GateResult) -> str:
    """A run-level gate's case (the errors check, a gate with nothing in scope); returns its state."""
    case = ET.SubElement(suite, "testcase", name=gate.gate, classname=f"sparring.{run.suite}.run", time="0")
    state = "pass" if gate.passed else "error" if gate.errored else "failure"
    if state != "pass":
        ET.SubElement(case, state, message=gate.detail, type="gate").text = f"{gate.gate}: {gate.detail}"
    ET.SubElement(case, "system-out").text = gate.detail
    return state


def write_junit(
    path: Path,
    run: Run,
    specs: list[EvaluationSpec],
    summaries: list[EvaluationSummary],
    gates: list[GateResult],
    max_error_rate: float = 0.0,
) -> None:
    """Writes `junit_xml` to `path` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(run, specs, summaries, gates, max_error_rate) + "\n", encoding="utf-8")
