"""The conversation as text for a judge: every turn, every tool call with its arguments and answer.

It is built to be read as data. Every message is a JSON string, so a message cannot start a line of
its own (no forged "BACKEND RESPONSE" or "AGENT" lines), and the block is fenced by a boundary tag
derived from the content's hash, which no text inside the conversation can close.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sparring.data_model import AgentTurn, Conversation, ToolCallRecord


@dataclass(frozen=True)
class RenderedTranscript:
    """The transcript text a judge reads, and the tag that fences it in the prompt."""

    text: str
    boundary: str  # the tag name that fences the transcript in the judge prompt


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _call_lines(
    index: int,
    calls: list[ToolCallRecord],
    who: str,
    answered_by: str,
    max_chars: int,
    uncut: frozenset[str] = frozenset(),
) -> list[str]:
    """One line per tool call and one per its answer (cut at `max_chars`, except the tools named in `uncut`)."""
    lines: list[str] = []
    for call in calls:
        arguments = json.dumps(call.arguments, ensure_ascii=False, default=str)
        lines.append(f"[{index}] {who} TOOL CALL {_quoted(call.name)} {arguments}")
        answer = (
            f"error: {_quoted(call.error)}" if call.error else json.dumps(call.result, ensure_ascii=False, default=str)
        )
        if len(answer) > max_chars and call.name not in uncut:
            answer = answer[:max_chars] + " …(truncated)"
        lines.append(f"[{index}] {answered_by} RESPONSE {answer}")
    return lines


def render_transcript(
    conversation: Conversation, max_result_chars: int = 1200, uncut: frozenset[str] = frozenset()
) -> RenderedTranscript:
    """The conversation as numbered lines, each message JSON-quoted, tool answers cut at `max_result_chars` except
    those of the tools named in `uncut` (a knowledge-base search: its documents are what claims are checked on);
    the customer's own tool calls (customer tools) are CUSTOMER TOOL CALL and CUSTOMER TOOL RESPONSE lines."""
    lines: list[str] = []
    for index, turn in enumerate(conversation.turns, start=1):
        if isinstance(turn, AgentTurn):
            lines += _call_lines(index, turn.tool_calls, "AGENT", "BACKEND", max_result_chars, uncut)
            lines.append(f"[{index}] AGENT: {_quoted(turn.content)}")
        else:
            lines += _call_lines(index, turn.tool_calls, "CUSTOMER", "CUSTOMER TOOL", max_result_chars)
            lines.append(f"[{index}] CUSTOMER: {_quoted(turn.content)}")
    if conversation.end_reason:
        lines.append(f"(conversation ended: {conversation.end_reason.value})")
    text = "\n".join(lines)
    boundary = "transcript-" + hashlib.sha256(text.encode()).hexdigest()[:10]
    return RenderedTranscript(text, boundary)
