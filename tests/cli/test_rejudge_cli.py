"""`sparring rejudge` end to end: a real SQLite file and a real HTTP model server; bad input in one line."""

import json

from typer.testing import CliRunner

from cli.test_cli import http_world
from sparring import Store
from sparring.cli import app
from sparring.testing import StubServer

runner = CliRunner()


def strict_or_world(body):
    """The scripted world over HTTP, except the model 'strict', a judge that fails everything."""
    if body["model"] == "strict":
        return {"content": json.dumps({"reasoning": "strict judge", "verdict": "fail"})}
    return http_world(body)


def schema(body) -> str:
    return (body.get("response_format") or {}).get("json_schema", {}).get("name", "")


def test_rejudge_over_a_real_server_calls_only_the_new_judge_and_compares(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db, suite = str(tmp_path / "cli.db"), str(example_suite.root)
    with StubServer(strict_or_world) as server:
        common = ["--db", db]
        run = ["run", suite, "--model", "openai:stub", "--base-url", server.base_url, "--scenarios", "2"]
        assert runner.invoke(app, [*run, "--label", "base", *common]).exit_code == 0
        seen = len(server.requests)
        rejudge = [
            "rejudge",
            "base",
            "--suite",
            suite,
            "--eval",
            "no_invented_policy",
            "--judge-model",
            "openai:strict",
        ]
        result = runner.invoke(app, [*rejudge, *common])
        assert result.exit_code == 0, result.output
        during = server.requests[seen:]
    assert len(during) == 2 and all(b["model"] == "strict" and schema(b) == "verdict" for b in during)
    assert "2 conversations judged again" in result.output
    store = Store.open(db)
    new = store.get_run("base-rejudged")
    assert new.settings.judge == "openai:strict"
    compared = runner.invoke(app, ["compare", "base", "base-rejudged", "--db", db])
    assert compared.exit_code == 0, compared.output
    assert "no_invented_policy" in compared.output


def test_unknown_run_or_evaluation_is_one_line_and_writes_nothing(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db, suite = str(tmp_path / "cli.db"), str(example_suite.root)
    with StubServer(strict_or_world) as server:
        run = ["run", suite, "--model", "openai:stub", "--base-url", server.base_url, "--scenarios", "1"]
        assert runner.invoke(app, [*run, "--label", "base", "--db", db]).exit_code == 0
        seen = len(server.requests)
        missing = runner.invoke(app, ["rejudge", "nope", "--suite", suite, "--db", db])
        bogus = runner.invoke(app, ["rejudge", "base", "--suite", suite, "--eval", "bogus", "--db", db])
        assert len(server.requests) == seen
    assert missing.exit_code == 2 and missing.output.strip().startswith("error: no run with id or label 'nope'")
    assert bogus.exit_code == 2 and bogus.output.strip() == "error: unknown evaluation ids: bogus"
    assert len(missing.output.strip().splitlines()) == 1 and len(bogus.output.strip().splitlines()) == 1
    assert Store.open(db).count_runs() == 1
