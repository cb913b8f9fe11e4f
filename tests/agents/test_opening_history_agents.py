"""Every kind of chatbot under test gets a scenario's given history, its tool calls and their answers included: a
Python bot as chat messages, a deployed bot in its chat API's own shape (over real HTTP), an Anthropic model as
tool_use and tool_result blocks; a JSON API that would send only the last message is refused before a dry run."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deployed_bots import JSON_API, DeployedBot, served
from scripted_world import world_model
from sparring import ModelPool, RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.agents import PythonAgent, RawContext
from sparring.cli import app
from sparring.data_model import CustomerTurn, Scenario
from sparring.models.anthropic_model import _to_anthropic
from sparring.simulator import ScriptedCustomer
from sparring.suite.config import JsonApiConfig

HISTORY = """\
id: credit-given
situation: Your order O-1000 came late. The agent already gave you account credit; you want your money back instead.
desired_outcome: The delivery fee refunded to your card.
opening:
  - {role: customer, content: "My order O-1000 was late."}
  - role: agent
    content: "I've added $5 of credit to your account."
    tool_calls:
      - id: call-credit
        name: issue_credit
        arguments: {order_id: O-1000, amount: 5, reason: late}
        result: {credit_id: CR-0001, amount: 5, status: issued}
"""
ASKED = "Can I have my money back instead?"
CREDIT = {"order_id": "O-1000", "amount": 5, "reason": "late"}
ANSWER = {"credit_id": "CR-0001", "amount": 5, "status": "issued"}


def history_suite(suite: Path) -> Path:
    for file in (suite / "scenarios").glob("*.yaml"):
        file.unlink()
    (suite / "scenarios" / "history.yaml").write_text(HISTORY)
    return suite


def scenario() -> Scenario:
    import yaml

    return Scenario.model_validate(yaml.safe_load(HISTORY))


async def test_a_python_bot_gets_the_history_as_chat_messages(example_suite) -> None:
    seen = []

    def bot(messages, tools):
        seen.extend(messages)
        return "ok"

    turns = [*scenario().opening_turns(), CustomerTurn(content=ASKED)]
    backend = example_suite.backend_factory()(example_suite.scenarios[0], datetime.now(UTC))
    await PythonAgent(bot, "python:bot").respond(turns, backend)
    shape = [(m.role, m.content, [(c.id, c.name, c.arguments) for c in m.tool_calls]) for m in seen]
    assert shape == [
        ("user", "My order O-1000 was late.", []),
        ("assistant", "", [("call-credit", "issue_credit", CREDIT)]),
        ("tool", json.dumps(ANSWER), []),
        ("assistant", "I've added $5 of credit to your account.", []),
        ("user", ASKED, []),
    ]


def test_an_anthropic_model_gets_the_history_as_tool_use_and_tool_result_blocks() -> None:
    turns = [*scenario().opening_turns(), CustomerTurn(content=ASKED)]
    import asyncio

    _system, messages = _to_anthropic(asyncio.run(RawContext().messages("policy", turns, [])))
    assert messages[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "call-credit", "name": "issue_credit", "input": CREDIT}],
    }
    assert messages[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "call-credit", "content": json.dumps(ANSWER)}],
    }
    assert messages[3] == {"role": "assistant", "content": "I've added $5 of credit to your account."}


def given_call(api: str, request: dict) -> tuple:
    """The given call and its answer, as the bot's request carries them in its API's shape."""
    if api == "openai-responses":
        call = next(i for i in request["input"] if i.get("type") == "function_call")
        output = next(i for i in request["input"] if i.get("type") == "function_call_output")
        return call["call_id"], call["name"], json.loads(call["arguments"]), json.loads(output["output"])
    messages = request["messages"] if api == "openai-chat" else request["history"]
    asked = next(m for m in messages if m.get("tool_calls"))["tool_calls"][0]
    answer = next(m for m in messages if m["role"] == "tool")
    assert answer["tool_call_id"] == asked["id"]
    return (
        asked["id"],
        asked["function"]["name"],
        json.loads(asked["function"]["arguments"]),
        json.loads(answer["content"]),
    )


@pytest.mark.parametrize("api", ["openai-chat", "openai-responses", "json"])
async def test_a_deployed_bot_gets_the_history_in_its_chat_apis_shape(suite_copy: Path, tmp_path: Path, api: str):
    """Real path: the bot's own HTTP server, its backend served over MCP, a SQLite store. The opening ends with the
    agent's turn: the customer speaks, then the bot is asked with the whole history."""
    suite = load_suite(history_suite(suite_copy))
    config = served(chat_api=api, json_api=JSON_API) if api == "json" else served(chat_api=api)
    pool = ModelPool()
    pool.add(world_model())
    async with DeployedBot("mcp") as bot:
        options = RunOptions(models=RoleOverrides(model="scripted:world", agent=bot.url, agent_config=config))
        store = Store.open(str(tmp_path / "runs.db"))
        await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer([ASKED]))
    request = bot.requests[0]
    assert given_call(api, request) == ("call-credit", "issue_credit", CREDIT, ANSWER)
    texts = json.dumps(request)
    assert "My order O-1000 was late." in texts and "I've added $5 of credit" in texts and ASKED in texts


def test_a_json_bot_that_takes_one_message_is_refused_before_a_dry_run(suite_copy: Path, tmp_path: Path) -> None:
    history_suite(suite_copy)
    only_last = JsonApiConfig(url_path="/chat", body={"text": "{{message}}"}, reply_path="answer")
    variant = tmp_path / "bot.yaml"
    settings = {"kind": "http", "serve_backend": True, "chat_api": "json", "json_api": only_last.model_dump()}
    variant.write_text(json.dumps(settings))
    command = ["run", str(suite_copy), "--agent", "http://127.0.0.1:9/v1", "--agent-config", str(variant), "--dry-run"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code != 0
    output = result.output.strip()
    assert "scenario 'credit-given'" in output and "{{messages}}" in output and "2-turn opening" in output, output
    assert "Traceback" not in output


async def test_an_openai_compatible_chatbot_endpoint_gets_the_history_over_http(suite_copy: Path, tmp_path: Path):
    """An http agent without a served backend: Sparring runs the tool loop, the endpoint is the model (real HTTP)."""
    from sparring.testing import StubServer

    suite = load_suite(history_suite(suite_copy))
    bodies: list[dict] = []
    pool = ModelPool()
    pool.add(world_model())
    with StubServer(lambda body: bodies.append(body) or {"content": "Refund on its way."}) as endpoint:
        options = RunOptions(models=RoleOverrides(model="scripted:world", agent=endpoint.base_url))
        store = Store.open(str(tmp_path / "runs.db"))
        await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer([ASKED]))
    messages = bodies[0]["messages"]
    asked = next(m for m in messages if m.get("tool_calls"))["tool_calls"][0]
    answer = next(m for m in messages if m["role"] == "tool")
    assert (asked["id"], asked["function"]["name"], json.loads(asked["function"]["arguments"])) == (
        "call-credit",
        "issue_credit",
        CREDIT,
    )
    assert answer["tool_call_id"] == "call-credit" and json.loads(answer["content"]) == ANSWER
    assert messages[-1] == {"role": "user", "content": ASKED}
