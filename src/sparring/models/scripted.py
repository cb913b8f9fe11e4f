"""A deterministic model for tests: answers come from a function of the request or a fixed list."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sparring.data_model import TokenUsage
from sparring.models.base import ChatModel, ChatRequest, ChatResponse

Reply = ChatResponse | str | dict[str, Any]
Script = Callable[[ChatRequest], Reply] | Sequence[Reply]


class ScriptedModel(ChatModel):
    """Replays scripted replies. A dict reply is sent as JSON text (a structured answer).

    Every request is kept in `requests`, so tests can assert on exactly what a model was shown.
    """

    def __init__(self, script: Script, name: str = "scripted:test") -> None:
        self.name = name
        self._script = script
        self._index = 0
        self.requests: list[ChatRequest] = []

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """The next scripted reply (or the script's answer to `request`), with made-up token counts."""
        self.requests.append(request)
        if callable(self._script):
            reply = self._script(request)
        else:
            if self._index >= len(self._script):
                raise AssertionError(f"scripted model ran out of replies after {self._index} calls")
            reply = self._script[self._index]
            self._index += 1
        if isinstance(reply, ChatResponse):
            response = reply
        elif isinstance(reply, dict):
            response = ChatResponse(content=json.dumps(reply))
        else:
            response = ChatResponse(content=reply)
        prompt_chars = sum(len(m.content) for m in request.messages)
        response.usage = TokenUsage(
            prompt_tokens=prompt_chars // 4, completion_tokens=len(response.content) // 4 + 1, calls=1
        )
        response.model = self.name
        return response
