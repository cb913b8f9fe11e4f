"""A support bot deployed on its own chat API, as a team runs it in staging: it takes its backend URL from the
X-Sparring-Backend header and runs its own tool calls there (over MCP with the official client, or over REST).
The same scripted behaviour runs in-process as a `module:Class` bot, to compare the two paths."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from aiohttp import web
from mcp.client import Client

from scripted_world import world_model
from sparring import ModelPool, RoleOverrides, RunOptions, Store, run_suite
from sparring.simulator import ScriptedCustomer
from sparring.suite.config import AgentConfig, JsonApiConfig

SCRIPT: list[tuple[str, dict[str, Any]]] = [
    ("lookup_order", {"order_id": "O-2002"}),
    ("issue_refund", {"order_id": "O-2002", "amount": 3.99, "reason": "late"}),
    ("lookup_order", {"order_id": 2002}),  # the wrong argument type
    ("cancel_everything", {}),  # a tool the suite does not have
]


def summary(answers: list[str]) -> str:
    """The reply: what each call answered, in order (the same words whichever path ran them)."""
    return " | ".join(answers)


class InProcessBot:
    """The scripted behaviour as a Python bot calling `AgentTools`."""

    async def respond(self, messages, tools) -> str:
        answers = []
        for name, arguments in SCRIPT:
            result = await tools.call(name, **arguments)
            answers.append(result["error"] if "error" in result else json.dumps(result, sort_keys=True))
        return summary(answers)


async def over_mcp(url: str, script=SCRIPT) -> list[str]:
    answers = []
    async with Client(url + "/mcp") as client:
        for name, arguments in script:
            result = await client.call_tool(name, arguments)
            text = result.content[0].text
            answers.append(text if result.is_error else json.dumps(json.loads(text), sort_keys=True))
    return answers


async def over_rest(url: str, script=SCRIPT) -> list[str]:
    answers = []
    async with httpx.AsyncClient() as http:
        for name, arguments in script:
            body = (await http.post(f"{url}/tools/{name}", json=arguments)).json()
            answers.append(body["error"] if "error" in body else json.dumps(body["result"], sort_keys=True))
    return answers


def chat_answer(api: str, text: str, calls: list[str], stream: bool) -> web.StreamResponse:
    """The reply in the API's own shape, as one JSON body or as server-sent events."""
    if api == "json":
        return web.json_response({"data": {"answer": text, "calls": [{"name": n, "arguments": {}} for n in calls]}})
    if api == "openai-responses":
        response = {"output": [{"type": "message", "content": [{"type": "output_text", "text": text}]}]}
        response["output"] += [{"type": "function_call", "name": n, "arguments": "{}"} for n in calls]
        events = [
            {"type": "response.output_text.delta", "delta": text},
            {"type": "response.completed", "response": response},
        ]
    else:
        message = {"role": "assistant", "content": text}
        message["tool_calls"] = [
            {"id": f"c{i}", "function": {"name": n, "arguments": "{}"}} for i, n in enumerate(calls)
        ]
        response = {"choices": [{"message": message}]}
        half = len(text) // 2
        events = [{"choices": [{"delta": {"content": part}}]} for part in (text[:half], text[half:])]
        events.append(
            {
                "choices": [
                    {"delta": {"tool_calls": [{"index": i, "function": {"name": n}} for i, n in enumerate(calls)]}}
                ]
            }
        )
    if not stream:
        return web.json_response(response)
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return web.Response(text=body, content_type="text/event-stream")


class DeployedBot:
    """The bot's own chat server on 127.0.0.1 (`async with`), answering every chat API at once; `transport` says how
    it reaches its backend; `misbehave` makes it fail in one way (for the bad-input tests)."""

    def __init__(self, transport: str = "mcp", misbehave: str | None = None, script=SCRIPT) -> None:
        self.transport, self.misbehave, self.script = transport, misbehave, script
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.first_url: str | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> DeployedBot:
        app = web.Application()
        for path, api in [
            ("/v1/chat/completions", "openai-chat"),
            ("/v1/responses", "openai-responses"),
            ("/v1/chat", "json"),
        ]:
            app.router.add_post(path, self._handler(api))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def _handler(self, api: str):
        async def handle(request: web.Request) -> web.StreamResponse:
            body = await request.json()
            self.requests.append(body)
            self.headers.append(dict(request.headers))
            backend = request.headers["X-Sparring-Backend"]
            self.first_url = self.first_url or backend
            if self.misbehave == "stale-url":  # keeps the first conversation's backend, as a leaky bot would
                backend = self.first_url
            if self.misbehave == "hang":
                await asyncio.sleep(3)
            if self.misbehave == "http-500":
                return web.json_response({"error": "boom"}, status=500)
            if self.misbehave == "empty-stream":
                return web.Response(text=": keep-alive\n\n", content_type="text/event-stream")
            if self.misbehave == "wrong-shape":
                return web.json_response({"output": [{"type": "message", "content": "not a list of parts"}]})
            if self.misbehave == "garbage-stream":
                return web.Response(text="data: {not json\n\n", content_type="text/event-stream")
            if self.misbehave == "malformed-mcp":
                async with httpx.AsyncClient() as http:
                    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
                    await http.post(backend + "/mcp", content=b'{"jsonrpc": "2.0", "id": 1, "method"', headers=headers)
            call = over_mcp if self.transport == "mcp" else over_rest
            try:
                answers = await call(backend, self.script)
            except Exception as exc:  # the bot's backend failed it: it says so, as a deployed bot would
                return web.json_response({"error": f"backend failed: {exc}"}, status=502)
            stream = bool(body.get("stream"))
            return chat_answer(api, summary(answers), [name for name, _ in SCRIPT[:2]], stream)

        return handle


# The run helpers the deployed-bot tests share (tests/agents/test_deployed_bot.py, tests/suite/test_knowledge.py).
CLOCK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


JSON_API = JsonApiConfig(
    url_path="/chat",
    body={"text": "{{message}}", "session": "{{session}}", "history": "{{messages}}", "tag": "s-{{session}}"},
    reply_path="data.answer",
    tool_calls_path="data.calls",
)


def customer(_scenario, _trial, _model, _seed):
    return ScriptedCustomer(["Hi, my order O-2002 came 40 minutes late."])


async def run(example_suite, tmp_path, agent: str, config: AgentConfig | None = None, trials: int = 1, concurrency=8):
    pool = ModelPool()
    pool.add(world_model())
    options = RunOptions(
        scenario_ids=["late-40min-fee"],
        trials=trials,
        concurrency=concurrency,
        clock=CLOCK,  # the same backend times in both paths
        models=RoleOverrides(model="scripted:world", agent=agent, agent_config=config),
    )
    store = Store.open(str(tmp_path / f"{len(list(tmp_path.iterdir()))}.db"))
    result = await run_suite(example_suite, store, options, pool, customer=customer)
    conversations = store.conversations(result.run.id)
    verdicts = {(v.conversation_id, v.evaluation_id): v.outcome for v in store.verdicts(result.run.id)}
    return conversations, verdicts


def served(**settings) -> AgentConfig:
    return AgentConfig(kind="http", serve_backend=True, **settings)


def calls(conversation) -> list[tuple]:
    return [
        (c.name, c.arguments, c.result, c.error) for t in conversation.turns if t.role == "agent" for c in t.tool_calls
    ]


def outcomes(conversations, verdicts) -> dict[str, str]:
    [conversation] = conversations
    return {e: o for (c, e), o in verdicts.items() if c == conversation.id}
