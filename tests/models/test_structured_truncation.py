"""A structured answer cut at max_tokens is reported as cut, never parsed into a fragment: every provider says when
it was cut, the cache keeps it, the retry loop names it, and the JSON scanner never takes an inner object of an
unterminated answer for the answer. OpenAI-compatible servers are sent the full schema in strict mode."""

import json
from types import SimpleNamespace

import pytest
from aiohttp import web

from sparring.data_model import CallStats, Message, TokenUsage
from sparring.evaluations.judge import RETRY_PROMPT, VERDICT_BUDGET, VERDICT_SCHEMA, VerdictAnswer, parse_judge_answer
from sparring.models import MeteredModel, ScriptedModel
from sparring.models.anthropic_model import _from_anthropic
from sparring.models.base import ChatRequest, ChatResponse
from sparring.models.cache import CachedModel
from sparring.models.local import LocalChatModel
from sparring.models.openai_compat import OpenAIChatModel
from sparring.models.structured import ask_until_valid
from sparring.parsing import json_objects, parse_model

VERDICT = {"reasoning": "The agent checked the order first.", "verdict": "pass"}
CUT_EXTRACTION = '{"traits": ["calm"], "known_facts": [{"key": "order number", "value": "O-1", "reveal": "upfront"}'


def asked(max_tokens: int = 40) -> ChatRequest:
    return ChatRequest(
        messages=[Message(role="user", content="Judge it.")],
        response_schema=VERDICT_SCHEMA,
        schema_name="verdict",
        max_tokens=max_tokens,
    )


def test_an_unterminated_answer_never_yields_one_of_its_inner_objects():
    # The old scanner skipped to the next "{" and returned the known_facts item as "the answer".
    assert list(json_objects(CUT_EXTRACTION)) == []
    assert list(json_objects('{"a": {"b": 1}, "c": "still writi')) == []
    assert list(json_objects('{"a": {"b": 1}, garbled')) == []
    with pytest.raises(ValueError, match="no JSON object in the answer"):
        parse_model(CUT_EXTRACTION, VerdictAnswer)


def test_garbled_but_closed_objects_are_still_skipped_and_braces_in_strings_ignored():
    text = 'first {"a": 1, oops} then {"v": "}{"} and {"w": 2}'
    assert [value for value, _ in json_objects(text)] == [{"v": "}{"}, {"w": 2}]


def test_a_raw_newline_inside_a_string_is_accepted():
    # llama.cpp's grammar lets raw control characters into strings; json's strict mode refused them.
    assert [v for v, _ in json_objects('{"reasoning": "line one\nline two", "verdict": "pass"}')] == [
        {"reasoning": "line one\nline two", "verdict": "pass"}
    ]


async def test_a_cut_answer_is_retried_as_cut_and_never_parsed():
    cut = ChatResponse(content='{"reasoning": "The agent", "verdict": "pass"} {"reasoning": "x', truncated=True)
    model = ScriptedModel([cut, VERDICT])
    answer = await ask_until_valid(MeteredModel(model, TokenUsage()), asked(40), parse_judge_answer, RETRY_PROMPT, 2)
    assert answer.attempts == 2 and answer.value is not None and answer.value[1] == VERDICT["reasoning"]
    retry = model.requests[1].messages[-1].content
    assert "answer cut at 40 tokens (max_tokens) before it was complete" in retry


async def test_answers_cut_every_time_are_rejected_with_that_reason():
    cut = ChatResponse(content=json.dumps(VERDICT), truncated=True)
    model = MeteredModel(ScriptedModel([cut, cut]), TokenUsage())
    answer = await ask_until_valid(model, asked(7), parse_judge_answer, RETRY_PROMPT, 1)
    assert answer.value is None and answer.problem == "answer cut at 7 tokens (max_tokens) before it was complete"


class Cache:
    def __init__(self) -> None:
        self.kept: dict[str, dict] = {}

    def cached_response(self, key: str) -> dict | None:
        return self.kept.get(key)

    def cache_response(self, key: str, model: str, response: dict) -> None:
        self.kept[key] = response


async def test_the_cache_keeps_and_replays_that_an_answer_was_cut():
    inner = ScriptedModel([ChatResponse(content='{"reasoning": "th', truncated=True)])
    cached = CachedModel(inner, Cache(), CallStats())
    first, again = await cached.complete(asked()), await cached.complete(asked())
    assert first.truncated and again.truncated and again.cached and len(inner.requests) == 1
    assert ChatResponse.model_validate({"content": "old entry"}).truncated is False, "entries from before: not cut"


def test_anthropic_stop_reason_max_tokens_is_a_cut_answer():
    def message(stop_reason: str) -> SimpleNamespace:
        block = SimpleNamespace(type="tool_use", name="verdict", input=VERDICT, id="t1")
        usage = SimpleNamespace(input_tokens=10, output_tokens=40)
        return SimpleNamespace(content=[block], usage=usage, stop_reason=stop_reason)

    cut, whole = (_from_anthropic(message(r), asked(), "anthropic:m") for r in ("max_tokens", "tool_use"))
    assert cut.truncated and not whole.truncated and json.loads(whole.content) == VERDICT


@pytest.fixture
async def chat_server():
    """A real HTTP chat-completions endpoint on 127.0.0.1 answering with finish_reason "length"; like OpenAI's
    strict mode once did, it refuses a schema with maxLength (HTTP 400)."""
    bodies: list[dict] = []

    async def chat(request: web.Request) -> web.Response:
        bodies.append(await request.json())
        if "maxLength" in json.dumps(bodies[-1].get("response_format")):
            return web.json_response({"error": {"message": "'maxLength' is not permitted"}}, status=400)
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": '{"reasoning": "cu'},
            "finish_reason": "length",
        }
        return web.json_response({"choices": [choice], "usage": {"prompt_tokens": 5, "completion_tokens": 4}})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/v1", bodies
    await runner.cleanup()


async def test_openai_compatible_servers_get_the_full_schema_in_strict_mode_and_report_cuts(chat_server):
    base_url, bodies = chat_server
    model = OpenAIChatModel("stub", base_url=base_url)
    response = await model.complete(asked(4))
    await model.complete(asked(4))
    await model.aclose()
    assert response.truncated
    assert [body["max_tokens"] for body in bodies] == [4, 4, 4]
    full = {"type": "json_schema", "json_schema": {"name": "verdict", "schema": VERDICT_SCHEMA, "strict": True}}
    assert bodies[0]["response_format"] == full
    # Refused: strict mode again, the string lengths left out (the enum, required fields and the rest kept).
    lenient = bodies[1]["response_format"]["json_schema"]["schema"]
    assert lenient["properties"]["reasoning"] == {"type": "string"}
    assert lenient["required"] == VERDICT_SCHEMA["required"] and lenient["additionalProperties"] is False
    assert bodies[2] == bodies[1], "the server's refusal is remembered"


@pytest.mark.real
async def test_the_embedded_model_reports_an_answer_cut_at_max_tokens():
    model = LocalChatModel()
    cut, whole = await model.complete(asked(3)), await model.complete(asked(VERDICT_BUDGET))
    await model.aclose()
    assert cut.truncated and cut.usage.completion_tokens == 3
    assert not whole.truncated and parse_model(whole.content, VerdictAnswer)
