"""The conversation as text for a judge: every turn, every tool call with its arguments and answer."""

from __future__ import annotations

import json

from sparring.data_model import AgentTurn, Conversation


def render_transcript(conversation: Conversation, max_result_chars: int = 1200) -> str:
    lines: list[str] = []
    for index, turn in enumerate(conversation.turns, start=1):
        if isinstance(turn, AgentTurn):
            for call in turn.tool_calls:
                lines.append(f"[{index}] AGENT TOOL CALL {call.name}({json.dumps(call.arguments)})")
                answer = f"error: {call.error}" if call.error else json.dumps(call.result, default=str)
                if len(answer) > max_result_chars:
                    answer = answer[:max_result_chars] + " …(truncated)"
                lines.append(f"[{index}] BACKEND RESPONSE {answer}")
            lines.append(f"[{index}] AGENT: {turn.content}")
        else:
            lines.append(f"[{index}] CUSTOMER: {turn.content}")
    if conversation.end_reason:
        lines.append(f"(conversation ended: {conversation.end_reason.value})")
    return "\n".join(lines)
