"""A scenario's given opening — a conversation history, tool calls and their answers included — against the suite's
backend. At load every given call must name a tool of its side (the agent's on the backend, the customer's own with
customer tools) and only arguments it takes, and, made again on a fresh backend of the scenario, get the answer the
opening gives (as τ²-bench's `set_state` replays a task's message history); one line naming the file, line and field
otherwise. At run time `HistoryBackendFactory` starts each conversation of such a scenario after its given calls, so
the state follows the history (and so do the backends checks build: `expected_state` replays start there too)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sparring.backend import Backend, BackendFactory, StateView
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec
from sparring.simulator import customer_tools_of
from sparring.suite.backend_tools import Factory
from sparring.suite.expected_actions import suggestion
from sparring.suite.yaml_lines import SuiteError, YamlDocument


def make_given_calls(scenario: Scenario, backend: Backend) -> list[tuple[int, int, ToolCallRecord, ToolCallRecord]]:
    """Make the opening's tool calls again, in order, the agent's on `backend` and the customer's on its customer
    side: (turn index, call index, given record, new answer). A customer call on a backend without customer tools
    is a ValueError (the load check says so first)."""
    made = []
    customer = customer_tools_of(backend)
    for turn_index, turn in enumerate(scenario.opening):
        for call_index, given in enumerate(turn.records(turn_index)):
            call = ToolCall(id=given.id, name=given.name, arguments=given.arguments)
            if turn.role == "agent":
                answer = backend.execute(call)
            elif customer is not None:
                answer = customer.execute_customer(call)
            else:
                raise ValueError(f"the customer calls {given.name!r}, but the suite gives the customer no tools")
            made.append((turn_index, call_index, given, answer))
    return made


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _shown(record: ToolCallRecord) -> str:
    text = f"error {record.error!r}" if record.error is not None else json.dumps(_plain(record.result))
    return text if len(text) <= 160 else text[:159] + "…"


def _close(backend: Any) -> None:
    close = getattr(backend, "close", None)
    if callable(close):
        close()


class HistoryBackendFactory:
    """The suite's backend factory, each backend made with the scenario's given tool calls already on it (their
    answers were checked at load; made again here without comparing, so a clock-stamped answer does not stop a
    run). `inner` is the suite's own factory."""

    def __init__(self, inner: BackendFactory) -> None:
        self.inner = inner

    def __call__(self, scenario: Scenario, clock: datetime) -> Backend:
        """A fresh backend of `scenario` after its opening's tool calls."""
        backend = self.inner(scenario, clock)
        make_given_calls(scenario, backend)
        return backend

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The state a conversation of `scenario` starts on: after its opening's tool calls."""
        return self(scenario, clock).view()


def _arguments(specs: list[ToolSpec]) -> dict[str, list[str]]:
    return {spec.name: sorted(spec.parameters.get("properties", {})) for spec in specs}


def _call_problems(
    scenario: Scenario, doc: YamlDocument, path: tuple[str | int, ...], tools: dict[str, dict[str, list[str]]]
) -> list[SuiteError]:
    """One error per given call naming a tool its side lacks or an argument its tool does not take."""
    problems: list[SuiteError] = []
    for turn_index, turn in enumerate(scenario.opening):
        side = tools[turn.role]
        for call_index, call in enumerate(turn.tool_calls):
            where = (*path, "opening", turn_index, "tool_calls", call_index)
            if call.name not in side:
                whose = "" if turn.role == "agent" else "customer "
                known = suggestion(call.name, sorted(side)) if side else "the suite gives the customer no tools"
                message = f"scenario {scenario.id!r}: no {whose}tool {call.name!r} in this suite ({known})"
                problems.append(doc.error((*where, "name"), message))
                continue
            for argument in call.arguments:
                if argument not in side[call.name]:
                    hint = suggestion(argument, side[call.name])
                    message = f"scenario {scenario.id!r}: {call.name} takes no argument {argument!r} ({hint})"
                    problems.append(doc.error((*where, "arguments", argument), message))
    return problems


def _answer_problems(
    scenario: Scenario, doc: YamlDocument, path: tuple[str | int, ...], backend: Backend
) -> list[SuiteError]:
    """The given calls made again on a fresh backend of the scenario: the first whose answer differs, or that
    crashes the backend."""
    try:
        for turn_index, call_index, given, answer in make_given_calls(scenario, backend):
            if (_plain(answer.result), answer.error) != (_plain(given.result), given.error):
                message = (
                    f"scenario {scenario.id!r}: {given.name} answers {_shown(answer)} when made on the scenario's "
                    f"backend; the opening gives {_shown(given)}"
                )
                return [doc.error((*path, "opening", turn_index, "tool_calls", call_index), message)]
    except Exception as exc:  # noqa: BLE001 - a crashing tool is reported as the scenario's line, not a traceback
        message = f"scenario {scenario.id!r}: a given tool call crashed the backend: {type(exc).__name__}: {exc}"
        return [doc.error((*path, "opening"), message)]
    return []


def opening_problems(
    scenario: Scenario,
    doc: YamlDocument,
    path: tuple[str | int, ...],
    factory: Factory,
    specs: list[ToolSpec],
    clock: datetime,
) -> list[SuiteError]:
    """One error per given tool call naming a tool its side lacks or an argument its tool does not take; when there
    is none, the first call whose answer on a fresh backend of the scenario differs from the one given."""
    if not scenario.given_tool_calls():
        return []
    backend = factory(scenario, clock)
    try:
        customer = customer_tools_of(backend)
        tools = {"agent": _arguments(specs), "customer": _arguments(customer.customer_specs() if customer else [])}
        return _call_problems(scenario, doc, path, tools) or _answer_problems(scenario, doc, path, backend)
    finally:
        _close(backend)
