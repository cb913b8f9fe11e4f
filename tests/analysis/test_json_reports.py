"""`--json` on every report command prints one JSON document and nothing else on stdout, valid against the
schema generated from the reports layer's models (docs/json.md): a real run of the example suite against an
HTTP model server into a real SQLite file."""

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from cli.test_cli import http_world
from sparring.analysis.run_reports import JSON_SCHEMA_VERSION
from sparring.analysis.schemas import REPORTS, json_schema
from sparring.cli import app
from sparring.testing import StubServer

runner = CliRunner()
DOCS = Path(__file__).parents[2] / "docs" / "json.md"


@pytest.fixture(scope="module")
def stored(example_suite, tmp_path_factory):
    """A finished run (label 'json') and its `run --json --gate` output."""
    db = tmp_path_factory.mktemp("json") / "json.db"
    with StubServer(http_world) as server:
        args = ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", server.base_url]
        result = runner.invoke(app, [*args, "--scenarios", "2", "--label", "json", "--db", str(db), "--json"])
    return db, result


def valid(stdout: str, kind: str) -> dict:
    """The document on stdout, checked against its schema; stdout holds nothing else."""
    document = json.loads(stdout)
    jsonschema.validate(document, json_schema(kind))
    assert document["schema_version"] == JSON_SCHEMA_VERSION and document["kind"] == kind
    return document


def test_run_json_is_only_json_and_valid(stored):
    _, result = stored
    assert result.exit_code in (0, 1), result.output
    document = valid(result.stdout, "run_result")
    assert document["report"]["run"]["label"] == "json" and document["report"]["totals"]["conversations"] == 2


def test_report_runs_history_gate_and_evals_list_json_are_valid(stored, example_suite):
    db, _ = stored
    report = valid(runner.invoke(app, ["report", "json", "--db", str(db), "--json"]).stdout, "run")
    assert {s["evaluation_id"] for s in report["evaluations"]} >= {"no_invented_policy"}
    listed = valid(runner.invoke(app, ["runs", "--db", str(db), "--json", "--label", "json"]).stdout, "runs")
    assert [r["run"]["id"] for r in listed["runs"]] == [report["run"]["id"]]
    history = valid(
        runner.invoke(app, ["history", str(example_suite.root), "--db", str(db), "--json"]).stdout, "history"
    )
    assert history["iterations"] == ["json"]
    gated = runner.invoke(app, ["gate", str(example_suite.root), "json", "--db", str(db), "--json"])
    gate = valid(gated.stdout, "gate")
    exit_codes = {"pass": 0, "fail": 1, "inconclusive": 3}
    assert gated.exit_code == exit_codes[gate["outcome"]] and gate["results"][0]["gate"].startswith("errors")
    assert gate["passed"] is (gate["outcome"] == "pass") and all(r["reason"] or r["passed"] for r in gate["results"])
    catalog = valid(
        runner.invoke(app, ["evals", "list", "--suite", str(example_suite.root), "--json"]).stdout, "evaluations"
    )
    assert any(e["enabled"] for e in catalog["evaluations"]) and catalog["suite"] == example_suite.name


def test_a_document_that_breaks_the_schema_is_refused(stored):
    db, _ = stored
    document = json.loads(runner.invoke(app, ["report", "json", "--db", str(db), "--json"]).stdout)
    del document["totals"]["chatbot"]["pass_rate"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema("run"))


def test_docs_name_every_report_and_the_schema_version():
    text = DOCS.read_text()
    assert f"schema_version` is {JSON_SCHEMA_VERSION}" in text
    for kind, (_, command) in REPORTS.items():
        assert f'`"{kind}"`' in text and command in text, kind


def test_compare_and_noise_json_are_valid(stored, example_suite, tmp_path):
    db = tmp_path / "compare.db"  # a copy (WAL included): the module's store keeps its one run
    with sqlite3.connect(stored[0]) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    with StubServer(http_world) as server:
        args = ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", server.base_url]
        again = runner.invoke(app, [*args, "--scenarios", "2", "--label", "again", "--db", str(db)])
    assert again.exit_code in (0, 1), again.output
    compared = valid(runner.invoke(app, ["compare", "json", "again", "--db", str(db), "--json"]).stdout, "compare")
    assert compared["a"]["label"] == "json" and compared["b"]["label"] == "again" and compared["comparisons"]
    noise = valid(runner.invoke(app, ["noise", "json", "again", "--db", str(db), "--json"]).stdout, "noise")
    assert [r["label"] for r in noise["runs"]] == ["json", "again"] and noise["evaluations"]
