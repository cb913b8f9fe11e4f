"""A scenario's `expected_actions` checked at load against the suite's tools: every action names a tool the
backend offers and only arguments that tool takes, so a typo is one clear line before anything runs."""

from __future__ import annotations

import difflib

from sparring.data_model import Scenario, ToolSpec
from sparring.suite.yaml_lines import SuiteError, YamlDocument


def suggestion(name: str, known: list[str]) -> str:
    """ "did you mean X?" for the closest known name, else the known names."""
    close = difflib.get_close_matches(name, known, n=1)
    return f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known) or 'none'}"


def expected_action_problems(
    scenario: Scenario, doc: YamlDocument, path: tuple[str | int, ...], specs: list[ToolSpec]
) -> list[SuiteError]:
    """One error per expected action that names an unknown tool or an argument its tool does not take, at the
    action's line, naming the scenario."""
    if scenario.expected_actions is None:
        return []
    tools = {spec.name: sorted(spec.parameters.get("properties", {})) for spec in specs}
    problems: list[SuiteError] = []
    for index, action in enumerate(scenario.expected_actions.actions):
        where = (*path, "expected_actions", "actions", index)
        if action.tool not in tools:
            message = f"no tool {action.tool!r} in this suite ({suggestion(action.tool, sorted(tools))})"
            problems.append(doc.error((*where, "tool"), f"scenario {scenario.id!r}: {message}", show_field=False))
            continue
        for argument in action.arguments:
            if argument not in tools[action.tool]:
                hint = suggestion(argument, tools[action.tool])
                message = f"scenario {scenario.id!r}: {action.tool} takes no argument {argument!r} ({hint})"
                problems.append(doc.error((*where, "arguments", argument), message, show_field=False))
    return problems
