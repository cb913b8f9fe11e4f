"""A chat call's max_tokens holds for every completion llama-cpp-python's `chatml-function-calling` handler runs.

The handler asks for the text reply and for each tool call's arguments with `max_tokens=None` (until the context is
full). These tests run the library's real handler over a scripted completion engine that honours `max_tokens` as
llama.cpp does (here one character is one token), so they see every completion the handler asks for.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sparring.data_model import Message, ToolSpec
from sparring.models import ChatRequest
from sparring.models.local import LocalChatModel, chatml_messages, generation_limited

llama_chat_format = pytest.importorskip("llama_cpp.llama_chat_format")

LOOKUP = ToolSpec(
    name="lookup_order",
    description="Look up an order",
    parameters={"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
)
TOOLS = [{"type": "function", "function": LOOKUP.model_dump()}]


class ScriptedLlama:
    """Stands in for `llama_cpp.Llama`: each completion's text comes from the script, cut at `max_tokens` (None or
    <= 0: no limit) with finish reason `length`, as llama.cpp cuts; every completion's arguments are kept."""

    verbose = False

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.asked: list[dict[str, Any]] = []

    def create_completion(self, prompt: str, **kwargs: Any) -> dict[str, Any]:
        self.asked.append({"prompt": prompt, **kwargs})
        text, limit = self.script.pop(0), kwargs.get("max_tokens")
        cut = limit is not None and 0 < limit < len(text)
        reason = "length" if cut else "stop"
        return {
            "id": f"cmpl-{len(self.asked)}",
            "object": "text_completion",
            "created": 0,
            "model": "scripted",
            "choices": [{"text": text[:limit] if cut else text, "index": 0, "logprobs": None, "finish_reason": reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": min(len(text), limit or len(text)), "total_tokens": 1},
        }

    def create_chat_completion(self, **kwargs: Any) -> Any:
        return llama_chat_format.chatml_function_calling(llama=self, **kwargs)


LimitedLlama = generation_limited(ScriptedLlama)


def chat(llama: Any, max_tokens: int) -> dict[str, Any]:
    messages = chatml_messages([Message(role="user", content="Where is order O-1?")])
    return llama.create_chat_completion(messages=messages, tools=TOOLS, tool_choice="auto", max_tokens=max_tokens)


def test_the_handler_itself_drops_the_limit():
    """The bug: without the limit, the reply and the arguments are asked for with no max_tokens at all."""
    llama = ScriptedLlama(["functions.lookup_order", '{"order_id": "' + "1" * 500 + '"}', "<|im_end|>"])
    answer = chat(llama, max_tokens=20)
    assert [a["max_tokens"] for a in llama.asked] == [None, None, None]
    assert answer["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_arguments_are_cut_at_the_limit_and_the_answer_says_length():
    llama = LimitedLlama(["functions.lookup_order", '{"order_id": "' + "1" * 500 + '"}', "<|im_end|>"])
    answer = chat(llama, max_tokens=25)
    assert [a["max_tokens"] for a in llama.asked] == [25, 25, 25], "every completion the handler ran is capped"
    assert llama.asked[1]["grammar"] is not None, "the arguments keep their JSON grammar"
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "length"
    [call] = choice["message"]["tool_calls"]
    assert call["function"]["arguments"] == '{"order_id": "' + "1" * 11
    with pytest.raises(json.JSONDecodeError):
        json.loads(call["function"]["arguments"])


def test_a_tool_name_cut_at_the_limit_is_no_call_and_the_answer_says_length():
    llama = LimitedLlama(["functions.lookup_order"])
    choice = chat(llama, max_tokens=20)["choices"][0]
    assert choice["finish_reason"] == "length" and not choice["message"]["tool_calls"]


def test_text_reply_is_generated_free_and_cut_at_the_limit():
    llama = LimitedLlama(["message", "Your order is on its way. " * 40])
    answer = chat(llama, max_tokens=30)
    assert [a["max_tokens"] for a in llama.asked] == [30, 30]
    assert llama.asked[1]["prompt"].endswith("<|im_start|>assistant\nmessage:\n")
    assert llama.asked[1]["grammar"] is None, "not the handler's tool-name grammar, which left every reply empty"
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == ("Your order is on its way. " * 2)[:30]


def test_a_reply_within_the_limit_is_not_marked_cut_and_the_limit_ends_with_the_call():
    llama = LimitedLlama(["message", "On its way.", "later"])
    answer = chat(llama, max_tokens=30)
    assert answer["choices"][0]["finish_reason"] == "stop"
    assert answer["choices"][0]["message"]["content"] == "On its way."
    assert llama.create_completion("raw prompt", max_tokens=None)["choices"][0]["text"] == "later"
    assert llama.asked[-1]["max_tokens"] is None, "outside a chat call, a completion keeps its own max_tokens"


async def test_local_model_reports_cut_arguments_as_truncated_and_unparsed():
    """Through LocalChatModel: the cut call comes back marked truncated, its arguments kept as unparsable text
    (`_unparsed`, which a backend reports as an invalid-arguments error) rather than guessed."""
    model = LocalChatModel()
    model._llama = LimitedLlama(["functions.lookup_order", '{"order_id": "' + "7" * 500 + '"}', "<|im_end|>"])
    request = ChatRequest(messages=[Message(role="user", content="Where is O-7?")], tools=[LOOKUP], max_tokens=25)
    response = await model.complete(request)
    assert response.truncated
    [call] = response.tool_calls
    assert call.name == "lookup_order" and call.arguments == {"_unparsed": '{"order_id": "' + "7" * 11}
    assert all(a["max_tokens"] == 25 for a in model._llama.asked)


@pytest.mark.real
async def test_embedded_model_with_tools_offered_stops_its_reply_at_max_tokens():
    """The packaged SmolLM2 asked for a poem with a tool offered: the reply has words, and neither it nor any
    completion llama.cpp ran for it went past max_tokens."""
    model = LocalChatModel()
    llama = model._load()
    generated: list[int] = []
    create = llama.create_completion

    def observed(prompt: Any, **kwargs: Any) -> Any:
        completion = create(prompt, **kwargs)
        generated.append(completion["usage"]["completion_tokens"])
        return completion

    llama.create_completion = observed
    request = ChatRequest(
        messages=[
            Message(role="system", content="You are a support agent. Use tools."),
            Message(role="user", content="Write a poem about my order O-77."),
        ],
        tools=[LOOKUP],
        max_tokens=24,
    )
    try:
        response = await model.complete(request)
    finally:
        await model.aclose()
    assert response.content.strip() and not response.tool_calls, "the model answered in words"
    assert response.truncated and response.usage.completion_tokens == 24
    assert generated and max(generated) <= 24, generated
