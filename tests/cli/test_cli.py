"""The command line, end to end: real SQLite file, real HTTP model server, bad input."""

import json
from pathlib import Path

from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import ChatRequest, Message, Store
from sparring.cli import app
from sparring.data_model import ToolSpec
from sparring.testing import StubServer

runner = CliRunner()
FIXTURES = Path(__file__).parents[1] / "fixtures"


def http_world(body):
    """The scripted world, served over HTTP: the same answers, in OpenAI wire format."""
    schema = (body.get("response_format") or {}).get("json_schema", {}).get("name", "answer")
    request = ChatRequest(
        messages=[Message(role=m["role"], content=m.get("content") or "") for m in body["messages"]],
        tools=[ToolSpec(name=t["function"]["name"]) for t in body.get("tools", [])],
        schema_name=schema,
    )
    reply = world_reply(request)
    if isinstance(reply, dict):
        return {"content": json.dumps(reply)}
    if isinstance(reply, str):
        return {"content": reply}
    return {
        "tool_calls": [
            {"id": c.id, "function": {"name": c.name, "arguments": json.dumps(c.arguments)}} for c in reply.tool_calls
        ]
    }


def test_run_report_and_runs_over_a_real_server(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = tmp_path / "cli.db"
    with StubServer(http_world) as server:
        result = runner.invoke(
            app,
            [
                "run",
                str(example_suite.root),
                "--model",
                "openai:stub",
                "--base-url",
                server.base_url,
                "--scenarios",
                "3",
                "--label",
                "baseline",
                "--db",
                str(db),
            ],
        )
    assert result.exit_code == 0, result.output
    assert "Pass rate per evaluation" in result.output and "no_invented_policy" in result.output
    assert "3 conversations" in result.output
    run = Store.open(str(db)).get_run("baseline")
    assert run.settings.judge == "openai:stub" and len(run.scenario_ids) == 3

    report = runner.invoke(app, ["report", "baseline", "--db", str(db)])
    assert report.exit_code == 0 and "no_invented_policy" in report.output and run.id in report.output
    listing = runner.invoke(app, ["runs", "--db", str(db)])
    assert listing.exit_code == 0 and "baseline" in listing.output


def test_python_agent_from_the_command_line(example_suite, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    db = tmp_path / "cli.db"
    with StubServer(http_world) as server:
        result = runner.invoke(
            app,
            [
                "run",
                str(example_suite.root),
                "--model",
                "openai:stub",
                "--base-url",
                server.base_url,
                "--agent",
                "my_bot:SupportBot",
                "--scenario",
                "late-40min-fee",
                "--db",
                str(db),
            ],
        )
    assert result.exit_code == 0, result.output
    store = Store.open(str(db))
    [conversation] = store.conversations(store.list_runs()[0].id)
    turn = conversation.turns[1]
    assert turn.content == "Status: delivered. Lookup error: no order 'O-0000'"
    assert [c.name for c in turn.tool_calls] == ["delivery_status", "lookup_order"]


def test_bad_suite_gives_one_clear_error_and_writes_nothing(suite_copy, tmp_path):
    (suite_copy / "suite.yaml").write_text(
        (suite_copy / "suite.yaml").read_text().replace("max_turns: 6", "max_turns: -1")
    )
    db = tmp_path / "never.db"
    result = runner.invoke(app, ["run", str(suite_copy), "--db", str(db)])
    assert result.exit_code == 2
    assert "suite.yaml:" in result.output and "simulation.max_turns" in result.output
    assert "Traceback" not in result.output
    assert not db.exists(), "nothing written before the input is valid"


def test_bad_agent_and_unknown_run(example_suite, tmp_path):
    result = runner.invoke(
        app,
        [
            "run",
            str(example_suite.root),
            "--model",
            "openai:x",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--agent",
            "no_such_module:Bot",
            "--db",
            str(tmp_path / "a.db"),
        ],
    )
    assert result.exit_code == 2 and "cannot import module 'no_such_module'" in result.output
    missing = runner.invoke(app, ["report", "nope", "--db", str(tmp_path / "a.db")])
    assert missing.exit_code == 2 and "no run with id or label 'nope'" in missing.output


def test_sync_function_agent(example_suite, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES))
    with StubServer(http_world) as server:
        result = runner.invoke(
            app,
            [
                "run",
                str(example_suite.root),
                "--model",
                "openai:stub",
                "--base-url",
                server.base_url,
                "--agent",
                "my_bot:sync_bot",
                "--scenario",
                "late-40min-fee",
                "--db",
                str(tmp_path / "b.db"),
            ],
        )
    assert result.exit_code == 0, result.output
    store = Store.open(str(tmp_path / "b.db"))
    [conversation] = store.conversations(store.list_runs()[0].id)
    assert conversation.turns[1].content.startswith("You said: Hello, my order O-2002")


def test_out_of_range_flags_are_rejected_naming_the_flag(example_suite, tmp_path):
    for flag, value in (("--scenarios", "-2"), ("--max-cost", "-1"), ("--trials", "0")):
        result = runner.invoke(app, ["run", str(example_suite.root), flag, value, "--db", str(tmp_path / "x.db")])
        assert result.exit_code == 2 and flag in result.output, result.output
    assert not (tmp_path / "x.db").exists()


def test_case_state_agent_over_a_real_http_model_server(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = tmp_path / "cs.db"
    with StubServer() as server:
        result = runner.invoke(
            app,
            [
                "run",
                str(example_suite.root),
                "--model",
                "openai:stub",
                "--base-url",
                server.base_url,
                "--agent-config",
                str(example_suite.root / "agents" / "case-state.yaml"),
                "--scenario",
                "late-40min-fee",
                "--db",
                str(db),
            ],
        )
        agent_requests = [r for r in server.requests if r.get("tools")]
    assert result.exit_code == 0, result.output
    assert len(agent_requests) >= 2
    after_tool = agent_requests[1]["messages"]
    assert all(m["role"] != "tool" for m in after_tool)
    assert after_tool[-1]["role"] == "system" and after_tool[-1]["content"].startswith("CASE STATE")
    store = Store.open(str(db))
    [conversation] = store.conversations(store.list_runs()[0].id)
    assert conversation.turns[1].tool_calls, "the tool call made over HTTP is recorded"
