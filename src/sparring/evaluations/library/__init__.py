"""The built-in evaluation library: narrow binary evaluations in five families, each a prompt template
(judges) or a function (checks), with pass and fail example transcripts."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sparring.data_model import (
    AgentTurn,
    Conversation,
    CustomerAnalysis,
    CustomerTurn,
    EndReason,
    Scenario,
    ToolCallRecord,
)
from sparring.evaluations.check_functions import CheckFunction, check_info, collect_checks
from sparring.evaluations.library import checks as library_checks
from sparring.evaluations.library import scenario_checks
from sparring.evaluations.spec import FAMILIES, EvaluationSpec

LIBRARY = Path(__file__).parent


@cache
def builtin_checks() -> dict[str, CheckFunction]:
    """The library's check functions, by evaluation id."""
    return collect_checks(vars(library_checks)) | collect_checks(vars(scenario_checks))


@cache
def builtin_evaluations() -> dict[str, EvaluationSpec]:
    """Every built-in evaluation by id, as the catalog declares it."""
    specs: dict[str, EvaluationSpec] = {}
    for entry in yaml.safe_load((LIBRARY / "catalog.yaml").read_text(encoding="utf-8")):
        if entry["kind"] == "judge":
            entry["template"] = str(LIBRARY / entry["family"] / f"{entry['id']}.j2")
        else:
            info = check_info(builtin_checks()[entry["id"]])
            assert info is not None
            entry |= {"function": entry["id"], "description": info.description, "params": dict(info.params)}
        specs[entry["id"]] = EvaluationSpec.model_validate({**entry, "source": "builtin"})
    return specs


def example_context() -> dict[str, Any]:
    """The policy and tool lists the example transcripts assume."""
    data: dict[str, Any] = yaml.safe_load((LIBRARY / "example_context.yaml").read_text(encoding="utf-8"))
    return data


def examples() -> dict[str, dict[str, list[Conversation]]]:
    """evaluation id -> {"pass": [...], "fail": [...]} example conversations."""
    found: dict[str, dict[str, list[Conversation]]] = {}
    for family in FAMILIES:
        data = yaml.safe_load((LIBRARY / family / "examples.yaml").read_text(encoding="utf-8")) or {}
        data.pop("scenario", None)
        for evaluation_id, cases in data.items():
            found[evaluation_id] = {
                outcome: [
                    example_conversation(f"{evaluation_id}-{outcome}-{i}", events) for i, events in enumerate(items)
                ]
                for outcome, items in cases.items()
            }
    return found


def example_scenario(family: str) -> Scenario:
    """The scenario a family's examples were played from (the simulator family's brief), or a neutral one."""
    data = yaml.safe_load((LIBRARY / family / "examples.yaml").read_text(encoding="utf-8")) or {}
    default = {"id": "example", "situation": "an example", "desired_outcome": "help"}
    return Scenario.model_validate(data.get("scenario", default))


def example_conversation(conversation_id: str, events: list[dict[str, Any]]) -> Conversation:
    """A conversation from a compact event list: {customer: text, intent?}, {call: {name, arguments,
    result | error}}, {agent: text}, {state: the backend at the end} and {end: reason}. Calls attach to the next
    agent message."""
    conversation = Conversation(id=conversation_id, run_id="examples", scenario_id=conversation_id)
    calls: list[ToolCallRecord] = []
    for event in events:
        if "customer" in event:
            analysis = CustomerAnalysis.model_validate(event["analysis"]) if "analysis" in event else None
            turn = CustomerTurn(content=event["customer"], intent=event.get("intent", ""), analysis=analysis)
            conversation.turns.append(turn)
        elif "call" in event:
            calls.append(ToolCallRecord(id=f"call-{len(calls)}", **event["call"]))
        elif "agent" in event:
            conversation.turns.append(AgentTurn(content=event["agent"], tool_calls=calls))
            calls = []
        elif "state" in event:
            conversation.final_state = event["state"]
        elif "end" in event:
            conversation.end_reason = EndReason(event["end"])
            if "final" in event:
                conversation.final_analysis = CustomerAnalysis.model_validate(event["final"])
        else:
            raise ValueError(f"{conversation_id}: unknown example event {event!r}")
    return conversation
