"""Conversations from tracing tools (OpenTelemetry GenAI, Langfuse, LangSmith): what the three have in
common. Each reader reduces a trace export to model calls (the messages a model was given and what it
answered) and tool runs, grouped into conversations; this module merges a conversation's calls into
one message history (a chat app sends the history again with every call), attaches the tool runs'
results to the tool calls they answer, and builds the transcript like every other format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sparring.input_limits import TooDeep, json_value
from sparring.transcripts.formats import SKIPPED_ROLES, TranscriptError, finish_transcript, messages_to_turns, role_of
from sparring.transcripts.model import Transcript

Message = dict[str, Any]  # OpenAI chat format: role, content, tool_calls [{id, function: {name, arguments}}]
Entry = tuple[int | None, Callable[[], Transcript]]  # (line of the file, or None in a one-document file; parse)


@dataclass
class ModelCall:
    """One model call of a trace: its span/observation/run id, its parent's, and its messages."""

    id: str
    parent: str | None
    start: Any  # sortable within one format: nanoseconds or an ISO timestamp
    inputs: list[Message]
    outputs: list[Message]


@dataclass
class ToolRun:
    """One tool execution recorded apart from the model call that asked for it."""

    name: str
    call_id: str | None
    start: Any
    result: Any = None
    error: str | None = None


@dataclass
class TraceGroup:
    """The model calls and tool runs of one conversation (one session, or one trace without a session)."""

    id: str
    line: int | None
    records: list[dict[str, Any]] = field(default_factory=list)  # read when the conversation is parsed
    calls: list[ModelCall] = field(default_factory=list)
    tools: list[ToolRun] = field(default_factory=list)
    parents: dict[str, str | None] = field(default_factory=dict)  # every span's parent, calls or not
    traces: list[str] = field(default_factory=list)


Reader = Callable[["TraceGroup", dict[str, Any]], None]


def load_documents(file: Path) -> list[tuple[int | None, Any]]:
    """The file's JSON documents: one document (line None), or one per line of a JSON Lines file (a line
    that is not JSON comes back as a ValueError in place of its document)."""
    text = file.read_text(encoding="utf-8")
    try:
        return [(None, json_value(text))]
    except ValueError as exc:  # not one JSON document, or one nested too deep
        lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
        if len(lines) < 2 or not _is_json(lines[0][1]):
            if isinstance(exc, json.JSONDecodeError):
                raise TranscriptError(file, f"invalid JSON: {exc.msg}", exc.lineno) from exc
            raise TranscriptError(file, str(exc)) from exc
    return [(n, _json_or_error(line)) for n, line in lines]


def _is_json(text: str) -> bool:
    """Whether `text` is JSON (a value nested too deep counts: the line is told apart, the others read)."""
    try:
        json_value(text)
    except json.JSONDecodeError:
        return False
    except TooDeep:
        return True
    return True


def _json_or_error(text: str) -> Any:
    try:
        return json_value(text)
    except json.JSONDecodeError as exc:
        return ValueError(f"invalid JSON: {exc.msg} (column {exc.colno}); the spans on this line are left out")
    except TooDeep as exc:
        return ValueError(f"{exc}; the spans on this line are left out")


def bad_entry(line: int | None, reason: str) -> Entry:
    """An entry that fails with `reason` when parsed: counted with --skip-bad, an error without."""

    def parse() -> Transcript:
        raise ValueError(reason)

    return line, parse


def add_record(groups: dict[str, TraceGroup], key: str, line: int | None, trace: str, record: dict[str, Any]) -> None:
    """The record joins conversation `key` (started at `line` when new), its trace among the conversation's."""
    group = groups.setdefault(key, TraceGroup(id=key, line=line))
    group.records.append(record)
    if trace not in group.traces:
        group.traces.append(trace)


def check_session_found(file: Path, session_attribute: str | None, found: bool, what: str) -> None:
    """An explicit --session-attribute that nothing in the file has is a mistake, not one trace each."""
    if session_attribute and not found:
        raise TranscriptError(file, f"no {what} has {session_attribute!r} (--session-attribute)")


def group_entries(file: Path, groups: dict[str, TraceGroup], source: str, kind: str, read: Reader) -> Iterator[Entry]:
    """One entry per conversation, in the order they first appear; `read` turns each record (a `kind`:
    span, observation, run) into the group's model calls and tool runs when the conversation is parsed,
    so a bad record spoils only its own conversation."""
    for group in groups.values():
        where = f"{file}:{group.line}" if group.line else str(file)
        yield group.line, partial(build_transcript, group, where, source, kind, read)


def build_transcript(group: TraceGroup, where: str, source: str, kind: str, read: Reader) -> Transcript:
    """The conversation's transcript: the innermost model calls merged in time order, tool results attached."""
    for record in group.records:
        read(group, record)
    messages, answers = merge_calls(innermost(group.calls, group.parents), kind)
    messages = attach_tool_runs(messages, answers + sorted(group.tools, key=lambda t: t.start))
    metadata = {"format": source, "traces": group.traces}
    return finish_transcript(group.id, messages_to_turns(messages), metadata, where)


def innermost(calls: list[ModelCall], parents: dict[str, str | None]) -> list[ModelCall]:
    """Calls with no call below them: an agent span that wraps model spans repeats their messages."""
    ancestors: set[str] = set()
    for call in calls:
        parent = call.parent
        while parent and parent not in ancestors:
            ancestors.add(parent)
            parent = parents.get(parent)
    return sorted((c for c in calls if c.id not in ancestors), key=lambda c: c.start)


def _key(message: Message) -> tuple[Any, ...]:
    calls = tuple((c.get("id"), c["function"]["name"]) for c in message.get("tool_calls") or [])
    return message["role"], str(message.get("content") or "").strip(), calls, message.get("tool_call_id")


def merge_calls(calls: list[ModelCall], kind: str) -> tuple[list[Message], list[ToolRun]]:
    """One history from every call's input and output: each input is laid over the end of the history so
    far (the longest end of it that the input starts with is not repeated), then its output is appended.
    Tool results are left out of that comparison (some apps resend them, some do not); the results in the
    part of an input laid over the history come back apart, for tool calls the history left unanswered."""
    history: list[tuple[Message, str]] = []  # each message with the call it came from
    answers: list[ToolRun] = []
    for call in calls:
        spoken = [n for n, m in enumerate(call.inputs) if m["role"] != "tool"]
        inputs = [_key(call.inputs[n]) for n in spoken]
        keys = [_key(m) for m, _where in history if m["role"] != "tool"]
        overlap = _overlap(keys, inputs)
        cut = spoken[overlap - 1] + 1 if overlap else 0
        answers += [_answer(m, call.start) for m in call.inputs[:cut] if m["role"] == "tool"]
        history += [(m, f"{kind} {call.id}") for m in call.inputs[cut:] + call.outputs]
    check_answers(history)
    return [m for m, _where in history], answers


def _overlap(keys: list[tuple[Any, ...]], inputs: list[tuple[Any, ...]]) -> int:
    """The length of the longest end of `keys` that `inputs` starts with (0 when none)."""
    starts = (i for i, key in enumerate(keys) if inputs and key == inputs[0] and len(keys) - i <= len(inputs))
    return next((len(keys) - i for i in starts if keys[i:] == inputs[: len(keys) - i]), 0)


def _answer(message: Message, start: Any) -> ToolRun:
    return ToolRun("", message.get("tool_call_id"), start, maybe_json(message.get("content")))


def check_answers(history: list[tuple[Message, str]]) -> None:
    """Every tool result must answer a tool call made before it (the one it names, when it names one)."""
    asked: set[Any] = set()
    for message, where in history:
        asked |= {c.get("id") for c in message.get("tool_calls") or []}
        answer = message.get("tool_call_id")
        if message["role"] == "tool" and (not asked or (answer and answer not in asked)):
            raise ValueError(f"{where}: tool result {answer or ''!r} answers no earlier tool call")


def attach_tool_runs(messages: list[Message], tools: list[ToolRun]) -> list[Message]:
    """Tool calls left unanswered in the messages get the result of the tool run with their id, or else
    of the next unused run of the same tool."""
    answered = {m.get("tool_call_id") for m in messages if m["role"] == "tool"}
    unused = list(tools)
    out: list[Message] = []
    for message in messages:
        out.append(message)
        for call in message.get("tool_calls") or []:
            if call.get("id") in answered:
                continue
            run = next((t for t in unused if t.call_id and t.call_id == call.get("id")), None) or next(
                (t for t in unused if t.name == call["function"]["name"]), None
            )
            if run is not None:
                unused.remove(run)
                content = f"error: {run.error}" if run.error else as_text(run.result)
                out.append({"role": "tool", "tool_call_id": call.get("id"), "content": content})
    return out


def as_text(value: Any) -> str:
    """A tool result as the text a tool message holds (JSON for structured values)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def maybe_json(value: Any) -> Any:
    """A JSON-encoded attribute decoded; anything else as it is."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json_value(value)
        except ValueError:  # not JSON, or nested too deep: kept as the text it is
            return value
    return value


def chat_message(role: Any, content: Any, where: str, calls: Any = None, call_id: Any = None) -> Message | None:
    """A message in OpenAI chat form, validated; None for system and developer messages."""
    kind = role_of(role, where)
    if kind in SKIPPED_ROLES:
        return None
    message: Message = {"role": {"customer": "user", "agent": "assistant", "function": "tool"}.get(kind, kind)}
    message["content"] = as_text(content) if kind in ("tool", "function") else text_of(content)
    if call_id is not None:
        message["tool_call_id"] = str(call_id)
    message["tool_calls"] = [tool_call(c, f"{where}: tool call {n}") for n, c in enumerate(maybe_json(calls) or [])]
    return message


def text_of(content: Any) -> str:
    """The text of a content value: a string, or a list of parts whose text parts are joined."""
    content = maybe_json(content)
    if isinstance(content, list):
        parts = [p.get("text", p.get("content")) if isinstance(p, dict) else p for p in content]
        texts = [p for p, raw in zip(parts, content, strict=True) if isinstance(p, str) and _is_text_part(raw)]
        return "\n".join(texts)
    return "" if content is None else str(content)


def _is_text_part(part: Any) -> bool:
    return not isinstance(part, dict) or part.get("type") in (None, "text", "input_text", "output_text")


def tool_call(raw: Any, where: str) -> dict[str, Any]:
    """A tool call in OpenAI form, from OpenAI ({id, function: {name, arguments}}), LangChain ({id, name,
    args}) or Anthropic ({id, name, input}) form."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a tool call must be an object")
    function: dict[str, Any] = raw["function"] if isinstance(raw.get("function"), dict) else raw
    name = function.get("name")
    if not name:
        raise ValueError(f"{where}: the tool call has no name")
    arguments: Any = next((function[k] for k in ("arguments", "args", "input") if function.get(k) is not None), {})
    return {"id": raw.get("id"), "function": {"name": str(name), "arguments": maybe_json(arguments)}}
