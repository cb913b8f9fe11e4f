"""OpenTelemetry GenAI traces: OTLP JSON as the Collector's file exporter writes it (one
`{"resourceSpans": [...]}` export per line, or one such document), with the `gen_ai.*` semantic
conventions in any of their three forms:

- `gen_ai.input.messages` / `gen_ai.output.messages`: JSON lists of {role, parts: [{type: text, content},
  {type: tool_call, id, name, arguments}, {type: tool_call_response, id, response}]} (on the span, or on a
  `gen_ai.client.inference.operation.details` event);
- indexed attributes: `gen_ai.prompt.N.role/content/tool_call_id/tool_calls.M.id|name|arguments`, and
  `gen_ai.completion.N...` likewise;
- span events `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
  `gen_ai.tool.message` (the input) and `gen_ai.choice` (the output), their body fields as attributes
  (content, role, id, tool_calls, message) or as one JSON `body` attribute.

`execute_tool` spans (`gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.call.result`) give the results
of tool calls no tool message answers. Spans are grouped into conversations by a session attribute (on any
span of the trace, or on its resource), else by trace id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sparring.transcripts.fields import items, obj, text_value
from sparring.transcripts.traces import (
    Entry,
    Message,
    ModelCall,
    ToolRun,
    TraceGroup,
    add_record,
    bad_entry,
    chat_message,
    check_session_found,
    group_entries,
    load_documents,
    maybe_json,
    text_of,
)

SESSION_ATTRIBUTES = ("session.id", "gen_ai.conversation.id", "langfuse.session.id", "thread_id")
INDEXED = re.compile(r"^gen_ai\.(prompt|completion)\.(\d+)\.(.+)$")
INPUT_EVENTS = {f"gen_ai.{r}.message": r for r in ("system", "user", "assistant", "tool")}
Span = tuple[int | None, dict[str, Any], dict[str, Any]]  # (line, span, its resource's attributes)


def any_value(value: Any) -> Any:
    """An OTLP AnyValue ({stringValue: ...}, {intValue: "3"}, arrays, key-value lists) as a Python value."""
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in items(obj(value["arrayValue"], "arrayValue").get("values"), "arrayValue.values")]
    if "kvlistValue" in value:
        return attributes(obj(value["kvlistValue"], "kvlistValue").get("values"))
    return None


def attributes(raw: Any) -> dict[str, Any]:
    """OTLP attributes ([{key, value}]) as a dict; a ValueError for a list that is not one (keys are text)."""
    found = [a for a in items(raw, "attributes") if isinstance(a, dict) and "key" in a]
    return {text_value(a["key"], "attributes[].key"): any_value(a.get("value")) for a in found}


def read_otel(file: Path, session_attribute: str | None = None) -> Iterator[Entry]:
    """One entry per conversation of an OTLP JSON trace export (see the module's docstring)."""
    spans: list[Span] = []
    for line, document in load_documents(file):
        if isinstance(document, ValueError):
            yield bad_entry(line, str(document))
        elif not isinstance(document, dict) or not isinstance(document.get("resourceSpans"), list):
            yield bad_entry(line, "no resourceSpans list: not an OTLP JSON trace export")
        else:
            try:
                spans += _spans(line, document)
            except ValueError as exc:
                yield bad_entry(line, str(exc))
    yield from group_entries(file, _groups(file, spans, session_attribute), "otel", "span", _add_span)


def _spans(line: int | None, document: dict[str, Any]) -> list[Span]:
    found = []
    for n, raw in enumerate(document["resourceSpans"]):
        resource_spans = obj(raw, f"resourceSpans[{n}]")
        resource = attributes(obj(resource_spans.get("resource"), f"resourceSpans[{n}].resource").get("attributes"))
        for m, scope in enumerate(items(resource_spans.get("scopeSpans"), f"resourceSpans[{n}].scopeSpans")):
            spans = items(obj(scope, f"resourceSpans[{n}].scopeSpans[{m}]").get("spans"), "scopeSpans[].spans")
            found += [(line, s, resource) for s in spans if isinstance(s, dict)]
    return found


def _groups(file: Path, spans: list[Span], session_attribute: str | None) -> dict[str, TraceGroup]:
    names = (session_attribute,) if session_attribute else SESSION_ATTRIBUTES
    sessions: dict[str, str] = {}
    for _line, span, resource in spans:
        try:
            own = attributes(span.get("attributes"))
        except ValueError:  # told when the span's conversation is read
            own = {}
        value = next((v for n in names for v in (own.get(n), resource.get(n)) if v), None)
        if value is not None:
            sessions.setdefault(str(span.get("traceId")), str(value))
    check_session_found(file, session_attribute, not spans or bool(sessions), "span")
    groups: dict[str, TraceGroup] = {}
    for line, span, _resource in spans:
        trace = str(span.get("traceId"))
        add_record(groups, sessions.get(trace, trace), line, trace, span)
    return groups


def _add_span(group: TraceGroup, span: dict[str, Any]) -> None:
    span_id, parent = str(span.get("spanId")), span.get("parentSpanId") or None
    group.parents[span_id] = parent
    attrs, start = attributes(span.get("attributes")), int(span.get("startTimeUnixNano") or 0)
    if attrs.get("gen_ai.operation.name") == "execute_tool" or "gen_ai.tool.call.result" in attrs:
        group.tools.append(_tool_run(attrs, span, start))
        return
    events = sorted(
        (e for e in items(span.get("events"), f"span {span_id}: events") if isinstance(e, dict)), key=_event_time
    )
    call = _model_call(f"span {span_id}", attrs, events)
    if call is not None:
        group.calls.append(ModelCall(span_id, parent, start, *call))


def _event_time(event: dict[str, Any]) -> int:
    return int(event.get("timeUnixNano") or 0)


def _tool_run(attrs: dict[str, Any], span: dict[str, Any], start: int) -> ToolRun:
    status = span.get("status") or {}
    failed = status.get("code") in (2, "STATUS_CODE_ERROR")
    return ToolRun(
        name=str(attrs.get("gen_ai.tool.name") or span.get("name") or ""),
        call_id=attrs.get("gen_ai.tool.call.id"),
        start=start,
        result=maybe_json(attrs.get("gen_ai.tool.call.result")),
        error=(status.get("message") or "failed") if failed else None,
    )


def _model_call(where: str, attrs: dict[str, Any], events: list[dict[str, Any]]) -> tuple[list, list] | None:
    """(inputs, outputs) of a span, from whichever form it uses; None for a span without messages."""
    details = [attributes(e.get("attributes")) for e in events if e.get("name") != "exception"]
    for source in [attrs, *details]:
        if "gen_ai.input.messages" in source or "gen_ai.output.messages" in source:
            return (
                _parts_messages(source.get("gen_ai.input.messages"), f"{where}: gen_ai.input.messages"),
                _parts_messages(source.get("gen_ai.output.messages"), f"{where}: gen_ai.output.messages"),
            )
    if any(INDEXED.match(k) for k in attrs):
        return _indexed(attrs, "prompt", where), _indexed(attrs, "completion", where)
    inputs, outputs = _event_messages(where, events)
    return (inputs, outputs) if inputs or outputs else None


def _parts_messages(raw: Any, where: str) -> list[Message]:
    value = maybe_json(raw) if raw is not None else []
    if not isinstance(value, list):
        raise ValueError(f"{where}: not a JSON list of messages")
    messages: list[Message] = []
    for n, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("parts", []), list):
            raise ValueError(f"{where}[{n}]: a message must be an object with a list of parts")
        messages += _from_parts(item, f"{where}[{n}]")
    return messages


def _from_parts(item: dict[str, Any], where: str) -> list[Message]:
    parts = [p for p in items(item.get("parts"), f"{where}: parts") if isinstance(p, dict)]
    answers = [p for p in parts if p.get("type") == "tool_call_response"]
    if answers:
        return [m for p in answers if (m := chat_message("tool", p.get("response"), where, None, p.get("id")))]
    text = text_of([p for p in parts if p.get("type") == "text"])
    calls = [p for p in parts if p.get("type") == "tool_call"]
    message = chat_message(item.get("role"), text, where, calls)
    return [message] if message else []


def _indexed(attrs: dict[str, Any], kind: str, where: str) -> list[Message]:
    fields: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        match = INDEXED.match(key)
        if match and match[1] == kind:
            fields.setdefault(int(match[2]), {})[match[3]] = value
    messages = []
    for n in sorted(fields):
        f = fields[n]
        calls: dict[str, dict[str, Any]] = {}
        for key, value in f.items():
            if key.startswith("tool_calls."):
                number, _, name = key[len("tool_calls.") :].partition(".")
                calls.setdefault(number, {})[name] = value
        ordered = [calls[k] for k in sorted(calls, key=int)]
        role = f.get("role", "assistant" if kind == "completion" else None)
        message = chat_message(role, f.get("content"), f"{where}: gen_ai.{kind}.{n}", ordered, f.get("tool_call_id"))
        if message:
            messages.append(message)
    return messages


def _event_messages(where: str, events: list[dict[str, Any]]) -> tuple[list[Message], list[Message]]:
    inputs: list[Message] = []
    outputs: list[Message] = []
    for event in events:
        name = event.get("name")
        body = attributes(event.get("attributes"))
        extra = maybe_json(body.pop("body", None))
        body.update(extra if isinstance(extra, dict) else {})
        here = f"{where}: event {name}"
        if name in INPUT_EVENTS:
            role = body.get("role") or INPUT_EVENTS[str(name)]
            message = chat_message(role, body.get("content"), here, body.get("tool_calls"), body.get("id"))
            inputs += [message] if message else []
        elif name == "gen_ai.choice":
            reply = maybe_json(body.get("message")) or {"content": body.get("content")}
            reply = reply if isinstance(reply, dict) else {"content": reply}
            message = chat_message(
                reply.get("role") or "assistant", reply.get("content"), here, reply.get("tool_calls")
            )
            outputs += [message] if message else []
    return inputs, outputs
