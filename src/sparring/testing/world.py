"""A generic stand-in for every role, in OpenAI wire format, so whole runs work against the stub.

It reads Sparring's own request shapes: a structured `customer_analysis` answer declares the issue
resolved after `turns` agent replies; a `verdict` answer fails a fixed share of transcripts
(chosen by a hash, so it is deterministic); a `failure_description` (discover) quotes the conversation's
last agent turn; any other structured request gets a value valid under its JSON schema (structured.py);
a request with tools calls the first tool once, then replies in text (a customer offered its own tools, then writes
its message); anything else is a customer message.
`SuiteWorld` (suite_world.py) keeps the structured answers and plays the agent and customer from a suite's own
scenarios and tools.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sparring.simulator import SCAFFOLD_GREETING
from sparring.testing.structured import description_answer, schema_instance, transcript_hints

TURNS = 2
FAIL_SHARE = 0.2
AGENT_FOLLOW_UP = "Thanks for waiting. I have checked your order and here is what I found."


def _schema_name(body: dict[str, Any]) -> str | None:
    response_format = body.get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("name")


def _schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a structured request's answer must satisfy; None for a free-text request."""
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema")
    return schema if isinstance(schema, dict) else None


def _placeholder_arguments(tool: dict[str, Any]) -> dict[str, Any]:
    parameters = tool["function"].get("parameters") or {}
    properties = parameters.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in parameters.get("required", []):
        spec = properties.get(name, {})
        arguments[name] = spec["enum"][0] if "enum" in spec else 1 if spec.get("type") == "number" else "X-1"
    return arguments


def is_customer_request(messages: list[dict[str, Any]]) -> bool:
    """Whether a request is the simulated customer's (its history opens with the simulator's scaffold greeting)."""
    return len(messages) > 1 and messages[1].get("content") == SCAFFOLD_GREETING


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """An assistant message calling one tool."""
    return {"tool_calls": [{"function": {"name": name, "arguments": json.dumps(arguments)}}]}


def structured_answer(body: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a structured request (`customer_analysis`, `verdict`, `failure_description`, or any other with
    a JSON schema); None for a free-text request."""
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
    prompt = "\n".join(str(m.get("content") or "") for m in messages)
    if schema == "failure_description":
        described = description_answer(prompt)
        if described is not None:
            return {"content": json.dumps(described)}
    json_schema = _schema(body)
    if json_schema is None:
        return None
    return {"content": json.dumps(schema_instance(json_schema, transcript_hints(prompt)))}


def world_responder(body: dict[str, Any]) -> dict[str, Any]:
    """The stub's default answers: a customer, an agent and judges that play the food-delivery suite through."""
    answer = structured_answer(body)
    if answer is not None:
        return answer
    messages = body.get("messages", [])
    tools = body.get("tools") or []
    if tools and messages[-1]["role"] != "tool":
        tool = tools[0]
        return tool_call(tool["function"]["name"], _placeholder_arguments(tool))
    if tools and not is_customer_request(messages):
        return {"content": AGENT_FOLLOW_UP}
    return {"content": generic_customer_text(body)}


def generic_customer_text(body: dict[str, Any]) -> str:
    """A customer message that knows nothing of the scenario; it carries a fingerprint of the brief, so each
    scenario's conversation is its own."""
    brief = hashlib.sha256(str(body.get("messages", [{}])[0].get("content")).encode()).hexdigest()[:8]
    return f"Hi, I have a problem with my order (case {brief}) and I would like some help please."
