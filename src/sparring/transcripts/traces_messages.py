"""Chat messages as tracing tools record a model call's input and output: OpenAI messages, LangChain
messages (plain {type: human|ai|tool, content} or serialized {lc, id: [..., "HumanMessage"], kwargs}),
Anthropic content blocks (tool_use, tool_result) and the response objects around them (OpenAI
`choices`, LangChain `generations`). All become OpenAI-style messages (see traces.chat_message)."""

from __future__ import annotations

from typing import Any

from sparring.transcripts.traces import Message, chat_message, maybe_json, text_of

LANGCHAIN_TYPES = {
    "HumanMessage": "human",
    "AIMessage": "ai",
    "AIMessageChunk": "ai",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
}
MESSAGE_KEYS = ("role", "type", "content", "tool_calls")


def unwrap_langchain(raw: Any) -> Any:
    """A serialized LangChain object ({lc, id, kwargs}) as its plain kwargs, with its message type."""
    if isinstance(raw, dict) and "lc" in raw and isinstance(raw.get("kwargs"), dict):
        kind = raw["kwargs"].get("type") or LANGCHAIN_TYPES.get(str((raw.get("id") or [""])[-1]))
        return {**raw["kwargs"], "type": kind}
    return raw


def messages_of(raw: Any, where: str, default_role: str) -> list[Message]:
    """The messages in a recorded input or output: a list of messages (or LangChain's list of lists), a
    {messages: [...]} object, one message, or a bare string (a message of `default_role`)."""
    raw = maybe_json(raw)
    if isinstance(raw, dict) and isinstance(raw.get("messages"), list):
        raw = raw["messages"]
    if isinstance(raw, list) and raw and all(isinstance(x, list) for x in raw):
        raw = raw[0]  # LangChain records a batch of message lists
    items = raw if isinstance(raw, list) else [raw]
    return [m for n, item in enumerate(items) for m in _message(item, f"{where}[{n}]", default_role)]


def reply_of(raw: Any, where: str) -> list[Message]:
    """The messages a model answered: an OpenAI response (its first choice), LangChain generations (the
    first), a message, a list of messages or a string."""
    raw = unwrap_langchain(maybe_json(raw))
    if isinstance(raw, dict) and isinstance(raw.get("choices"), list) and raw["choices"]:
        raw = (raw["choices"][0] or {}).get("message")
    elif isinstance(raw, dict) and isinstance(raw.get("generations"), list) and raw["generations"]:
        first = raw["generations"][0]
        first = first[0] if isinstance(first, list) and first else first
        raw = (first.get("message") or first.get("text")) if isinstance(first, dict) else first
    return [] if raw is None else messages_of(raw, where, "assistant")


def _message(raw: Any, where: str, default_role: str) -> list[Message]:
    raw = unwrap_langchain(raw)
    if isinstance(raw, str):
        return _some(chat_message(default_role, raw, where))
    if not isinstance(raw, dict) or not any(k in raw for k in MESSAGE_KEYS):
        raise ValueError(f"{where}: not a chat message (an object with role or type, and content)")
    content = raw.get("content")
    calls = raw.get("tool_calls") or (raw.get("additional_kwargs") or {}).get("tool_calls") or []
    if isinstance(content, list):
        blocks = [b for b in content if isinstance(b, dict)]
        results = [b for b in blocks if b.get("type") == "tool_result"]
        if results:
            return [m for b in results for m in _some(_tool_result(b, where))]
        calls = list(calls) + [b for b in blocks if b.get("type") == "tool_use"]
    role = raw.get("role") or raw.get("type") or default_role
    return _some(chat_message(role, content, where, calls, raw.get("tool_call_id")))


def _tool_result(block: dict[str, Any], where: str) -> Message | None:
    content = block.get("content")
    text = text_of(content) if isinstance(content, list) else content
    return chat_message("tool", text, where, None, block.get("tool_use_id"))


def _some(message: Message | None) -> list[Message]:
    return [message] if message else []
