"""A generic stand-in for every role, in OpenAI wire format, so whole runs work against the stub.

It reads Sparring's own request shapes: a structured `customer_analysis` answer declares the issue
resolved after `turns` agent replies; a `verdict` answer fails a fixed share of transcripts
(chosen by a hash, so it is deterministic); a request with tools calls the first tool once, then
replies in text; anything else is a customer message.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

TURNS = 2
FAIL_SHARE = 0.2


def _schema_name(body: dict[str, Any]) -> str | None:
    response_format = body.get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("name")


def _placeholder_arguments(tool: dict[str, Any]) -> dict[str, Any]:
    parameters = tool["function"].get("parameters") or {}
    properties = parameters.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in parameters.get("required", []):
        spec = properties.get(name, {})
        arguments[name] = spec["enum"][0] if "enum" in spec else 1 if spec.get("type") == "number" else "X-1"
    return arguments


def world_responder(body: dict[str, Any]) -> dict[str, Any]:
    """The stub's default answers: a customer, an agent and judges that play the food-delivery suite through."""
    messages = body.get("messages", [])
    schema = _schema_name(body)
    if schema == "customer_analysis":
        agent_replies = sum(1 for m in messages if m["role"] == "user") - 1  # minus the scaffold greeting
        done = agent_replies >= TURNS
        analysis = {
            "notes": "scripted",
            "issue_addressed": done,
            "progressing": True,
            "needs_to_provide_info": False,
            "going_in_circles": False,
            "frustration": 2,
        }
        return {"content": json.dumps(analysis)}
    if schema == "verdict":
        digest = hashlib.sha256(str(messages[-1].get("content")).encode()).digest()
        verdict = "fail" if digest[0] < 256 * FAIL_SHARE else "pass"
        return {"content": json.dumps({"reasoning": "stub judgement", "verdict": verdict})}
    tools = body.get("tools") or []
    if tools and messages[-1]["role"] != "tool":
        tool = tools[0]
        arguments = json.dumps(_placeholder_arguments(tool))
        return {"tool_calls": [{"function": {"name": tool["function"]["name"], "arguments": arguments}}]}
    if tools:
        return {"content": "Thanks for waiting. I have checked your order and here is what I found."}
    # The customer's words carry a fingerprint of their brief, so each scenario's conversation is its own.
    brief = hashlib.sha256(str(messages[0].get("content")).encode()).hexdigest()[:8]
    return {"content": f"Hi, I have a problem with my order (case {brief}) and I would like some help please."}
