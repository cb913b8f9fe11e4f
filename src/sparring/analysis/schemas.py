"""JSON Schemas of every report `--json` prints, generated from the pydantic models (docs/json.md).
`python -m sparring.analysis.schemas [KIND]` prints them."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel

from sparring.analysis.catalog import EvaluationCatalog
from sparring.analysis.gate import GateReport, RunCommandReport
from sparring.analysis.history import HistoryReport
from sparring.analysis.runs import RunReport, RunsReport

# the `kind` key of each report -> its model, and the command that prints it
REPORTS: dict[str, tuple[type[BaseModel], str]] = {
    "run_result": (RunCommandReport, "sparring run --json"),
    "run": (RunReport, "sparring report --json"),
    "runs": (RunsReport, "sparring runs --json"),
    "history": (HistoryReport, "sparring history SUITE --json"),
    "gate": (GateReport, "sparring gate SUITE RUN --json"),
    "evaluations": (EvaluationCatalog, "sparring evals list --json"),
}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one report as printed (computed fields such as `pass_rate` included)."""
    model, command = REPORTS[kind]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$comment": command} | (
        model.model_json_schema(mode="serialization")
    )


if __name__ == "__main__":
    kinds = sys.argv[1:] or list(REPORTS)
    print(json.dumps({kind: json_schema(kind) for kind in kinds}, indent=2))
