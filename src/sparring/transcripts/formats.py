"""Readers for historical transcripts. Each yields transcripts or raises TranscriptError naming the
file, the line and what is wrong; with skip_bad, bad conversations are counted and skipped instead.

- jsonl: one conversation per line: {"id", "messages": [...], "metadata"}; roles customer/agent or
  user/assistant, text in "text" or "content"; tool calls either Sparring-style ({"name",
  "arguments", "result"}) or OpenAI-style ("tool_calls" on an assistant message, answered by
  "tool" messages with "tool_call_id"). A line may also be a bare list of OpenAI messages, and a
  .json file may hold a list of such conversations: OpenAI chat logs import as they are.
- csv: one message per row, grouped by a conversation-id column (column names configurable).
- taskmaster4, abcd: Google's Taskmaster-4 and ASAPP's ABCD dialogues (datasets.py).
- otel, langfuse, langsmith: conversations from tracing tools (traces_otel.py, traces_exports.py).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sparring.input_limits import TooDeep, json_value
from sparring.transcripts.builder import TurnBuilder
from sparring.transcripts.fields import items, obj
from sparring.transcripts.model import Transcript

CUSTOMER_ROLES = {"customer", "user", "human", "client", "visitor", "consumer", "end_user", "enduser"}
AGENT_ROLES = {"agent", "assistant", "bot", "ai", "chatbot", "support", "operator", "model", "representative"}
SKIPPED_ROLES = {"system", "developer"}
FORMATS = ("jsonl", "csv", "taskmaster4", "abcd", "otel", "langfuse", "langsmith")


class TranscriptError(ValueError):
    """A file of transcripts that cannot be read as asked: the message names the file and, where known, the line."""

    def __init__(self, file: Path | str, message: str, line: int | None = None) -> None:
        self.file, self.line = str(file), line
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


@dataclass
class CsvColumns:
    """Which CSV columns hold the conversation id, the speaker's role, the text and (optionally) the time."""

    conversation_id: str = "conversation_id"
    role: str = "role"
    text: str = "text"
    timestamp: str | None = None

    def needed(self) -> list[str]:
        """The columns every row must have."""
        return [self.conversation_id, self.role, self.text] + ([self.timestamp] if self.timestamp else [])

    @classmethod
    def parse(cls, spec: str | None) -> CsvColumns:
        """From 'conversation_id=conv,role=speaker,text=message' (unnamed ones keep their default)."""
        columns = cls()
        for part in filter(None, (spec or "").split(",")):
            key, _, value = part.partition("=")
            if key.strip() not in {"conversation_id", "role", "text", "timestamp"} or not value.strip():
                raise ValueError(f"bad column mapping {part!r}: use conversation_id=,role=,text=,timestamp=")
            setattr(columns, key.strip(), value.strip())
        return columns


@dataclass
class ImportResult:
    """The transcripts read from a file (redacted) and, with --skip-bad, the conversations skipped and why."""

    transcripts: list[Transcript] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file:line: reason" per skipped conversation


# Field names seen in exported chat logs, first match wins.
ROLE_KEYS = ("role", "speaker", "sender", "from", "author")
TEXT_KEYS = ("text", "content", "message", "body")
MESSAGES_KEYS = ("messages", "turns", "dialogue", "conversation", "utterances")
ID_KEYS = ("id", "conversation_id", "session_id", "chat_id")


def _first(data: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((data[k] for k in keys if data.get(k) is not None), None)


def role_of(raw: Any, where: str) -> str:
    """customer, agent, system, developer, tool or function, from the many names exports use; a ValueError
    naming `where` for any other."""
    role = str(raw or "").strip().lower()
    if role in CUSTOMER_ROLES:
        return "customer"
    if role in AGENT_ROLES:
        return "agent"
    if role in SKIPPED_ROLES or role in {"tool", "function"}:
        return role
    raise ValueError(
        f"{where}: unknown role {raw!r} (customer/user, agent/assistant, system or tool; "
        f"the role is read from {'/'.join(ROLE_KEYS)})"
    )


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return str(content)


def arguments_of(raw: Any) -> dict[str, Any]:
    """Tool-call arguments as an object: given as one, or as JSON text (text that is not JSON kept as `raw`)."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw.strip():
        try:
            value = json_value(raw)
        except ValueError:  # not JSON, or nested too deep
            return {"raw": raw}
        return value if isinstance(value, dict) else {"value": value}
    return {}


def decoded(raw: Any) -> Any:
    """JSON text decoded; anything else (text that is not JSON too) as it is."""
    if isinstance(raw, str):
        try:
            return json_value(raw)
        except ValueError:  # not JSON, or nested too deep
            return raw
    return raw


def messages_to_turns(messages: list[Any]) -> TurnBuilder:
    """Turns from OpenAI-style chat messages: tool calls and the tool messages answering them (by id) go
    on the agent turn; system and developer messages are left out."""
    builder = TurnBuilder()
    for index, message in enumerate(messages):
        where = f"message {index}"
        if not isinstance(message, dict):
            raise ValueError(f"{where}: a message must be an object")
        role = role_of(_first(message, ROLE_KEYS), where)
        text = _text(_first(message, TEXT_KEYS))
        if role in SKIPPED_ROLES:
            continue
        if role in {"tool", "function"}:
            answered = message.get("tool_call_id")
            if not builder.result(None if answered is None else str(answered), decoded(text)):
                raise ValueError(f"{where}: a tool message answers no earlier tool call")
            continue
        calls = items(message.get("tool_calls"), f"{where}: tool_calls")
        if role == "customer":
            builder.customer(text)
            continue
        for number, call in enumerate(calls):
            function = call.get("function", call) if isinstance(call, dict) else None
            if not isinstance(function, dict) or not function.get("name"):
                raise ValueError(f"{where}: tool call {number} has no name")
            call_id = call.get("id")
            builder.call(
                str(function["name"]),
                arguments_of(function.get("arguments")),
                None if call_id is None else str(call_id),
                decoded(call.get("result")),
            )
        if text or not calls:
            builder.agent(text)
    return builder


def _conversation(data: Any, number: int) -> tuple[str, list[Any], dict[str, Any]]:
    if isinstance(data, list):
        return f"conversation-{number}", data, {}
    if not isinstance(data, dict):
        raise ValueError("a conversation must be an object with 'messages' or a list of messages")
    messages = _first(data, MESSAGES_KEYS)
    if not isinstance(messages, list):
        raise ValueError(f"no list of messages (looked for {', '.join(MESSAGES_KEYS)})")
    conversation_id = _first(data, ID_KEYS) or f"conversation-{number}"
    return str(conversation_id), messages, dict(obj(data.get("metadata"), "metadata"))


def finish_transcript(conversation_id: str, builder: TurnBuilder, metadata: dict[str, Any], source: str) -> Transcript:
    """The transcript of built turns; a ValueError when the customer never said anything."""
    turns = builder.finish()
    if not any(t.role == "customer" and t.content.strip() for t in turns):
        raise ValueError(f"conversation {conversation_id!r} has no customer message")
    return Transcript(id=conversation_id, turns=turns, metadata=metadata, source=source)


def _jsonl_entries(file: Path) -> Iterator[tuple[int, Any]]:
    """(line, item): the items of a .json list, or the non-empty lines of a JSONL file read one at a time (a large
    file is never held whole in memory)."""
    if file.suffix == ".json":
        items = _load_json(file)
        if not isinstance(items, list):
            raise TranscriptError(file, "a .json file must hold a list of conversations")
        yield from ((i + 1, item) for i, item in enumerate(items))
        return
    with file.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line


def read_jsonl(file: Path) -> Iterator[tuple[int, Callable[[], Transcript]]]:
    """One conversation per JSONL line (or per item of a .json list), parsed when asked for."""
    for number, entry in _jsonl_entries(file):

        def parse(entry: Any = entry, number: int = number) -> Transcript:
            data = entry
            if isinstance(entry, str):
                try:
                    data = json_value(entry)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
            conversation_id, messages, metadata = _conversation(data, number)
            return finish_transcript(conversation_id, messages_to_turns(messages), metadata, f"{file}:{number}")

        yield number, parse


CsvRow = tuple[int, dict[str, str], str | None]  # (first line of the row, the row, what is wrong with it)


def _row_problem(row: dict[Any, Any], header: list[str], columns: CsvColumns) -> str | None:
    """A short row (values missing), a long one (more values than columns) or an unknown role, in words."""
    missing = [c for c in columns.needed() if row.get(c) is None]
    if missing:
        given = sum(row.get(c) is not None for c in header)
        return (
            f"no {', '.join(missing)}: the row has {given} of the {len(header)} columns ({', '.join(header)}); "
            "a comma or a closing quote missing?"
        )
    if row.get(None):
        values = len(header) + len(row[None])
        return f"{values} values but the header has {len(header)} columns: quote text that contains a comma"
    try:
        role_of(row[columns.role], f"column {columns.role}")
    except ValueError as exc:
        return str(exc)
    return None


def _csv_rows(file: Path, columns: CsvColumns) -> dict[str, list[CsvRow]]:
    """The rows grouped by conversation id, each with the line it starts on and its problem, if any."""
    with file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        try:
            header = list(reader.fieldnames or [])
        except csv.Error as exc:
            raise TranscriptError(file, f"not CSV: {exc}", 1) from exc
        missing = [c for c in columns.needed() if c not in header]
        if missing:
            raise TranscriptError(file, f"missing column(s) {', '.join(missing)}; found {reader.fieldnames}", 1)
        groups: dict[str, list[CsvRow]] = {}
        ended = reader.line_num
        try:
            for row in reader:
                groups.setdefault(row[columns.conversation_id], []).append(
                    (ended + 1, row, _row_problem(row, header, columns))
                )
                ended = reader.line_num
        except csv.Error as exc:  # a NUL byte, a value longer than csv's field limit (128 KB)
            raise TranscriptError(file, f"not CSV: {exc}", ended + 1) from exc
    return groups


def read_csv(file: Path, columns: CsvColumns) -> Iterator[tuple[int, Callable[[], Transcript]]]:
    """One conversation per conversation id; a bad row makes its conversation bad, reported at that row's line."""
    for conversation_id, rows in _csv_rows(file, columns).items():
        bad = next(((line, problem) for line, _row, problem in rows if problem), None)
        if columns.timestamp and bad is None:
            rows.sort(key=lambda r: r[1][columns.timestamp or ""])

        def parse(
            conversation_id: str = conversation_id, rows: list[CsvRow] = rows, bad: tuple[int, str] | None = bad
        ) -> Transcript:
            if bad is not None:
                raise ValueError(bad[1])
            builder = TurnBuilder()
            for line, row, _problem in rows:
                role = role_of(row[columns.role], f"line {line}")  # checked when read: cannot fail here
                if role == "customer":
                    builder.customer(row[columns.text])
                elif role == "agent":
                    builder.agent(row[columns.text])
            return finish_transcript(conversation_id, builder, {}, f"{file}:{rows[0][0]}")

        yield (bad[0] if bad else rows[0][0]), parse


def _load_json(file: Path) -> Any:
    """A whole-file JSON document; TranscriptError when it is not JSON or nests too deep."""
    try:
        return json_value(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TranscriptError(file, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    except TooDeep as exc:
        raise TranscriptError(file, str(exc)) from exc


def load_json_list(file: Path) -> list[Any]:
    """A whole-file JSON list of dialogues; TranscriptError for anything else."""
    data = _load_json(file)
    if not isinstance(data, list):
        raise TranscriptError(file, "expected a JSON list of dialogues")
    return data
