"""Backend tools: plain functions registered by decorator, exposed to the agent with JSON-schema parameters.

A tool is `def name(db: BackendState, arg: type, ...) -> result`. It may read and change `db.data`; a record it
reads is copied for its conversation first, so a scan of a large collection costs a copy per record visited:
look records up by id where you can.
Raise `ToolError` for a domain refusal (unknown order, ineligible refund); the agent sees the message.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError, create_model

from sparring.backend.overlay import LayeredView, WritableState, layer_of
from sparring.backend.protocol import StateView
from sparring.backend.snapshot import Snapshot
from sparring.data_model import UNPARSED, Scenario, ToolCall, ToolCallRecord, ToolSpec


class ToolError(Exception):
    """A refusal or failure the agent should see as the tool's answer."""


@dataclass
class BackendState:
    """What a tool function receives first: the backend's data (collections of records by id, changed in place by
    write tools; a copy-on-write `WritableState` in a run, any dict in a test) and the backend clock `now`."""

    data: MutableMapping[str, Any]
    now: datetime


@dataclass
class Tool:
    """A suite tool: its name, description (the docstring's first paragraph), function and argument model."""

    name: str
    description: str
    function: Callable[..., Any]
    arguments: type[BaseModel]

    @cached_property
    def spec(self) -> ToolSpec:
        """Built once: agents are shown the tools on every turn."""
        schema = self.arguments.model_json_schema()
        schema.pop("title", None)
        return ToolSpec(name=self.name, description=self.description, parameters=schema)


def tool(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function in a suite's tools module as a backend tool."""
    function.__sparring_tool__ = True  # type: ignore[attr-defined]
    return function


def make_tool(function: Callable[..., Any]) -> Tool:
    """A `Tool` from a function whose first parameter is the `BackendState`: the other parameters, with their
    type hints and defaults, become the argument model the agent is shown."""
    signature = inspect.signature(function)
    hints = get_type_hints(function, include_extras=True)
    params = list(signature.parameters.values())[1:]  # the first parameter receives the BackendState
    fields: dict[str, Any] = {
        p.name: (hints.get(p.name, Any), ... if p.default is inspect.Parameter.empty else p.default) for p in params
    }
    arguments = create_model(f"{function.__name__}_arguments", **fields)
    description = inspect.getdoc(function) or function.__name__
    return Tool(function.__name__, description.split("\n\n")[0], function, arguments)


def collect_tools(namespace: dict[str, Any]) -> dict[str, Tool]:
    """The `@tool` functions of a module's namespace, as tools by name."""
    return {
        name: make_tool(obj)
        for name, obj in namespace.items()
        if callable(obj) and getattr(obj, "__sparring_tool__", False)
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def run_tool(tools: dict[str, Tool], call: ToolCall, state: Callable[[], Any]) -> ToolCallRecord:
    """One tool call as any backend records it: the tool's JSON answer, or the `error` the agent sees for an
    unknown tool, invalid arguments or a `ToolError`. `state` gives the tool's first argument (asked for only
    when a tool runs)."""
    record = ToolCallRecord(id=call.id, name=call.name, arguments=call.arguments)
    chosen = tools.get(call.name)
    try:
        if chosen is None:
            raise ToolError(f"unknown tool {call.name!r}; available: {', '.join(tools)}")
        if UNPARSED in call.arguments:  # never run a tool on its defaults because its arguments were unreadable
            raise ToolError(f"invalid arguments for {call.name}: not a JSON object: {call.arguments[UNPARSED]!s:.200}")
        try:
            args = chosen.arguments.model_validate(call.arguments)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ToolError(f"invalid arguments for {call.name}: {problems}") from exc
        record.result = _jsonable(chosen.function(state(), **args.model_dump()))
    except ToolError as exc:
        record.error = str(exc)
    return record


@dataclass
class SnapshotBackend:
    """The snapshot ⊕ overrides backend of one conversation (a `Backend`): the suite's `@tool` functions over a
    copy-on-write state. Every call and its answer is recorded."""

    state: BackendState
    tools: dict[str, Tool]
    snapshot: Snapshot | None = None
    calls: list[ToolCallRecord] = field(default_factory=list)

    def specs(self) -> list[ToolSpec]:
        """The tools as a model is offered them."""
        return [t.spec for t in self.tools.values()]

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run one tool call and record it; an unknown tool, invalid arguments or a `ToolError` come back as the
        record's `error` (what the agent sees), never as an exception."""
        record = run_tool(self.tools, call, lambda: self.state)
        self.calls.append(record)
        return record

    def view(self) -> StateView:
        """The state now: the scenario's initial view itself while nothing changed, else the changes over it."""
        data = self.state.data
        if not isinstance(data, WritableState):
            return data
        diff = data.diff()
        return data.base if diff.is_empty() else LayeredView(data.base, layer_of(diff))

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """sha256 of the state (see the Backend protocol); costs the diff once the snapshot's hash is cached."""
        snapshot = self.snapshot or Snapshot(dict(self.state.data), {})
        return snapshot.state_digest(self.view(), ignore)


@dataclass
class SnapshotBackendFactory:
    """A suite's `BackendFactory`: the shared snapshot and the `@tool` functions; each scenario's initial view is
    built (and checked) once per clock and shared by its conversations."""

    snapshot: Snapshot
    tools: dict[str, Tool]
    _views: dict[tuple[int, datetime], StateView] = field(default_factory=dict, repr=False)

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """Snapshot ⊕ the scenario's overrides at `clock` (BackendDataError when they do not fit)."""
        key = (id(scenario), clock)
        if key not in self._views:
            self._views[key] = self.snapshot.scenario_view(scenario.backend_overrides, clock)
        return self._views[key]

    def __call__(self, scenario: Scenario, clock: datetime) -> SnapshotBackend:
        """A fresh backend for one conversation: an empty overlay over the scenario's initial view."""
        state = BackendState(WritableState(self.initial_view(scenario, clock)), clock)
        return SnapshotBackend(state, self.tools, self.snapshot)
