"""JSON Schemas of every report `--json` prints, generated from the pydantic models (docs/json.md).
`python -m sparring.analysis.schemas [KIND]` prints them."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel

from sparring.analysis.catalog import EvaluationCatalog
from sparring.analysis.compare_report import ComparisonReport
from sparring.analysis.gate import GateReport, RunCommandReport
from sparring.analysis.history import HistoryReport
from sparring.analysis.noise_plan import NoiseAnalysis
from sparring.analysis.run_reports import JSON_SCHEMA_VERSION, RunReport, RunsReport

# the `kind` key of each report -> its model, and the command that prints it
REPORTS: dict[str, tuple[type[BaseModel], str]] = {
    "run_result": (RunCommandReport, "sparring run --json"),
    "run": (RunReport, "sparring report --json"),
    "runs": (RunsReport, "sparring runs --json"),
    "history": (HistoryReport, "sparring history SUITE --json"),
    "gate": (GateReport, "sparring gate SUITE RUN --json"),
    "evaluations": (EvaluationCatalog, "sparring evals list --json"),
    "compare": (ComparisonReport, "sparring compare A B --json"),
    "noise": (NoiseAnalysis, "sparring noise RUN RUN... --json"),
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one report as printed (computed fields such as `pass_rate` included)."""
    model, command = REPORTS[kind]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$comment": command} | (
        model.model_json_schema(mode="serialization")
    )


def document_schema(kind: str, model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of `--json -` output of a report model without a version of its own (calibrate:
    sparring.calibration.CalibrationReport; fidelity: sparring.analysis.fidelity.RealismReport):
    {schema_version, kind, report}."""
    report = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": report.pop("$defs", {}),  # its references point at the root's $defs
        "type": "object",
        "properties": {"schema_version": {"const": JSON_SCHEMA_VERSION}, "kind": {"const": kind}, "report": report},
        "required": ["schema_version", "kind", "report"],
    }


if __name__ == "__main__":
    kinds = sys.argv[1:] or list(REPORTS)
    print(json.dumps({kind: json_schema(kind) for kind in kinds}, indent=2))
