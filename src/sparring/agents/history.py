"""Context strategies: how the chatbot's model sees the conversation and its tool results.

`raw` appends every tool result verbatim (the usual baseline). `case-state` distils all tool results
so far into a typed case state — the entities the tools returned, the actions taken, what failed
and is still open — rebuilt after every tool call and shown instead of the raw log, because raw logs
in the context are where hallucinations came from. A suite can plug in its own strategy class.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import BaseModel, Field

from sparring.data_model import AgentTurn, CustomerTurn, Message, ToolCall, ToolCallRecord, Turn
from sparring.models import ChatRequest, MeteredModel
from sparring.prompts import package_prompt

SUMMARISE_PROMPT = package_prompt(__file__, "summarise_fact.j2")
MAX_VALUE_CHARS = 160
MAX_LIST_ITEMS = 4


class ContextStrategy(Protocol):
    """How the reference agent's model sees the conversation: `raw` tool messages, or a `case_state` summary
    of what the tools returned (see `CaseState`)."""

    name: str

    async def messages(
        self, system_prompt: str | None, turns: list[Turn], pending: list[ToolCallRecord], model: MeteredModel | None
    ) -> list[Message]:
        """The model's messages: the conversation so far, plus the tool calls made in the current turn.
        `model` is the agent's own model, for strategies that summarise."""
        ...


# Tool answers as their JSON text, by record: an agent is sent every earlier answer again at each model call, so a
# conversation would encode its k-th answer once per later call. Each entry holds its record (so no other object
# takes its id) and the result and error it was encoded from; the cache is emptied when it is full.
_TEXTS: dict[int, tuple[ToolCallRecord, Any, str | None, str]] = {}
_TEXTS_KEPT = 8192


def tool_result_text(record: ToolCallRecord) -> str:
    """A tool call's answer as the agent's model is sent it: the result, or `{"error": ...}`, as JSON text."""
    kept = _TEXTS.get(id(record))
    if kept is not None and kept[0] is record and kept[1] is record.result and kept[2] == record.error:
        return kept[3]
    text = json.dumps({"error": record.error}) if record.error else json.dumps(record.result, default=str)
    if len(_TEXTS) >= _TEXTS_KEPT:
        _TEXTS.clear()
    _TEXTS[id(record)] = (record, record.result, record.error, text)
    return text


class RawContext:
    """Tool calls and their results, verbatim, in the OpenAI tool-message protocol."""

    name = "raw"

    async def messages(
        self,
        system_prompt: str | None,
        turns: list[Turn],
        pending: list[ToolCallRecord],
        model: MeteredModel | None = None,
    ) -> list[Message]:
        history = [Message(role="system", content=system_prompt)] if system_prompt else []
        for turn in turns:
            if isinstance(turn, CustomerTurn):
                history.append(Message(role="user", content=turn.content))
                continue
            history += _tool_messages(turn.tool_calls)
            if turn.content or not turn.given:  # a given turn of tool calls alone has no reply of its own
                history.append(Message(role="assistant", content=turn.content))
        return history + _tool_messages(pending)


def _tool_messages(records: list[ToolCallRecord]) -> list[Message]:
    if not records:
        return []
    calls = [ToolCall(id=r.id, name=r.name, arguments=r.arguments) for r in records]
    return [Message(role="assistant", content="", tool_calls=calls)] + [
        Message(role="tool", content=tool_result_text(r), tool_call_id=r.id) for r in records
    ]


class Entity(BaseModel):
    """One thing the tools told us about (an order, a customer...), merged across calls."""

    kind: str
    key: str
    facts: dict[str, str] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    conflicts: dict[str, list[str]] = Field(default_factory=dict)  # field -> values seen that disagree


class CaseState(BaseModel):
    """What the tools have told the agent so far: the entities they described, the write actions taken and
    the lookups that failed. Shown to the model instead of raw tool messages by the `case_state` strategy."""

    entities: list[Entity] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)  # write calls made, with their outcome
    open_questions: list[str] = Field(default_factory=list)  # failed lookups: ask or correct
    lookups: int = 0


def _short(value: Any) -> str:
    if isinstance(value, list):
        items = [_short(v) for v in value[-MAX_LIST_ITEMS:]]
        more = f" (+{len(value) - MAX_LIST_ITEMS} earlier)" if len(value) > MAX_LIST_ITEMS else ""
        text = "; ".join(items) + more
    elif isinstance(value, dict):
        text = ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _identity(name: str, arguments: dict[str, Any], result: dict[str, Any]) -> tuple[str, str]:
    """An entity is named by the first *_id field of the result (or the arguments), else by the tool."""
    for source in (result, arguments):
        for field, value in source.items():
            if field.endswith("_id") and isinstance(value, str | int):
                return field[:-3], str(value)
    return name, json.dumps(arguments, sort_keys=True)


def free_texts(records: list[ToolCallRecord]) -> list[str]:
    """Long prose values in the tool results: the fields an LLM may summarise."""
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS and value.count(" ") >= 8 and value not in found:
            found.append(value)

    for record in records:
        if not record.error:
            visit(record.result)
    return found


def build_case_state(
    records: list[ToolCallRecord], action_tools: set[str], summaries: dict[str, str] | None = None
) -> CaseState:
    """Deterministic: the same records (and summaries) always give the same state. Later answers update
    earlier facts; disagreeing values for one field are kept as conflicts so the model does not pick one
    silently. `summaries` replaces long free-text values (see CaseStateContext)."""
    summaries = summaries or {}
    state = CaseState()
    entities: dict[tuple[str, str], Entity] = {}
    for record in records:
        if record.error:
            state.open_questions.append(f"{record.name}({_short(record.arguments)}) failed: {record.error}")
            continue
        if record.name in action_tools:
            state.actions.append(f"{record.name}({_short(record.arguments)}) → {_short(record.result)}")
            continue
        state.lookups += 1
        result = record.result if isinstance(record.result, dict) else {"result": record.result}
        kind, key = _identity(record.name, record.arguments, result)
        entity = entities.setdefault((kind, key), Entity(kind=kind, key=key))
        entity.sources.append(record.name)
        for field, value in result.items():
            text = _short(summaries.get(value, value) if isinstance(value, str) else value)
            previous = entity.facts.get(field)
            if previous is not None and previous != text:
                entity.conflicts.setdefault(field, [previous]).append(text)
            entity.facts[field] = text
    state.entities = list(entities.values())
    return state


def render_case_state(state: CaseState, max_chars: int = 4000) -> str:
    """The case state as the text block the model reads, cut at `max_chars` with a marker."""
    lines = ["CASE STATE (built from the tool results so far; the only source of order facts):"]
    for entity in state.entities:
        lines.append(f"- {entity.kind} {entity.key} (from {', '.join(dict.fromkeys(entity.sources))}):")
        lines += [f"    {field}: {value}" for field, value in entity.facts.items()]
        lines += [f"    CONFLICT in {field}: {' vs '.join(values)}" for field, values in entity.conflicts.items()]
    lines.append("Actions already taken: " + ("; ".join(state.actions) if state.actions else "none"))
    if state.open_questions:
        lines.append("Open questions (lookups that failed):")
        lines += [f"- {q}" for q in state.open_questions]
    text = "\n".join(lines)
    marker = "\n…(case state truncated)"
    return text if len(text) <= max_chars else text[: max_chars - len(marker)] + marker


class CaseStateContext:
    """The conversation as text only, plus the rendered case state as the last system message.

    With `summarise=True`, long free-text values (notes, descriptions) are summarised by the agent's own
    model into one sentence each, once per distinct text; everything else stays built by code.
    """

    name = "case-state"

    def __init__(self, action_tools: set[str] | None = None, max_chars: int = 4000, summarise: bool = False) -> None:
        self.action_tools = action_tools or set()
        self.max_chars = max_chars
        self.summarise = summarise
        self._summaries: dict[str, str] = {}

    async def _summarise(self, records: list[ToolCallRecord], model: MeteredModel) -> None:
        for text in free_texts(records):
            if text not in self._summaries:
                prompt = SUMMARISE_PROMPT.render(text=text)
                request = ChatRequest(messages=[Message(role="user", content=prompt)], max_tokens=80)
                summary = (await model.complete(request)).content.strip()
                self._summaries[text] = summary or text

    async def messages(
        self,
        system_prompt: str | None,
        turns: list[Turn],
        pending: list[ToolCallRecord],
        model: MeteredModel | None = None,
    ) -> list[Message]:
        history = [Message(role="system", content=system_prompt)] if system_prompt else []
        records: list[ToolCallRecord] = []
        for turn in turns:
            if isinstance(turn, AgentTurn):
                records += turn.tool_calls
                history.append(Message(role="assistant", content=turn.content))
            else:
                history.append(Message(role="user", content=turn.content))
        if self.summarise and model is not None:
            await self._summarise(records + pending, model)
        state = build_case_state(records + pending, self.action_tools, self._summaries)
        return [*history, Message(role="system", content=render_case_state(state, self.max_chars))]


def load_context_strategy(
    spec: str, action_tools: set[str], search_path: Path | None = None, summarise: bool = False
) -> ContextStrategy:
    """`raw`, `case-state`, or `module:Class` for a suite's own strategy (constructed without arguments)."""
    if spec == "raw":
        return RawContext()
    if spec == "case-state":
        return CaseStateContext(action_tools, summarise=summarise)
    module_name, sep, attribute = spec.partition(":")
    if not sep:
        raise ValueError(f"context strategy {spec!r}: use raw, case-state or module:Class")
    if search_path is not None and str(search_path) not in sys.path:
        sys.path.insert(0, str(search_path))
    try:
        strategy = getattr(importlib.import_module(module_name), attribute)()
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"context strategy {spec!r}: {exc}") from exc
    if not callable(getattr(strategy, "messages", None)):
        raise ValueError(f"context strategy {spec!r} has no messages() method")
    return cast(ContextStrategy, strategy)
