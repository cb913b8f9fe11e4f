"""Built-in checks of what a scenario says a correct run does: the tool calls it makes (`expected_actions`) and
the backend state it leaves (`expected_state`). Each is not applicable on scenarios that do not set its field."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from sparring.backend import BackendState, ToolError
from sparring.data_model import ToolCallRecord
from sparring.data_model.scenario import ExpectedAction, ExpectedActions
from sparring.evaluations.checks import CheckContext, CheckResult, check, failed, not_applicable, passed


def describe_action(name: str, arguments: Mapping[str, Any]) -> str:
    """`issue_refund(order_id='O-1', amount=12.5)`: a call as the reasoning of a verdict shows it."""
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in arguments.items())})"


def action_matches(action: ExpectedAction, call: ToolCallRecord) -> bool:
    """Whether `call` is the expected action: same tool, and its arguments equal the expected ones (`exact`) or
    include them with these values (`subset`)."""
    if call.name != action.tool:
        return False
    if action.match == "exact":
        return call.arguments == action.arguments
    return all(k in call.arguments and call.arguments[k] == v for k, v in action.arguments.items())


def unmatched_in_order(actions: Sequence[ExpectedAction], calls: Sequence[ToolCallRecord]) -> list[ExpectedAction]:
    """The expected actions not found as a subsequence of `calls` (each matched at the earliest call after the
    previous match, which finds a full match whenever one exists); the first missing one and those after it."""
    position = 0
    for index, action in enumerate(actions):
        position = next((i + 1 for i in range(position, len(calls)) if action_matches(action, calls[i])), -1)
        if position < 0:
            return list(actions[index:])
    return []


def unmatched_any_order(actions: Sequence[ExpectedAction], calls: Sequence[ToolCallRecord]) -> list[ExpectedAction]:
    """The expected actions left without a call of their own in a maximum matching of actions to distinct calls
    (two identical expected refunds need two calls)."""
    if not calls:
        return list(actions)
    import numpy as np  # scipy is imported only by the runs that need a matching
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_bipartite_matching

    graph = np.array([[action_matches(a, c) for c in calls] for a in actions], dtype=np.int8)
    matched = maximum_bipartite_matching(csr_array(graph), perm_type="column")
    return [a for a, call_index in zip(actions, matched, strict=True) if call_index < 0]


def missing_actions(expected: ExpectedActions, calls: Sequence[ToolCallRecord]) -> list[ExpectedAction]:
    """The expected actions the calls do not account for, under the scenario's ordering rule."""
    find = unmatched_in_order if expected.ordered else unmatched_any_order
    return find(expected.actions, calls)


@check(family="tool_use", count_failed_calls=False)
def expected_actions_taken(ctx: CheckContext) -> CheckResult:
    """Every tool call the scenario's expected_actions lists was made (arguments exact or a subset, in order when
    `ordered`); other calls may come between. A call the backend refused counts only with count_failed_calls."""
    expected = ctx.scenario.expected_actions
    if expected is None:
        return not_applicable("the scenario sets no expected_actions")
    count_failed = bool(ctx.params.get("count_failed_calls", False))
    calls = [c for c in ctx.conversation.tool_calls() if count_failed or c.error is None]
    missing = missing_actions(expected, calls)
    if missing:
        shown = "; ".join(describe_action(a.tool, a.arguments) + f" [{a.match}]" for a in missing[:3])
        where = " in order" if expected.ordered else ""
        return failed(f"{len(missing)} of {len(expected.actions)} expected actions not made{where}: {shown}")
    return passed(f"all {len(expected.actions)} expected actions made")


def plain_copy(state: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a backend state (a dict or a read-only view) as plain dicts, free to change."""
    return {collection: copy.deepcopy(dict(records)) for collection, records in state.items()}


def strip_fields(state: Mapping[str, Any], ignore: Iterable[str]) -> dict[str, Any]:
    """`state` without the ignored field paths (`collection.field[.subfield]`, `*` for any collection), removed from
    every record of the collection; only the records of collections with an ignored path are copied."""
    paths = [path.split(".") for path in ignore]
    stripped: dict[str, Any] = {}
    for name, records in state.items():
        steps = [rest for collection, *rest in paths if collection in (name, "*") and rest]
        stripped[name] = {i: _without(r, steps) for i, r in records.items()} if steps else dict(records)
    return stripped


def _without(record: Any, paths: list[list[str]]) -> Any:
    """A copy of `record` without these field paths; only the dicts along each path are copied."""
    if not isinstance(record, dict):
        return record
    record = dict(record)
    for steps in paths:
        target = record
        for step in steps[:-1]:
            child = target.get(step)
            if not isinstance(child, dict):
                break
            target[step] = target = dict(child)
        else:
            target.pop(steps[-1], None)
    return record


def state_digest(state: Mapping[str, Any], ignore: Iterable[str] = ()) -> str:
    """A stable sha256 of a backend state without its ignored fields: equal states give equal digests."""
    canonical = json.dumps(strip_fields(state, ignore), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replayed_state(ctx: CheckContext, actions: Sequence[ExpectedAction]) -> Mapping[str, Any]:
    """The state the expected actions leave when replayed, in order and with their arguments, on a fresh backend
    at the scenario's initial state; an action the backend refuses makes the scenario itself wrong (raises)."""
    state = BackendState(plain_copy(ctx.initial_state), ctx.now)
    for index, action in enumerate(actions):
        shown = f"expected action {index + 1}, {describe_action(action.tool, action.arguments)},"
        if action.tool not in ctx.tools:
            raise ValueError(f"{shown} names a tool the suite does not have")
        chosen = ctx.tools[action.tool]
        try:
            chosen.function(state, **chosen.arguments.model_validate(action.arguments).model_dump())
        except (ToolError, ValidationError) as exc:
            raise ValueError(f"{shown} fails on a fresh backend: {exc}") from exc
    return state.data


def record_mismatches(records: Mapping[str, Mapping[str, Any]], final: Mapping[str, Any]) -> list[str]:
    """Where the final state differs from the listed records: a missing or unwanted record, a field's value."""
    problems: list[str] = []
    for collection, wanted in records.items():
        present = final.get(collection, {})
        for record_id, fields in wanted.items():
            actual = present.get(record_id)
            where = f"{collection}.{record_id}"
            if fields is None or actual is None:
                if (fields is None) != (actual is None):
                    problems.append(f"{where} {'exists but should not' if fields is None else 'does not exist'}")
                continue
            problems += [
                f"{where}.{name} is {actual.get(name)!r}, expected {value!r}"
                for name, value in fields.items()
                if actual.get(name) != value
            ]
    return problems


def differing_records(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """`collection.id` of every record present in one state only or different between the two."""
    return [
        f"{collection}.{record_id}"
        for collection in sorted(set(a) | set(b))
        for record_id in sorted(set(a.get(collection, {})) | set(b.get(collection, {})))
        if a.get(collection, {}).get(record_id) != b.get(collection, {}).get(record_id)
    ]


@check(family="tool_use")
def end_state_matches(ctx: CheckContext) -> CheckResult:
    """The backend ends as the scenario's expected_state says: its listed record fields, or the state replaying
    its expected_actions on a fresh backend produces (same digest, ignored fields left out)."""
    expected = ctx.scenario.expected_state
    if expected is None:
        return not_applicable("the scenario sets no expected_state")
    final = ctx.final_state
    if expected.records:
        problems = record_mismatches(expected.records, final)
        if problems:
            return failed(f"{len(problems)} difference(s) from the expected records: {'; '.join(problems[:3])}")
        return passed(f"every listed field of {sum(map(len, expected.records.values()))} record(s) as expected")
    assert ctx.scenario.expected_actions is not None  # the scenario's validator requires them for a replay
    replayed = replayed_state(ctx, ctx.scenario.expected_actions.actions)
    if state_digest(final, expected.ignore) == state_digest(replayed, expected.ignore):
        return passed("the backend ends exactly as replaying the expected actions leaves it")
    differing = differing_records(strip_fields(final, expected.ignore), strip_fields(replayed, expected.ignore))
    return failed(f"the end state differs from the expected actions' replay in {', '.join(differing[:5])}")
