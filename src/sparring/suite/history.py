"""A scenario's given opening — a conversation history, the agent's tool calls and their answers included — against
the suite's backend. At load every given call must name a tool the backend offers and only arguments it takes, and,
made again on a fresh backend of the scenario, get the answer the opening gives (as τ²-bench's `set_state` replays
a task's message history); one line naming the file, line and field otherwise. At run time `HistoryBackendFactory`
starts each conversation of such a scenario after its given calls, so the backend's state follows the history
(and so do the backends checks build: `expected_state` replays start there too)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sparring.backend import Backend, StateView
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec
from sparring.suite.backend_tools import Factory
from sparring.suite.expected_actions import suggestion
from sparring.suite.yaml_lines import SuiteError, YamlDocument


def make_given_calls(scenario: Scenario, backend: Backend) -> list[tuple[int, int, ToolCallRecord, ToolCallRecord]]:
    """Make the opening's tool calls on `backend`, in order: (turn index, call index, given record, new answer)."""
    made = []
    for turn_index, turn in enumerate(scenario.opening):
        for call_index, given in enumerate(turn.records(turn_index)):
            answer = backend.execute(ToolCall(id=given.id, name=given.name, arguments=given.arguments))
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

    def __init__(self, inner: Factory) -> None:
        self.inner = inner

    def __call__(self, scenario: Scenario, clock: datetime) -> Backend:
        """A fresh backend of `scenario` after its opening's tool calls."""
        backend: Backend = self.inner(scenario, clock)
        make_given_calls(scenario, backend)
        return backend

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The state a conversation of `scenario` starts on: after its opening's tool calls."""
        if not scenario.given_tool_calls():
            return self.inner.initial_view(scenario, clock)
        return self(scenario, clock).view()


def _call_problems(
    scenario: Scenario, doc: YamlDocument, path: tuple[str | int, ...], tools: dict[str, list[str]]
) -> list[SuiteError]:
    problems: list[SuiteError] = []
    for turn_index, turn in enumerate(scenario.opening):
        for call_index, call in enumerate(turn.tool_calls):
            where = (*path, "opening", turn_index, "tool_calls", call_index)
            if call.name not in tools:
                hint = suggestion(call.name, sorted(tools))
                message = f"scenario {scenario.id!r}: no tool {call.name!r} in this suite ({hint})"
                problems.append(doc.error((*where, "name"), message))
                continue
            for argument in call.arguments:
                if argument not in tools[call.name]:
                    hint = suggestion(argument, tools[call.name])
                    message = f"scenario {scenario.id!r}: {call.name} takes no argument {argument!r} ({hint})"
                    problems.append(doc.error((*where, "arguments", argument), message))
    return problems


def _answer_problems(
    scenario: Scenario, doc: YamlDocument, path: tuple[str | int, ...], factory: Factory, clock: datetime
) -> list[SuiteError]:
    """The given calls made again on a fresh backend of the scenario: the first whose answer differs, or that
    crashes the backend."""
    backend = factory(scenario, clock)
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
    finally:
        _close(backend)
    return []


def opening_problems(
    scenario: Scenario,
    doc: YamlDocument,
    path: tuple[str | int, ...],
    factory: Factory,
    specs: list[ToolSpec],
    clock: datetime,
) -> list[SuiteError]:
    """One error per given tool call naming an unknown tool or an argument its tool does not take; when there is
    none, the first call whose answer on a fresh backend differs from the one given."""
    if not scenario.given_tool_calls():
        return []
    tools = {spec.name: sorted(spec.parameters.get("properties", {})) for spec in specs}
    return _call_problems(scenario, doc, path, tools) or _answer_problems(scenario, doc, path, factory, clock)
