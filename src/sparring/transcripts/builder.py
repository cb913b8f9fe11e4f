"""Builds turns from a flat message stream: merges consecutive messages of one speaker and attaches
tool calls to the agent message that follows them (every format reduces to this)."""

from __future__ import annotations

from typing import Any

from sparring.data_model import AgentTurn, CustomerTurn, ToolCallRecord, Turn
from sparring.input_limits import MAX_MESSAGE_CHARS


class TurnBuilder:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self._calls: list[ToolCallRecord] = []
        self._by_call_id: dict[str, ToolCallRecord] = {}

    def customer(self, text: str) -> None:
        _check_length(text)
        self._flush_calls()
        last = self.turns[-1] if self.turns else None
        if isinstance(last, CustomerTurn):
            last.content = f"{last.content}\n{text}".strip()
        else:
            self.turns.append(CustomerTurn(content=text))

    def agent(self, text: str) -> None:
        _check_length(text)
        last = self.turns[-1] if self.turns else None
        if isinstance(last, AgentTurn) and not self._calls:
            last.content = f"{last.content}\n{text}".strip()
        else:
            self.turns.append(AgentTurn(content=text, tool_calls=self._calls))
            self._calls = []

    def call(self, name: str, arguments: dict[str, Any], call_id: str | None = None, result: Any = None) -> None:
        if isinstance(result, str):
            _check_length(result)
        record = ToolCallRecord(id=call_id or f"call-{len(self._by_call_id)}", name=name, arguments=arguments)
        record.result = result
        self._calls.append(record)
        self._by_call_id[record.id] = record

    def set_arguments(self, call_id: str, arguments: dict[str, Any]) -> None:
        if call_id in self._by_call_id:
            self._by_call_id[call_id].arguments = arguments

    def result(self, call_id: str | None, result: Any) -> bool:
        """Attach a tool's answer to the call it answers; False when no such call is open."""
        if isinstance(result, str):
            _check_length(result)
        record = self._by_call_id.get(call_id or "") if call_id else (self._calls[-1] if self._calls else None)
        if record is None:
            return False
        if isinstance(result, str) and result.startswith(("error:", "Error:")):
            record.error = result.split(":", 1)[1].strip()
        else:
            record.result = result
        return True

    def _flush_calls(self) -> None:
        """Tool calls with no agent message after them still belong to the transcript."""
        if self._calls:
            self.turns.append(AgentTurn(content="", tool_calls=self._calls))
            self._calls = []

    def finish(self) -> list[Turn]:
        self._flush_calls()
        return self.turns


def _check_length(text: str) -> None:
    """A ValueError for a message (or a tool's text answer) longer than MAX_MESSAGE_CHARS."""
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValueError(f"a message of {len(text):,} characters: longer than the limit of {MAX_MESSAGE_CHARS:,}")
