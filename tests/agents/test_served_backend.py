"""The served backend on its own: per-conversation URLs on 127.0.0.1, the OpenAPI document generated from the tool
schemas, refusals (no conversation, an ended one, another site, outside the bot's turn), and its lifecycle."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import httpx
import pytest
from mcp.client import Client

from scripted_world import world_model
from sparring import ModelPool, RoleOverrides, RunOptions, Store, run_suite
from sparring.agents.served import TOKEN_HEADER, BackendServer
from sparring.suite.config import AgentConfig

CLOCK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def backends(example_suite):
    scenario = next(s for s in example_suite.scenarios if s.id == "late-40min-fee")
    return lambda: example_suite.backend_factory()(scenario, CLOCK)


async def test_openapi_document_is_generated_from_the_tool_schemas(backends):
    server = BackendServer()
    backend = backends()
    conversation = await server.open(backend)
    url = server.url(conversation)
    async with httpx.AsyncClient() as http:
        document = (await http.get(url + "/openapi.json")).json()
    await server.close(conversation)
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": url}]
    for spec in backend.specs():
        operation = document["paths"][f"/tools/{spec.name}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == spec.parameters
        assert operation["operationId"] == spec.name and operation["summary"] == spec.description


async def test_each_conversation_has_its_own_unguessable_url_on_localhost(backends):
    server = BackendServer()
    first, second = await server.open(backends()), await server.open(backends())
    assert server.url(first).startswith("http://127.0.0.1:") and first.token != second.token
    assert len(first.token) >= 32
    first.begin_turn()
    second.begin_turn()
    async with httpx.AsyncClient() as http:
        await http.post(
            server.url(first) + "/tools/issue_refund", json={"order_id": "O-2002", "amount": 1, "reason": "late"}
        )
        answer = await http.post(
            f"http://127.0.0.1:{server.port}/tools/lookup_order",
            json={"order_id": "O-2002"},
            headers={TOKEN_HEADER: second.token},
        )
    assert answer.status_code == 200 and answer.json()["result"]["order_id"] == "O-2002"
    assert [r.name for r in first.end_turn()] == ["issue_refund"] and [r.name for r in second.end_turn()] == [
        "lookup_order"
    ]
    assert first.backend.view()["refunds"] != second.backend.view()["refunds"], (
        "the refund changed only its own backend"
    )
    await server.close(first)
    await server.close(second)


async def test_refusals_name_the_problem(backends):
    server = BackendServer()
    conversation = await server.open(backends())
    url, root = server.url(conversation), f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient() as http:
        outside_turn = await http.post(url + "/tools/lookup_order", json={"order_id": "O-2002"})
        conversation.begin_turn()
        nobody = await http.post(root + "/tools/lookup_order", json={"order_id": "O-2002"})
        made_up = await http.post(root + "/c/not-a-token/tools/lookup_order", json={"order_id": "O-2002"})
        cross_site = await http.post(
            url + "/tools/lookup_order", json={"order_id": "O-2002"}, headers={"Origin": "http://evil.example"}
        )
        not_json = await http.post(url + "/tools/lookup_order", content=b"{oops")
        not_object = await http.post(url + "/tools/lookup_order", json=["O-2002"])
        mcp_cross_site = await http.post(
            url + "/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Origin": "http://evil.example", "accept": "application/json, text/event-stream"},
        )
    assert outside_turn.status_code == 400 and "not answering this conversation" in outside_turn.json()["error"]
    assert nobody.status_code == 403 and TOKEN_HEADER in nobody.json()["error"]
    assert made_up.status_code == 403 and "no open conversation" in made_up.json()["error"]
    assert cross_site.status_code == 403 and "another site" in cross_site.json()["error"]
    assert not_json.status_code == 400 and not_object.status_code == 400
    assert mcp_cross_site.status_code >= 400
    assert conversation.end_turn() == [], "nothing refused was run"
    assert len(conversation.mistakes) == 3  # outside its turn, not JSON, not an object: the bot's own mistakes
    await server.close(conversation)


async def test_an_ended_conversation_is_refused_and_the_server_stops_with_the_last(backends):
    server = BackendServer()
    conversation = await server.open(backends())
    url, port = server.url(conversation), server.port
    conversation.begin_turn()
    async with Client(url + "/mcp") as client:
        assert "lookup_order" in [t.name for t in (await client.list_tools()).tools]
    await server.close(conversation)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "nothing listens once the last conversation ended"
    again = await server.open(backends())
    async with httpx.AsyncClient() as http:
        stale_url = f"http://127.0.0.1:{server.port}/c/{conversation.token}"  # the old token on the new server
        stale = await http.post(stale_url + "/tools/lookup_order", json={"order_id": "O-2002"})
    assert stale.status_code == 403 and "no open conversation" in stale.json()["error"]
    await server.close(again)


async def test_mcp_at_the_root_takes_the_conversation_from_the_header(backends):
    server = BackendServer()
    conversation = await server.open(backends())
    conversation.begin_turn()
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18"}
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as http:
        named = {**headers, TOKEN_HEADER: conversation.token}
        answered = await http.post(
            "/mcp",
            headers=named,
            json={**call, "params": {"name": "lookup_order", "arguments": {"order_id": "O-2002"}}},
        )
        unnamed = await http.post(
            "/mcp", headers=headers, json={**call, "params": {"name": "lookup_order", "arguments": {}}}
        )
        not_an_object = await http.post(
            "/mcp", headers=named, json={**call, "params": {"name": "lookup_order", "arguments": [1]}}
        )
    assert answered.json()["result"]["structuredContent"]["order_id"] == "O-2002"
    assert TOKEN_HEADER in unnamed.json()["error"]["message"]
    assert "error" in not_an_object.json()
    assert [r.name for r in conversation.end_turn()] == ["lookup_order"]
    assert len(conversation.mistakes) == 1 and conversation.mistakes[0].startswith("malformed MCP request")
    await server.close(conversation)


async def test_an_address_that_cannot_be_listened_on_fails_before_the_run(example_suite, tmp_path):
    pool = ModelPool()
    pool.add(world_model())
    with socket.create_server(("127.0.0.1", 0)) as taken:  # the bot "listens" here; the backend asks for it too
        port = taken.getsockname()[1]
        config = AgentConfig(kind="http", serve_backend=True, backend_port=port)
        agent = f"http://127.0.0.1:{port}/v1"
        options = RunOptions(models=RoleOverrides(model="scripted:world", agent=agent, agent_config=config))
        store = Store.open(str(tmp_path / "s.db"))
        with pytest.raises(ValueError, match=f"backend_port 127.0.0.1:{port}"):
            await run_suite(example_suite, store, options, pool)
    assert store.list_runs() == []
