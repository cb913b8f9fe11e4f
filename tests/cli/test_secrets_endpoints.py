"""Credentials go only to the endpoint they belong to, and never into the store or the output.

Real path: `sparring run` on the command line, the roles' models and the chatbot under test behind two
header-capturing OpenAI-compatible servers on 127.0.0.1, a real SQLite file whose bytes are searched.
"""

from __future__ import annotations

import base64
import socket
from pathlib import Path

from aiohttp import web
from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.testing import StubServer

runner = CliRunner()
PROVIDER_KEY = "sk-provider-secret-4f1c"
AGENT_KEY = "agent-endpoint-secret-9b2e"


class CapturingServer(StubServer):
    """The stub server, also recording every request's headers and query string."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[dict[str, str]] = []
        self.queries: list[str] = []

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        self.queries.append(request.query_string)
        return await super()._chat(request)

    def saw(self, secret: str) -> bool:
        return any(secret in value for headers in self.headers for value in headers.values())


def sparring_run(suite: Path, db: Path, *args: str) -> str:
    """One scenario, one judged evaluation; returns the printed output (and asserts success)."""
    result = runner.invoke(
        app,
        ["run", str(suite), "--model", "openai:stub", "--scenario", "late-40min-fee"]
        + ["--eval", "no_invented_order_facts", "--db", str(db), "--no-cache", *args],
    )
    assert result.exit_code == 0, result.output
    return result.output


def stored_bytes(db: Path) -> bytes:
    """Every byte SQLite wrote for this database (the main file and its WAL)."""
    return b"".join(path.read_bytes() for path in db.parent.glob(db.name + "*"))


def said(output: str) -> str:
    """The printed output with the console's line wrapping undone."""
    return " ".join(output.split())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_provider_key_never_reaches_the_chatbot_under_test(example_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    db = tmp_path / "s.db"
    with CapturingServer() as provider, CapturingServer() as chatbot:
        output = sparring_run(example_suite.root, db, "--base-url", provider.base_url, "--agent", chatbot.base_url)
    [run] = Store.open(str(db)).list_runs()
    output += runner.invoke(app, ["report", run.id, "--db", str(db)]).output
    assert run.settings.agent_target == chatbot.base_url in output
    assert chatbot.headers and provider.headers
    assert not chatbot.saw(PROVIDER_KEY)
    assert all("Authorization" not in h and "api-key" not in h and "x-api-key" not in h for h in chatbot.headers)
    assert all(h["Authorization"] == f"Bearer {PROVIDER_KEY}" for h in provider.headers)
    assert PROVIDER_KEY.encode() not in stored_bytes(db) and PROVIDER_KEY not in output


def test_chatbot_gets_only_its_own_key_and_the_provider_never_sees_it(example_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("BOT_KEY", AGENT_KEY)
    db = tmp_path / "s.db"
    with CapturingServer() as provider, CapturingServer() as chatbot:
        output = sparring_run(
            example_suite.root,
            db,
            *("--base-url", provider.base_url, "--agent", chatbot.base_url, "--agent-api-key-env", "BOT_KEY"),
        )
    assert chatbot.headers and all(h["Authorization"] == f"Bearer {AGENT_KEY}" for h in chatbot.headers)
    assert not chatbot.saw(PROVIDER_KEY) and not provider.saw(AGENT_KEY)
    stored = stored_bytes(db)
    assert AGENT_KEY.encode() not in stored and PROVIDER_KEY.encode() not in stored
    assert AGENT_KEY not in output and PROVIDER_KEY not in output
    [run] = Store.open(str(db)).list_runs()
    assert run.settings.agent_config["api_key_env"] == "BOT_KEY", "the variable's name is stored, for resume"


def test_url_credentials_are_used_for_calls_but_never_stored_or_printed(example_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    db = tmp_path / "s.db"
    with CapturingServer() as provider, CapturingServer() as chatbot:
        base = f"http://alice:hunter2-pw@127.0.0.1:{provider.port}/v1?api-key=XYZ-query-secret"
        agent = f"http://127.0.0.1:{chatbot.port}/v1?token=TOKEN-query-secret&v=2"
        output = sparring_run(example_suite.root, db, "--base-url", base, "--agent", agent)
        output += runner.invoke(app, ["runs", "--db", str(db)]).output
    basic = "Basic " + base64.b64encode(b"alice:hunter2-pw").decode()
    assert all(h["Authorization"] == basic for h in provider.headers), "user info goes as basic auth, not the key"
    assert set(provider.queries) == {"api-key=XYZ-query-secret"}
    assert set(chatbot.queries) == {"token=TOKEN-query-secret&v=2"}
    stored = stored_bytes(db)
    for secret in ("hunter2-pw", "XYZ-query-secret", "TOKEN-query-secret", PROVIDER_KEY):
        assert secret.encode() not in stored and secret not in output, secret
    [run] = Store.open(str(db)).list_runs()
    assert run.settings.base_url == f"http://***@127.0.0.1:{provider.port}/v1?api-key=***"
    assert run.settings.agent_target == f"http://127.0.0.1:{chatbot.port}/v1?token=***&v=2"


def test_agent_url_nobody_listens_on_is_refused_before_anything_is_written(example_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    db = tmp_path / "s.db"
    agent = f"http://127.0.0.1:{closed_port()}/v1"
    with CapturingServer() as provider:
        result = runner.invoke(
            app,
            ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", provider.base_url]
            + ["--agent", agent, "--db", str(db)],
        )
    assert result.exit_code != 0
    assert f"error: --agent {agent}: nobody is listening (connection refused)" in said(result.output)
    assert "Traceback" not in result.output
    assert provider.counts["requests"] == 0, "no model call before the check"
    assert Store.open(str(db)).list_runs() == []


def test_missing_agent_key_variable_is_one_line_and_nothing_is_written(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_BOT_KEY", raising=False)
    db = tmp_path / "s.db"
    with CapturingServer() as provider, CapturingServer() as chatbot:
        result = runner.invoke(
            app,
            ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", provider.base_url]
            + ["--agent", chatbot.base_url, "--agent-api-key-env", "NO_SUCH_BOT_KEY", "--db", str(db)],
        )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "--agent-api-key-env NO_SUCH_BOT_KEY: the environment has no NO_SUCH_BOT_KEY (export it first)" in said(
        result.output
    )
    assert provider.counts["requests"] == chatbot.counts["requests"] == 0
    assert Store.open(str(db)).list_runs() == []


def test_agent_key_variable_with_a_reference_agent_is_refused(example_suite, tmp_path):
    result = runner.invoke(
        app,
        ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", "http://127.0.0.1:9/v1"]
        + ["--agent-api-key-env", "BOT_KEY", "--db", str(tmp_path / "s.db")],
    )
    assert result.exit_code != 0
    assert "--agent-api-key-env BOT_KEY: only an http agent takes a key (--agent http://...)" in said(result.output)


def test_suite_yaml_names_the_chatbot_key_variable(suite_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("BOT_KEY", AGENT_KEY)
    suite_yaml = suite_copy / "suite.yaml"
    with CapturingServer() as provider, CapturingServer() as chatbot:
        target = f"http://127.0.0.1:{chatbot.port}/v1?token=yaml-token"
        yaml_text = suite_yaml.read_text().replace(
            "agent:\n  kind: reference\n", f"agent:\n  kind: http\n  target: {target}\n  api_key_env: BOT_KEY\n"
        )
        suite_yaml.write_text(yaml_text)
        output = sparring_run(suite_copy, tmp_path / "s.db", "--base-url", provider.base_url)
    assert chatbot.headers and all(h["Authorization"] == f"Bearer {AGENT_KEY}" for h in chatbot.headers)
    assert set(chatbot.queries) == {"token=yaml-token"}
    assert not chatbot.saw(PROVIDER_KEY) and not provider.saw(AGENT_KEY)
    assert "yaml-token" not in output and b"yaml-token" not in stored_bytes(tmp_path / "s.db")
