"""JUnit XML for CI systems: one test case per evaluation, failing when a gate covering it fails."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sparring.analysis.gate import GateResult
from sparring.analysis.report import EvaluationSummary
from sparring.data_model import Run
from sparring.evaluations import EvaluationSpec


def junit_xml(
    run: Run, specs: list[EvaluationSpec], summaries: list[EvaluationSummary], gates: list[GateResult]
) -> str:
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
    failures = errors = 0
    for summary in summaries:
        case = ET.SubElement(
            suite,
            "testcase",
            name=summary.evaluation_id,
            classname=f"sparring.{run.suite}.{families.get(summary.evaluation_id, 'general')}",
            time="0",
        )
        failed = [g for g in gates if summary.evaluation_id in g.evaluation_ids and not g.passed]
        if failed:
            failures += 1
            failure = ET.SubElement(case, "failure", message="; ".join(g.gate for g in failed), type="gate")
            failure.text = "\n".join(f"{g.gate}: {g.detail}" for g in failed)
        elif summary.errors and not summary.applicable:
            errors += 1
            error = ET.SubElement(case, "error", message="every verdict was an error", type="evaluation-error")
            error.text = f"{summary.errors} error verdicts"
        rate = "n/a" if summary.pass_rate is None else f"{summary.pass_rate:.1%}"
        ET.SubElement(case, "system-out").text = (
            f"pass rate {rate}: {summary.passed} pass, {summary.failed} fail, {summary.errors} error, "
            f"{summary.not_applicable} not applicable"
        )
    suite.set("tests", str(len(summaries)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def write_junit(
    path: Path, run: Run, specs: list[EvaluationSpec], summaries: list[EvaluationSummary], gates: list[GateResult]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(run, specs, summaries, gates) + "\n", encoding="utf-8")
