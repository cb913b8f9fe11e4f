"""Built-in checks of what a scenario says a correct run does: the tool calls it makes (`expected_actions`) and
the backend state it leaves (`expected_state`). Each is not applicable on scenarios that do not set its field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sparring.backend import Backend, StateView, canonical_digest, diff_views
from sparring.data_model import ExpectedAction, ExpectedActions, ToolCall, ToolCallRecord
from sparring.evaluations.check_functions import (
    CheckContext,
    CheckResult,
    check,
    close_backend,
    failed,
    not_applicable,
    passed,
)


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
    if _greedy_matches_all(actions, calls):  # a matching of every action is maximum: no need to compute one
        return []
    import numpy as np  # scipy is imported only by the runs that need a matching
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_bipartite_matching

    graph = np.array([[action_matches(a, c) for c in calls] for a in actions], dtype=np.int8)
    matched = maximum_bipartite_matching(csr_array(graph), perm_type="column")
    return [a for a, call_index in zip(actions, matched, strict=True) if call_index < 0]


def _greedy_matches_all(actions: Sequence[ExpectedAction], calls: Sequence[ToolCallRecord]) -> bool:
    """Whether giving each action, in turn, the first call left that matches it finds a call for every action."""
    left = list(calls)
    for action in actions:
        index = next((i for i, call in enumerate(left) if action_matches(action, call)), None)
        if index is None:
            return False
        del left[index]
    return True


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


def replayed_backend(ctx: CheckContext, actions: Sequence[ExpectedAction]) -> Backend:
    """A fresh backend from the suite's factory with the expected actions executed on it, in order and with their
    arguments; an action the backend refuses makes the scenario itself wrong (raises)."""
    backend = ctx.fresh_backend()
    for index, action in enumerate(actions):
        record = backend.execute(ToolCall(id=f"expected-{index + 1}", name=action.tool, arguments=action.arguments))
        if record.error is not None:
            close_backend(backend)
            shown = describe_action(action.tool, action.arguments)
            raise ValueError(f"expected action {index + 1}, {shown}, fails on a fresh backend: {record.error}")
    return backend


def changed_records(initial: StateView, state: StateView) -> set[tuple[str, str]]:
    """(collection, id) of every record `state` creates, updates or deletes over `initial`."""
    diff = diff_views(initial, state)
    changed = {(c, i) for part in (diff.created, diff.updated) for c, records in part.items() for i in records}
    return changed | {(c, i) for c, ids in diff.deleted.items() for i in ids}


def differing_records(initial: StateView, a: StateView, b: StateView, ignore: Iterable[str]) -> list[str]:
    """`collection.id` of every record two states over `initial` hold differently (present in one only, or
    unequal once the ignored fields are left out): only the records either one changed are compared."""
    paths = frozenset(ignore)
    return [
        f"{collection}.{record_id}"
        for collection, record_id in sorted(changed_records(initial, a) | changed_records(initial, b))
        if canonical_digest({collection: {record_id: a.get(collection, {}).get(record_id)}}, paths)
        != canonical_digest({collection: {record_id: b.get(collection, {}).get(record_id)}}, paths)
    ]


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
    replayed = replayed_backend(ctx, ctx.scenario.expected_actions.actions)
    try:
        differing = differing_records(ctx.initial_state, final, replayed.view(), expected.ignore)
    finally:
        close_backend(replayed)
    if not differing:
        return passed("the backend ends exactly as replaying the expected actions leaves it")
    return failed(f"the end state differs from the expected actions' replay in {', '.join(differing[:5])}")
