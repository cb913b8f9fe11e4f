"""Real frameworks, real path: the example bots built with the OpenAI Agents SDK and with Pydantic AI, each on its
own chat server on 127.0.0.1, their model the stub server (sparring.testing), their tools the MCP backend Sparring
serves; judged by the demo suite's evaluations exactly as the reference agent is on the same scripted behaviour."""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from typer.testing import CliRunner

from sparring import RoleOverrides, RunOptions, Store, run_suite
from sparring.cli import app
from sparring.data_model import EndReason
from sparring.simulator import ScriptedCustomer
from sparring.suite.loader import load_agent_config
from sparring.testing import StubServer
from sparring.testing.suite_world import SuiteWorld
from sparring.testing.world import structured_answer, tool_call

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLOCK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OPENING = "Hi, my order O-2002 came 40 minutes late, what happened?"


def scripted_agent(body):
    """The same behaviour whoever asks: look the order up, then say its status as the tool gave it."""
    answer = structured_answer(body)
    if answer is not None:
        return answer
    messages = body["messages"]
    said = " ".join(str(m.get("content")) for m in messages if m["role"] == "user")
    order = re.search(r"O-\d{4}", said).group(0)
    results = [str(m.get("content")) for m in messages if m["role"] == "tool"]
    if not results:
        return tool_call("lookup_order", {"order_id": order})
    status = re.search(r'"status\W+(\w+)', results[-1]).group(1)
    return {"content": f"Your order {order} is {status}."}


def customer(_scenario, _trial, _model, _seed):
    return ScriptedCustomer([OPENING])


def bot_module(folder: str):
    spec = importlib.util.spec_from_file_location(f"example_{folder.replace('-', '_')}", EXAMPLES / folder / "bot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run(example_suite, tmp_path, name, agent=None, agent_config=None, base_url=None):
    options = RunOptions(
        scenario_ids=["late-40min-fee"],
        clock=CLOCK,
        cache=False,
        models=RoleOverrides(model="openai:stub", base_url=base_url, agent=agent, agent_config=agent_config),
    )
    store = Store.open(str(tmp_path / f"{name}.db"))
    result = await run_suite(example_suite, store, options, customer=customer)
    [conversation] = store.conversations(result.run.id)
    verdicts = {v.evaluation_id: v.outcome for v in store.verdicts(result.run.id)}
    return conversation, verdicts


async def serve(app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


@pytest.mark.parametrize(
    ("folder", "package", "path"), [("bot-openai-agents", "agents", "/v1"), ("bot-pydantic-ai", "pydantic_ai", "")]
)
async def test_framework_bot_is_judged_as_the_reference_agent(example_suite, tmp_path, folder, package, path):
    pytest.importorskip(package, reason=f"the example needs the optional extra with {package}")
    with StubServer(scripted_agent) as model:
        reference, reference_verdicts = await run(example_suite, tmp_path, "reference", base_url=model.base_url)
        runner, port = await serve(bot_module(folder).make_app(model.base_url, "stub"))
        try:
            config = load_agent_config(EXAMPLES / folder / "agent.yaml")
            url = f"http://127.0.0.1:{port}{path}"
            bot, bot_verdicts = await run(example_suite, tmp_path, folder, url, config, model.base_url)
        finally:
            await runner.cleanup()
    assert reference.end_reason != EndReason.ERROR and bot.end_reason != EndReason.ERROR, bot.error
    calls = [
        [(c.name, c.arguments, c.result, c.error) for c in t.tool_calls] for t in (reference.turns[1], bot.turns[1])
    ]
    assert calls[0] == calls[1] and calls[0][0][0] == "lookup_order" and calls[0][0][2]["order_id"] == "O-2002"
    assert bot.turns[1].content == reference.turns[1].content == "Your order O-2002 is delivered."
    assert bot.state_diff == reference.state_diff
    assert bot_verdicts == reference_verdicts and len(bot_verdicts) >= 5
    assert all("/c/" not in json.dumps(r) for r in model.requests), "the model never sees a backend URL"


def test_sparring_run_against_the_bot_running_as_its_own_process(example_suite, tmp_path):
    """What a team does: its bot runs as its own process; `sparring run --agent URL --agent-config FILE`."""
    pytest.importorskip("pydantic_ai", reason="the example needs the optional extra with pydantic_ai")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "agent.yaml"
    config.write_text((EXAMPLES / "bot-pydantic-ai" / "agent.yaml").read_text().replace("8081", str(port)))
    db = tmp_path / "cli.db"
    with StubServer(SuiteWorld.from_suite(example_suite)) as model:  # plays the customer, the bot's LLM and judges
        bot = subprocess.Popen(
            [
                sys.executable,
                str(EXAMPLES / "bot-pydantic-ai" / "bot.py"),
                "--port",
                str(port),
                "--model-base-url",
                model.base_url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while socket.socket().connect_ex(("127.0.0.1", port)) and time.monotonic() < deadline:
                time.sleep(0.1)
            result = CliRunner().invoke(
                app,
                ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", model.base_url]
                + ["--agent", f"http://127.0.0.1:{port}", "--agent-config", str(config)]
                + ["--scenario", "late-40min-fee", "--db", str(db), "--no-cache"],
            )
        finally:
            bot.terminate()
            bot.wait(timeout=10)
    assert result.exit_code == 0, result.output
    store = Store.open(str(db))
    [conversation] = store.conversations(store.list_runs()[0].id)
    calls = [c for t in conversation.turns if t.role == "agent" for c in t.tool_calls]
    assert conversation.end_reason != EndReason.ERROR, conversation.error
    assert calls and all(c.id.startswith("mcp_") and c.error is None and c.result for c in calls), calls
