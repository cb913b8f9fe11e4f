"""The OpenAI-compatible path and the HTTP chatbot, against a real server on 127.0.0.1."""

import json
import socket
import time

import pytest

from scripted_world import world_model
from sparring import ChatRequest, Message, ModelPool, RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import ToolSpec
from sparring.models import ModelError, ModelUnreachable, create_model
from sparring.testing import StubServer


def bot(body):
    """A deployed chatbot: looks the order up, then answers with what the backend said."""
    results = [json.loads(m["content"]) for m in body["messages"] if m["role"] == "tool"]
    if results:
        total = next(r["total"] for r in results if "total" in r)
        return {"content": f"Your order total was {total}."}
    return {
        "tool_calls": [
            {"function": {"name": "lookup_order", "arguments": json.dumps({"order_id": "O-2002"})}},
            {"function": {"name": "delivery_status", "arguments": json.dumps({"order_id": "O-2002"})}},
        ]
    }


async def test_openai_provider_sends_tools_and_schema_and_keeps_every_tool_call(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer(bot) as server:
        model = create_model("openai:my-model", base_url=server.base_url)
        tool = ToolSpec(name="lookup_order", parameters={"type": "object", "properties": {}})
        response = await model.complete(ChatRequest(messages=[Message(role="user", content="hi")], tools=[tool]))
        assert [c.name for c in response.tool_calls] == ["lookup_order", "delivery_status"]
        assert response.tool_calls[1].arguments == {"order_id": "O-2002"}
        assert response.usage.prompt_tokens == 1 and response.usage.completion_tokens == 1
        await model.complete(
            ChatRequest(messages=[Message(role="user", content="x")], response_schema={"type": "object"})
        )
        await model.aclose()
    assert (
        server.requests[0]["model"] == "my-model"
        and server.requests[0]["tools"][0]["function"]["name"] == "lookup_order"
    )
    assert server.requests[1]["response_format"]["type"] == "json_schema"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_unreachable_endpoint_fails_fast_naming_the_url():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    model = create_model("openai:x", base_url=url)
    start = time.perf_counter()
    with pytest.raises(ModelUnreachable) as info:
        await model.complete(ChatRequest(messages=[Message(role="user", content="hi")]))
    assert url in str(info.value) and "--base-url" in str(info.value)
    assert time.perf_counter() - start < 10


def test_hosted_openai_without_key_says_which_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        create_model("openai:gpt-4o-mini")
    with pytest.raises(ModelError, match="provider:model"):
        create_model("gpt-4o-mini")


async def test_http_chatbot_under_test_runs_tools_on_the_mock_backend(example_suite, tmp_path):
    pool = ModelPool()
    pool.add(world_model())
    with StubServer(bot) as server:
        options = RunOptions(
            scenario_ids=["late-40min-fee"],
            evaluation_ids=["no_invented_order_facts"],
            models=RoleOverrides(model="scripted:world", agent=server.base_url),
        )
        store = Store.open(str(tmp_path / "s.db"))
        result = await run_suite(example_suite, store, options, pool)
    [conversation] = store.conversations(result.run.id)
    agent_turn = conversation.turns[1]
    assert agent_turn.content == "Your order total was 31.99."
    assert [c.name for c in agent_turn.tool_calls] == ["lookup_order", "delivery_status"]
    assert agent_turn.tool_calls[1].result["current_status"] == "delivered"
    assert result.run.settings.agent_kind == "http"
    assert "messages" in server.requests[0] and server.requests[0]["messages"][0]["role"] == "user", (
        "the deployed bot gets no system prompt from Sparring"
    )


async def test_a_stub_started_as_a_server_keeps_no_request_bodies():
    """`python -m sparring.testing` serves benchmarks for as long as they run: kept bodies made its garbage
    collector's pauses grow from run to run. In-process stubs keep them for the tests that read them."""
    request = ChatRequest(messages=[Message(role="user", content="hi")])
    for record in (True, False):
        with StubServer(record=record) as server:
            model = create_model("openai:stub", base_url=server.base_url)
            await model.complete(request)
            await model.aclose()
        assert (len(server.requests), server.counts["requests"]) == ((1, 1) if record else (0, 1))
