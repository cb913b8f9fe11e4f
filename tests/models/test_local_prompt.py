"""What the embedded model reads: llama-cpp-python's chatml-function-calling template escaped every quote as
`&#34;` and had no `tool` role, so the reference agent never saw its lookups' results. The real template renders
the prompt here; only the completion is replaced, to capture that prompt."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.data_model import Message, ToolCall, ToolSpec
from sparring.models import ChatRequest
from sparring.models.local import LocalChatModel

pytestmark = pytest.mark.real

ORDER = '{"order_id": "O-2002", "status": "delivered", "note": "left at the door & signed <J>"}'


def captured_prompts(request: ChatRequest) -> list[str]:
    model = LocalChatModel()
    llama = model._load()
    prompts: list[str] = []

    def completion(*args: Any, **kwargs: Any) -> dict[str, Any]:
        prompts.append(kwargs["prompt"] if "prompt" in kwargs else args[0])
        text = "message: ok" if request.tools else "ok"
        return {
            "id": "x",
            "object": "text_completion",
            "created": 0,
            "model": "m",
            "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    llama.create_completion = completion
    model._generate(request)
    llama.close()
    return prompts


def test_quotes_and_markup_reach_the_model_verbatim():
    request = ChatRequest(messages=[Message(role="user", content=f'Judge this: "{ORDER}"')])
    (prompt,) = captured_prompts(request)
    assert f'Judge this: "{ORDER}"' in prompt
    assert "&#34;" not in prompt and "&amp;" not in prompt and "&lt;" not in prompt


def test_a_tool_result_reaches_the_model_named_after_its_function():
    lookup = ToolSpec(name="lookup_order", description="an order", parameters={"type": "object", "properties": {}})
    request = ChatRequest(
        messages=[
            Message(role="system", content="You are support."),
            Message(role="user", content="Where is O-2002?"),
            Message(
                role="assistant",
                content="",
                tool_calls=[ToolCall(id="c1", name="lookup_order", arguments={"order_id": "O-2002"})],
            ),
            Message(role="tool", content=ORDER, tool_call_id="c1"),
        ],
        tools=[lookup],
    )
    prompt = captured_prompts(request)[0]
    assert f"functions.lookup_order returned:\n{ORDER}" in prompt
    assert '{"order_id": "O-2002"}' in prompt, "the call's arguments, verbatim"
