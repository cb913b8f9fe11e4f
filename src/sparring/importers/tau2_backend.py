"""`Tau2Backend`: the mock backend of an imported τ² suite is τ²'s own environment.

Tool calls run through τ²'s `Environment.get_response`, exactly as τ²'s orchestrator runs them (same argument
handling, same error text, same JSON answers), on a fresh copy of the domain's database set up as the task's
`initial_state` says. `digest()` is τ²'s database hash. A domain with user tools (telecom, banking_knowledge,
v1.0.x mock) gives them to the customer (`CustomerTools`: `customer_specs`, `execute_customer`, `customer_view`),
run by τ² as the user's calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sparring.backend import BackendDataError, StateView, canonical_digest
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec
from sparring.importers import tau2_banking
from sparring.importers.tau2_cow import cow_view, untouched
from sparring.importers.tau2_domain import Tau2Domain, load_domain
from sparring.importers.tau2_telecom import as_collections


class Tau2Backend:
    """One conversation's τ² environment: tools with τ²'s JSON schemas, calls recorded as Sparring records."""

    def __init__(self, domain: Tau2Domain, task: Any | None = None, with_history: bool = False) -> None:
        """`with_history`: the task's message history replayed too, as τ²'s `set_state` does (a conversation's own
        backend gets the history's calls from its scenario's opening instead, see `HistoryBackendFactory`)."""
        self.domain = domain
        self.task = task
        self.environment = domain.fresh_environment()
        self.calls: list[ToolCallRecord] = []
        if task is not None and domain.name == tau2_banking.NAME:
            self.environment.tools.set_read_log_allowlist(tau2_banking.read_log_allowlist(task))
        state = task.initial_state if task is not None else None
        if state is not None:
            history = (state.message_history or []) if with_history else []
            self.environment.set_state(state.initialization_data, state.initialization_actions, history)

    def specs(self) -> list[ToolSpec]:
        """The domain's tools as a model is offered them (τ²'s OpenAI schemas, built once per domain)."""
        return list(_specs(self.domain))

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run one call as τ² runs it; a τ² error ("Error: ...") is the record's `error`, never an exception."""
        record = self._run(call, "assistant")
        self.calls.append(record)
        return record

    def customer_specs(self) -> list[ToolSpec]:
        """The customer's own tools (τ²'s user tools; none in a domain without them), only those the task names in
        its `user_tools` where it names them (banking_knowledge, as τ² v1.0.x offers them)."""
        allowed = getattr(self.task, "user_tools", None)
        return [spec for spec in _user_specs(self.domain) if allowed is None or spec.name in allowed]

    def execute_customer(self, call: ToolCall) -> ToolCallRecord:
        """Run one of the customer's calls as τ² runs a user's tool call."""
        return self._run(call, "user")

    def customer_view(self) -> dict[str, Any]:
        """The customer's device as plain data (τ²'s user database); empty in a domain without one, or whose customer
        acts on the agent's database (banking_knowledge: its state is `view()`)."""
        user_tools = self.environment.user_tools
        if user_tools is None or user_tools.db is self.environment.tools.db:
            return {}
        return dict(user_tools.db.model_dump(mode="json"))

    def _run(self, call: ToolCall, requestor: str) -> ToolCallRecord:
        from tau2.data_model.message import ToolCall as Tau2ToolCall

        asked = Tau2ToolCall(id=call.id, name=call.name, arguments=call.arguments, requestor=requestor)
        answer = self.environment.get_response(asked)
        record = ToolCallRecord(id=call.id, name=call.name, arguments=call.arguments)
        if answer.error:
            record.error = answer.content
        else:
            record.result = _decoded(answer.content)
        return record

    def view(self) -> dict[str, Any]:
        """The database as plain data (`model_dump(mode="json")`), sharing unchanged records with the pristine
        database's view; a collection τ² keeps as a list (telecom's) is keyed by its records' ids, a table of
        banking_knowledge is its records (`data`)."""
        if self.domain.name == tau2_banking.NAME:
            return tau2_banking.state_view(
                tau2_banking.cow_view(self.environment.tools.db, self.domain.pristine_view())
            )
        view = cow_view(self.environment.tools.db, self.domain.pristine_db(), self.domain.pristine_view())
        return as_collections(view)

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """τ²'s hash of the database (computed once per process while no tool has touched it); with `ignore`,
        Sparring's digest of `view()` without those field paths."""
        paths = list(ignore)
        if paths:
            return canonical_digest(self.view(), frozenset(paths))
        if untouched(self.environment.tools.db, self.domain.pristine_db()):
            return self.domain.pristine_digest()
        return str(self.environment.get_db_hash())


def scenario_id(domain: str, task_id: str) -> str:
    """The id of the scenario an imported τ² task becomes; a ':' (telecom's `[PERSONA:None]`) becomes '=', as a
    conversation is named RUN:SCENARIO:TRIAL."""
    return f"{domain}-{task_id.replace(':', '=')}"


class Tau2BackendFactory:
    """The `BackendFactory` of an imported suite: each conversation gets a `Tau2Backend` set up for its task."""

    def __init__(self, domain: Tau2Domain) -> None:
        self.domain = domain
        self.tasks = {scenario_id(domain.name, task.id): task for task in domain.tasks}

    @classmethod
    def from_folder(cls, folder: str | Path) -> Tau2BackendFactory:
        """The factory of a τ² domain data folder (an imported suite's `tau2/<domain>`); the suite's backend and
        its reward check share the domain, loaded once per process."""
        return cls(_domain_at(str(Path(folder).resolve())))

    def task(self, scenario_id: str) -> Any:
        """The τ² task a scenario was imported from (KeyError naming it when it was not)."""
        if scenario_id not in self.tasks:
            raise KeyError(f"scenario {scenario_id!r} is no task of the τ² {self.domain.name} domain")
        return self.tasks[scenario_id]

    def specs(self) -> list[ToolSpec]:
        """The domain's tools, as every conversation's backend offers them (for checks made at load time)."""
        return Tau2Backend(self.domain).specs()

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The database a conversation of `scenario` starts on, for load-time checks (facts naming records); the
        copy-on-write view is cheap. τ² tasks set their data through `initial_state`, never overrides."""
        if scenario.backend_overrides:
            raise BackendDataError("backend_overrides", "a τ² suite sets its data in the task's initial_state")
        return Tau2Backend(self.domain, self.task(scenario.id)).view()

    def __call__(self, scenario: Scenario, clock: datetime) -> Tau2Backend:
        """A fresh τ² environment for one conversation of `scenario` (τ² has no clock: `clock` is unused)."""
        return Tau2Backend(self.domain, self.task(scenario.id))


@cache
def _domain_at(folder: str) -> Tau2Domain:
    return load_domain(Path(folder))


@cache
def _specs(domain: Tau2Domain) -> tuple[ToolSpec, ...]:
    """τ² builds its tool schemas anew (docstrings parsed, pydantic models made) on every call: once is enough."""
    return tuple(_spec(tool.openai_schema) for tool in domain.fresh_environment().get_tools())


@cache
def _user_specs(domain: Tau2Domain) -> tuple[ToolSpec, ...]:
    """The customer's tools (τ²'s user tools), built once per domain."""
    environment = domain.fresh_environment()
    if environment.user_tools is None:
        return ()
    return tuple(_spec(tool.openai_schema) for tool in environment.get_user_tools())


def _spec(schema: dict[str, Any]) -> ToolSpec:
    function = schema["function"]
    return ToolSpec(
        name=function["name"], description=function.get("description", ""), parameters=function["parameters"]
    )


def _decoded(content: str | None) -> Any:
    try:
        return json.loads(content or "null")
    except json.JSONDecodeError:
        return content
