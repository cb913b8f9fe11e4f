"""`calibrate --json -` and `fidelity --json -` print only JSON on stdout, {schema_version, kind, report},
valid against the schema of their report models (`--json FILE` still writes the bare report to a file)."""

import json

import jsonschema
from typer.testing import CliRunner

from analysis.test_fidelity import CHATS
from calibration.test_calibration import EVAL, labelled_store  # noqa: F401  (the fixture)
from cli.test_cli import http_world
from sparring.analysis.fidelity import RealismReport
from sparring.analysis.schemas import document_schema
from sparring.calibration import CalibrationReport
from sparring.cli import app
from sparring.testing import StubServer

runner = CliRunner()


def test_fidelity_json_to_stdout(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = str(tmp_path / "fid.db")
    with StubServer(http_world) as server:
        url = ["--model", "openai:stub", "--base-url", server.base_url, "--db", db]
        ran = runner.invoke(app, ["run", str(example_suite.root), "--label", "sim", "--scenarios", "3", *url])
        assert ran.exit_code == 0, ran.output
    shown = runner.invoke(app, ["fidelity", "sim", "--real", str(CHATS), "--json", "-", "--db", db])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    jsonschema.validate(document, document_schema("fidelity", RealismReport))
    assert document["report"]["simulated"]["conversations"] == 3 and document["report"]["real"]["conversations"] == 32


def test_calibrate_json_to_stdout(example_suite, labelled_store):  # noqa: F811
    _, db, _ = labelled_store

    def judge_over_http(body):
        return {"content": json.dumps({"reasoning": "looks fine", "verdict": "pass"})}

    args = ["calibrate", "--suite", str(example_suite.root), "--eval", EVAL, "--split", "all", "--db", str(db)]
    with StubServer(judge_over_http) as server:
        shown = runner.invoke(
            app, [*args, "--judge-model", "openai:stub", "--base-url", server.base_url, "--json", "-"]
        )
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.stdout)
    jsonschema.validate(document, document_schema("calibration", CalibrationReport))
    assert document["kind"] == "calibration" and document["report"]["confusion"]["missed_fail"] == 4
