"""τ²'s reward, computed by Sparring from a conversation's tool calls and the agent's messages.

As τ²'s evaluator does it: DB = the database after replaying the conversation's tool calls (the agent's and, in a
dual-control domain, the customer's, in order) on a fresh environment has the same hash as after replaying the
task's gold actions (both the agent's and the customer's databases, 1 or 0); ENV_ASSERTION = every env assertion
holds on the replayed environment; ACTION = every gold action matches some call (same tool, equal values on the action's
`compare_args`, or on all the call's arguments when it names none); COMMUNICATE = every `communicate_info` string
occurs, case-insensitive, in an agent message with its commas removed; NL_ASSERTION = every natural-language
assertion is met, as a judge found (`tau2_nl`: the caller passes the assertions the judge found unmet). The reward
multiplies the components named in the task's `reward_basis` (τ²'s default: DB and COMMUNICATE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sparring.data_model import ToolCall, ToolCallRecord
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_domain import Tau2Domain

DETERMINISTIC = ("DB", "ENV_ASSERTION", "ACTION", "COMMUNICATE")
JUDGED = "NL_ASSERTION"


@dataclass
class Tau2Reward:
    """The reward (product over `basis`) and every component (1.0 or 0.0); `missing` lists what failed."""

    reward: float
    basis: list[str]
    components: dict[str, float]
    missing: list[str] = field(default_factory=list)


def basis_of(task: Any) -> list[str]:
    """The task's reward basis as names (DB, ACTION, ...)."""
    return [getattr(kind, "value", str(kind)) for kind in task.evaluation_criteria.reward_basis]


def _replayed(
    domain: Tau2Domain, task: Any, calls: Sequence[ToolCallRecord], requestors: Sequence[str] | None
) -> Tau2Backend:
    """The conversation's calls replayed in order (`requestors[i]`: "user" for the customer's; None: all the
    agent's), then τ²'s final sync of the environment, as its `set_state` does."""
    backend = Tau2Backend(domain, task)
    for index, call in enumerate(calls):
        replay = ToolCall(id=call.id, name=call.name, arguments=call.arguments)
        if requestors is not None and requestors[index] == "user":
            backend.execute_customer(replay)
        else:
            backend.execute(replay)
    backend.environment.sync_tools()
    return backend


@cache
def _gold_views(domain: Tau2Domain, task_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The agent's and the customer's databases after the task's message history and then the gold actions, made as
    τ² makes them (`make_tool_call`, no sync after each, a failing action skipped)."""
    task = next(task for task in domain.tasks if task.id == task_id)
    backend = Tau2Backend(domain, task, with_history=True)
    for action in task.evaluation_criteria.actions or []:
        try:
            backend.environment.make_tool_call(action.name, requestor=action.requestor, **action.arguments)
        except Exception:  # noqa: BLE001,S112 - τ² logs a failing gold action and goes on
            continue
    return backend.view(), backend.customer_view()


def _same_database(domain: Tau2Domain, task: Any, replayed: Tau2Backend) -> bool:
    """τ² counts the DB as matching when a task lists neither actions nor env assertions; else it compares the
    hashes of the two databases, here their plain-data views (equal views, equal hashes; the views share their
    unchanged records, so the comparison reads only what either replay changed)."""
    criteria = task.evaluation_criteria
    if criteria.actions is None and criteria.env_assertions is None:
        return True
    agent, customer = _gold_views(domain, task.id)
    return replayed.view() == agent and replayed.customer_view() == customer


def action_matches(action: Any, call: ToolCallRecord) -> bool:
    """A gold action matches a call: same tool, equal values on `compare_args` (all the call's arguments if None)."""
    if action.name != call.name:
        return False
    keys = call.arguments.keys() if action.compare_args is None else action.compare_args
    return {k: v for k, v in call.arguments.items() if k in keys} == {
        k: v for k, v in action.arguments.items() if k in keys
    }


def communicated(info: str, agent_texts: Sequence[str]) -> bool:
    """`info` occurs, case-insensitive, in one agent message with its commas removed."""
    return any(info.lower() in text.lower().replace(",", "") for text in agent_texts)


def _components(
    domain: Tau2Domain,
    task: Any,
    calls: Sequence[ToolCallRecord],
    agent_texts: Sequence[str],
    requestors: Sequence[str] | None,
) -> tuple[dict[str, float], list[str]]:
    criteria = task.evaluation_criteria
    replayed = _replayed(domain, task, calls, requestors)
    checks: dict[str, list[tuple[str, bool]]] = {
        "DB": [("database state", _same_database(domain, task, replayed))],
        "ENV_ASSERTION": [
            (str(a.func_name), replayed.environment.run_env_assertion(a, raise_assertion_error=False))
            for a in criteria.env_assertions or []
        ],
        "ACTION": [(f"action {a.action_id}", any(action_matches(a, c) for c in calls)) for a in criteria.actions or []],
        "COMMUNICATE": [(f"communicate {i!r}", communicated(i, agent_texts)) for i in criteria.communicate_info or []],
    }
    components = {kind: float(all(ok for _name, ok in results)) for kind, results in checks.items()}
    missing = [f"{kind}: {name}" for kind, results in checks.items() for name, ok in results if not ok]
    return components, missing


def needs_judge(task: Any) -> bool:
    """Whether the task's reward basis includes NL_ASSERTION (decided by a judge model)."""
    return task.evaluation_criteria is not None and JUDGED in basis_of(task)


def tau2_reward(
    domain: Tau2Domain,
    task: Any,
    calls: Sequence[ToolCallRecord],
    agent_texts: Sequence[str],
    unmet_assertions: Sequence[str] | None = None,
    requestors: Sequence[str] | None = None,
) -> Tau2Reward:
    """τ²'s reward for one finished conversation; a task without evaluation criteria earns 1.0 (as in τ²).
    `unmet_assertions` is the judge's finding on the task's NL assertions (None: not judged, which a reward basis
    with NL_ASSERTION does not allow). `calls` are every tool call in order; `requestors` says whose each is
    ("assistant" or "user", the customer's own; None: all the agent's). τ²'s action check matches either."""
    if task.evaluation_criteria is None:
        return Tau2Reward(1.0, [], {})
    basis = basis_of(task)
    if JUDGED in basis and unmet_assertions is None:
        raise ValueError(f"task {task.id!r}: reward basis {JUDGED} needs a judge's finding on its NL assertions")
    if requestors is not None and len(requestors) != len(calls):
        raise ValueError(f"{len(requestors)} requestors for {len(calls)} calls")
    components, missing = _components(domain, task, calls, agent_texts, requestors)
    if unmet_assertions is not None:
        components[JUDGED] = float(not unmet_assertions)
        missing += [f"{JUDGED}: {assertion!r}" for assertion in unmet_assertions]
    reward = 1.0
    for kind in basis:
        reward *= components[kind]
    return Tau2Reward(reward, basis, components, [m for m in missing if m.split(":")[0] in basis])
