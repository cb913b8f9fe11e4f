"""Test helpers: trajectories played on a `Tau2Backend`, and the same trajectories as τ² messages, so Sparring's
τ² reward and τ²'s own evaluator judge exactly the same conversation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sparring.data_model import ToolCall, ToolCallRecord
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_domain import Tau2Domain


@dataclass
class Trajectory:
    """What an agent did: its tool calls (as recorded) and its messages."""

    calls: list[ToolCallRecord]
    agent_texts: list[str]


def gold_calls(task: Any) -> list[ToolCall]:
    """The task's gold actions as tool calls."""
    return [
        ToolCall(id=a.action_id, name=a.name, arguments=a.arguments) for a in task.evaluation_criteria.actions or []
    ]


def play(domain: Tau2Domain, task: Any, calls: list[ToolCall]) -> Trajectory:
    """Run `calls` on a fresh backend; the agent then says every piece of information it must communicate."""
    backend = Tau2Backend(domain, task)
    records = [backend.execute(call) for call in calls]
    info = task.evaluation_criteria.communicate_info or []
    return Trajectory(records, ["Done. " + " ".join(info)])


def tau2_messages(trajectory: Trajectory) -> list[Any]:
    """The trajectory as τ² messages: a user turn, one assistant tool call and its answer per call, a final text."""
    from tau2.data_model.message import AssistantMessage, ToolMessage, UserMessage
    from tau2.data_model.message import ToolCall as Tau2ToolCall

    messages: list[Any] = [UserMessage(role="user", content="Hello, I need help.")]
    for record in trajectory.calls:
        call = Tau2ToolCall(id=record.id, name=record.name, arguments=record.arguments)
        content = record.error if record.error is not None else json.dumps(record.result)
        messages.append(AssistantMessage(role="assistant", tool_calls=[call]))
        messages.append(ToolMessage(id=record.id, role="tool", content=content, error=record.error is not None))
    messages.extend(AssistantMessage(role="assistant", content=text) for text in trajectory.agent_texts)
    return messages


def tau2_reward_of(domain: Tau2Domain, task: Any, trajectory: Trajectory) -> float:
    """τ²'s own `evaluate_simulation` (evaluation type ALL) on the trajectory."""
    return tau2_evaluated(task, tau2_messages(trajectory), domain.name)


def tau2_evaluated(task: Any, messages: list[Any], domain: str, kind: str = "ALL") -> float:
    """τ²'s own `evaluate_simulation` (evaluation type `kind`) of `messages` as one finished simulation of `task`."""
    from tau2.data_model.simulation import SimulationRun, TerminationReason
    from tau2.evaluator.evaluator import EvaluationType, evaluate_simulation

    run = SimulationRun(
        id="sparring",
        task_id=task.id,
        start_time="2026-01-01T00:00:00",
        end_time="2026-01-01T00:01:00",
        duration=60.0,
        termination_reason=TerminationReason.AGENT_STOP,
        messages=messages,
    )
    return evaluate_simulation(run, task, EvaluationType[kind], solo_mode=False, domain=domain).reward
