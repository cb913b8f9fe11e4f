"""A deployed chatbot's own chat API, as Sparring speaks it: OpenAI chat-completions, the OpenAI Responses API, or a
JSON API set in the suite (`agent.json_api`). Each turns the conversation into one HTTP request and the answer —
a JSON body, or a stream of server-sent events assembled here — into the reply text, plus the bot's own report of
the tool calls it made (kept apart from the backend's record). An answer that cannot be read raises `ChatbotError`
with the cause in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sparring.data_model import UNPARSED, ToolCall, ToolCallRecord


class ChatbotError(Exception):
    """The chatbot under test answered something Sparring cannot use (or nothing); the message says what."""


@dataclass
class ChatTurn:
    """What the bot is asked: the conversation so far in the chat-completions shape ({role, content}, oldest first;
    a given opening's tool calls as an assistant message with `tool_calls` and one `tool` message per answer), the
    conversation's session id, and the served backend's URL (None when the bot has none)."""

    messages: list[dict[str, Any]]
    session: str
    backend_url: str | None


def given_call_messages(calls: list[ToolCallRecord]) -> list[dict[str, Any]]:
    """Tool calls of a given (history) agent turn in the chat-completions shape: one assistant message asking for
    them, one tool message answering each (its JSON result, or {"error": ...})."""
    asked = [
        {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
        for c in calls
    ]
    answers = [
        {"role": "tool", "tool_call_id": c.id, "content": json.dumps({"error": c.error} if c.error else c.result)}
        for c in calls
    ]
    return [{"role": "assistant", "content": None, "tool_calls": asked}, *answers]


def responses_input(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat-completions messages as Responses API input items: a tool call becomes a `function_call` item, its
    answer a `function_call_output` item; {role, content} messages stay as they are."""
    items: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] == "tool":
            items.append(
                {"type": "function_call_output", "call_id": message["tool_call_id"], "output": message["content"]}
            )
        elif message.get("tool_calls"):
            items += [{"type": "function_call", "call_id": c["id"], **c["function"]} for c in message["tool_calls"]]
        else:
            items.append(message)
    return items


@dataclass
class BotReply:
    """The bot's reply text and the tool calls it says it made (its own account, not the backend's record)."""

    content: str
    reported: list[ToolCall] = field(default_factory=list)


class JsonApiConfig(Protocol):
    """A JSON chat API's settings (the suite's `agent.json_api`): URL path, body and header templates, and the
    dotted paths to the reply and to the bot's tool-call report."""

    @property
    def url_path(self) -> str: ...
    @property
    def body(self) -> dict[str, Any]: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def reply_path(self) -> str: ...
    @property
    def tool_calls_path(self) -> str | None: ...


class ChatApi(Protocol):
    """One chat API: the request for a turn, and the reply read from a JSON answer or from streamed events."""

    name: str

    def request(self, turn: ChatTurn, stream: bool) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The URL path (appended to the bot's URL), the JSON body and extra headers."""
        ...

    def reply(self, answer: Any) -> BotReply:
        """The reply in a JSON answer."""
        ...

    def assemble(self, events: list[Any]) -> BotReply:
        """The reply from a stream's events (each `data:` payload, decoded)."""
        ...


def path(document: Any, dotted: str) -> Any:
    """The value at a dotted path (`choices.0.message.content`); ChatbotError naming the path when absent."""
    value = document
    for part in dotted.split(".") if dotted else []:
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise ChatbotError(f"no {dotted!r} in the chatbot's answer: {json.dumps(document, default=str)[:200]}")
    return value


def _call(name: Any, arguments: Any, index: int) -> ToolCall:
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            arguments = {UNPARSED: arguments}
    return ToolCall(id=f"bot_{index}", name=str(name), arguments=arguments if isinstance(arguments, dict) else {})


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ChatbotError(f"the reply at {where!r} is not text: {json.dumps(value, default=str)[:200]}")
    return value


class OpenAIChat:
    """`POST /chat/completions` (the bot's URL is its OpenAI-style base URL, e.g. http://host/v1)."""

    name = "openai-chat"

    def __init__(self, model: str) -> None:
        self.model = model

    def request(self, turn: ChatTurn, stream: bool) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The conversation as chat messages."""
        return "/chat/completions", {"model": self.model, "messages": turn.messages, "stream": stream}, {}

    def reply(self, answer: Any) -> BotReply:
        """`choices[0].message`: its content, and its tool_calls as the bot's report."""
        message = path(answer, "choices.0.message")
        calls = message.get("tool_calls") or []
        reported = [_call(path(c, "function.name"), c["function"].get("arguments"), i) for i, c in enumerate(calls)]
        return BotReply(_text(message.get("content"), "choices.0.message.content"), reported)

    def assemble(self, events: list[Any]) -> BotReply:
        """The deltas' content joined; tool-call deltas merged by index."""
        text, calls = "", dict[int, dict[str, str]]()
        for event in events:
            for choice in path(event, "choices") or []:
                delta = choice.get("delta") or {}
                text += _text(delta.get("content"), "choices.delta.content")
                for part in delta.get("tool_calls") or []:
                    call = calls.setdefault(part.get("index", 0), {"name": "", "arguments": ""})
                    function = part.get("function") or {}
                    call["name"] += function.get("name") or ""
                    call["arguments"] += function.get("arguments") or ""
        return BotReply(text, [_call(c["name"], c["arguments"], i) for i, c in sorted(calls.items())])


class OpenAIResponses:
    """`POST /responses` with the conversation as `input`."""

    name = "openai-responses"

    def __init__(self, model: str) -> None:
        self.model = model

    def request(self, turn: ChatTurn, stream: bool) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The conversation as input items (a given opening's tool calls as function_call items)."""
        return "/responses", {"model": self.model, "input": responses_input(turn.messages), "stream": stream}, {}

    def reply(self, answer: Any) -> BotReply:
        """The output messages' `output_text` parts joined; `function_call` items as the bot's report."""
        text, reported = "", list[ToolCall]()
        for item in path(answer, "output") or []:
            if item.get("type") == "message":
                text += "".join(
                    _text(p.get("text"), "output.content.text")
                    for p in item.get("content") or []
                    if p.get("type") == "output_text"
                )
            elif item.get("type") == "function_call":
                reported.append(_call(item.get("name"), item.get("arguments"), len(reported)))
        return BotReply(text, reported)

    def assemble(self, events: list[Any]) -> BotReply:
        """The `response.completed` event's response; without one, the text deltas joined."""
        for event in events:
            if isinstance(event, dict) and event.get("type") == "response.completed":
                return self.reply(path(event, "response"))
        deltas = [e for e in events if isinstance(e, dict) and e.get("type") == "response.output_text.delta"]
        if not deltas:
            raise ChatbotError("the chatbot's stream ended with neither response.completed nor any text delta")
        return BotReply("".join(_text(e.get("delta"), "delta") for e in deltas))


def fill(template: Any, values: dict[str, Any]) -> Any:
    """`template` with `{{name}}` replaced by its value; a string that is exactly one placeholder takes the value
    itself (a list stays a list)."""
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, values) for value in template]
    if not isinstance(template, str):
        return template
    for name, value in values.items():
        if template == "{{" + name + "}}":
            return value
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value if isinstance(value, str) else json.dumps(value))
    return template


class JsonApi:
    """A bot's own JSON API, as set in `agent.json_api`."""

    name = "json"

    def __init__(self, config: JsonApiConfig) -> None:
        self.config = config

    def request(self, turn: ChatTurn, stream: bool) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The templates filled in for this turn."""
        last = next((m["content"] for m in reversed(turn.messages) if m["role"] == "user"), "")
        values = {
            "message": last,
            "session": turn.session,
            "backend_url": turn.backend_url or "",
            "messages": turn.messages,
        }
        return fill(self.config.url_path, values), fill(self.config.body, values), fill(self.config.headers, values)

    def reply(self, answer: Any) -> BotReply:
        """The text at `reply_path`; the list at `tool_calls_path` (each {name, arguments}) as the bot's report."""
        text = _text(path(answer, self.config.reply_path), self.config.reply_path)
        calls = path(answer, self.config.tool_calls_path) if self.config.tool_calls_path else []
        if not isinstance(calls, list):
            raise ChatbotError(f"{self.config.tool_calls_path!r} in the chatbot's answer is not a list")
        return BotReply(
            text, [_call(c.get("name"), c.get("arguments"), i) for i, c in enumerate(calls) if isinstance(c, dict)]
        )

    def assemble(self, events: list[Any]) -> BotReply:
        """Each event's text at `reply_path`, joined."""
        return BotReply("".join(_text(path(e, self.config.reply_path), self.config.reply_path) for e in events))


def sse_payloads(text: str) -> list[Any]:
    """The decoded `data:` payloads of a server-sent event stream (multi-line data joined; `[DONE]` ends it)."""
    events, data = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            payload, data = "\n".join(data), []
            if payload == "[DONE]":
                break
            try:
                events.append(json.loads(payload))
            except ValueError as exc:
                raise ChatbotError(
                    f"the chatbot's stream carried an event that is not JSON: {payload[:120]!r}"
                ) from exc
    return events
