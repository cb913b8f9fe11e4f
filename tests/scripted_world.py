"""A scripted model that plays every role sensibly, so whole runs are deterministic in tests."""

from __future__ import annotations

import re

from sparring import ChatRequest, ChatResponse, ModelPool, ScriptedModel, ToolCall


def _order_id(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        match = re.search(r"O-\d{4}", message.content)
        if match:
            return match.group(0)
    return "O-0000"


def world_reply(request: ChatRequest) -> ChatResponse | str | dict:
    """Simulator: open, then declare resolved after one agent reply. Agent: look up, then answer.
    Judge: pass, unless the transcript mentions 'FAILME'."""
    if request.schema_name == "customer_analysis":
        return {
            "notes": "they answered",
            "issue_addressed": True,
            "progressing": True,
            "needs_to_provide_info": False,
            "going_in_circles": False,
            "frustration": 1,
        }
    if request.schema_name == "verdict":
        failing = "FAILME" in request.messages[-1].content
        return {"reasoning": "scripted judgement", "verdict": "fail" if failing else "pass"}
    if request.tools:
        if request.messages[-1].role == "tool":
            return "I looked up your order; here is what I found."
        return ChatResponse(
            tool_calls=[ToolCall(id="c1", name="lookup_order", arguments={"order_id": _order_id(request)})]
        )
    brief = request.messages[0].content
    match = re.search(r"order number: (O-\d{4})", brief)
    # the opening: the order number, then the grounded opening the simulator asks to rephrase, said back
    grounded = re.search(r'^"(.*)"$', request.messages[-1].content, re.M)
    said = f" {grounded.group(1)}" if grounded else ""
    return f"Hello, my order {match.group(1) if match else ''} has a problem.{said}"


def world_model(name: str = "scripted:world") -> ScriptedModel:
    return ScriptedModel(world_reply, name=name)


def world_pool() -> ModelPool:
    """A pool holding the scripted world (a factory Ray workers can call)."""
    pool = ModelPool()
    pool.add(world_model())
    return pool


def slow_world_pool() -> ModelPool:
    """The scripted world at 20 ms per call: slow enough to kill a worker in the middle of its shard."""
    import time

    def reply(request: ChatRequest) -> ChatResponse | str | dict:
        time.sleep(0.02)
        return world_reply(request)

    pool = ModelPool()
    pool.add(ScriptedModel(reply, name="scripted:world"))
    return pool
