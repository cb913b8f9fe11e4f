"""Copy-on-write backend state: the shared snapshot is never changed, a conversation's diff holds exactly what
it created, changed and deleted, digests compare states, and checks give the verdicts full copies gave."""

import copy
import itertools
from datetime import UTC, datetime

import pytest

from sparring import ToolCall
from sparring.backend import Backend, BackendDataError, BackendState, Snapshot, SnapshotBackend, WritableState
from sparring.backend.overlay import diff_views
from sparring.backend.snapshot import build_state
from sparring.data_model import Conversation, Scenario
from sparring.evaluations.check_functions import CheckContext, check_info

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
REFS = {"orders.customer_id": "customers"}


def small() -> dict:
    return {
        "customers": {"C-1": {"name": "A", "tags": ["x"]}, "C-2": {"name": "B", "tags": []}},
        "orders": {"O-1": {"customer_id": "C-1", "at": "now-1h"}, "O-2": {"customer_id": "C-2", "at": "now-2h"}},
    }


def test_writes_stay_in_the_overlay_and_the_diff_says_exactly_what_changed():
    data = small()
    pristine = copy.deepcopy(data)
    base = Snapshot(data, REFS).scenario_view({}, NOW)
    state = WritableState(base)
    state["customers"]["C-1"]["tags"].append("vip")  # in place, through a read
    state["orders"]["O-3"] = {"customer_id": "C-1"}
    del state["orders"]["O-2"]
    _ = state["customers"]["C-2"]["name"]  # read only: not a change
    assert data == pristine, "the shared snapshot must never change"
    diff = state.diff()
    assert diff.updated == {"customers": {"C-1": {"name": "A", "tags": ["x", "vip"]}}}
    assert diff.created == {"orders": {"O-3": {"customer_id": "C-1"}}}
    assert diff.deleted == {"orders": ["O-2"]}
    assert len(state["orders"]) == 2 and sorted(state["orders"]) == ["O-1", "O-3"]
    assert state["orders"]["O-1"]["at"] == "2026-03-01T17:00:00+00:00", "relative times resolved at the clock"


def test_overrides_are_layers_checked_at_load_without_a_copy():
    snapshot = Snapshot(small(), REFS)
    view = snapshot.scenario_view({"orders": {"O-1": {"at": "now-5m"}, "O-2": None}}, NOW)
    assert view["orders"]["O-1"] == {"customer_id": "C-1", "at": "2026-03-01T17:55:00+00:00"}
    assert "O-2" not in view["orders"] and len(view["orders"]) == 1
    assert view.base.base is snapshot.data, "the layers sit on the shared snapshot itself"
    with pytest.raises(BackendDataError) as info:
        snapshot.scenario_view({"orders": {"O-9": {"customer_id": "C-404"}}}, NOW)
    assert info.value.path == "orders.O-9.customer_id"
    with pytest.raises(BackendDataError) as deleted:  # deleting a record others still point at
        snapshot.scenario_view({"customers": {"C-2": None}}, NOW)
    assert deleted.value.path == "orders.O-2.customer_id"
    snapshot.scenario_view({"customers": {"C-2": None}, "orders": {"O-2": None}}, NOW)  # both gone: fine


def test_digest_is_equal_for_equal_states_whatever_the_path_and_ignores_listed_fields():
    factory_snapshot = Snapshot(small(), REFS)
    scenario = factory_snapshot.scenario_view({}, NOW)

    def backend() -> SnapshotBackend:
        return SnapshotBackend(BackendState(WritableState(scenario), NOW), {}, factory_snapshot)

    a, b, untouched = backend(), backend(), backend()
    a.state.data["customers"]["C-1"]["name"] = "Z"
    b.state.data["customers"]["C-1"]["name"] = "Q"
    b.state.data["customers"]["C-1"]["name"] = "Z"
    assert isinstance(a, Backend)
    assert a.digest() == b.digest() != untouched.digest()
    b.state.data["customers"]["C-1"]["name"] = "A"  # back to the snapshot's value
    assert b.digest() == untouched.digest()
    a.state.data["orders"]["O-1"]["note"] = "volatile"
    assert a.digest(["orders.note", "customers.name"]) == untouched.digest(["orders.note", "customers.name"])
    assert a.digest(["*.note"]) != untouched.digest(["*.note"])


def _calls(scenario: Scenario) -> list[ToolCall]:
    """Reads and writes on every order the scenario's facts name, plus a write on an unknown order."""
    orders = [f.value for f in scenario.known_facts if f.value.upper().startswith("O-")] or ["O-2001"]
    calls = []
    for index, (order, step) in enumerate(itertools.product(orders, range(4))):
        name, arguments = [
            ("check_refund_eligibility", {"order_id": order, "reason": "late"}),
            ("issue_refund", {"order_id": order, "amount": 5.0, "reason": "late"}),
            ("issue_credit", {"order_id": order, "amount": 3.0, "reason": "sorry"}),
            ("escalate_to_human", {"summary": "asked", "order_id": order}),
        ][step]
        calls.append(ToolCall(id=f"c{index}", name=name, arguments=arguments))
    return calls + [
        ToolCall(id="x", name="issue_refund", arguments={"order_id": "O-404", "amount": 1, "reason": "late"})
    ]


def test_demo_checks_give_the_verdicts_full_copies_gave(example_suite):
    """Every scenario of the demo: the same calls on a full deep copy (the old backend) and on the
    copy-on-write backend end in the same state, and every demo check gives the same verdict on both."""
    suite = example_suite
    checks = {name: f for name, f in suite.checks.items() if check_info(f) and f.__module__.endswith("checks")}
    assert checks, "the demo's own checks"
    compared = 0
    for scenario in suite.scenarios:
        full = build_state(suite.snapshot, scenario.backend_overrides, suite.config.backend.references, NOW)
        old = SnapshotBackend(BackendState(copy.deepcopy(full), NOW), suite.tools)
        new = suite.backend_factory()(scenario, NOW)
        initial = new.view()
        for call in _calls(scenario):
            assert old.execute(call).model_dump() == new.execute(call).model_dump()
        final = new.view()
        assert {c: dict(r) for c, r in final.items()} == old.state.data
        turns = [{"role": "customer", "content": "hi"}, {"role": "agent", "content": "ok", "tool_calls": old.calls}]
        before = Conversation(id="c", run_id="r", scenario_id=scenario.id, turns=turns, final_state=old.state.data)
        after = Conversation(id="c", run_id="r", scenario_id=scenario.id, turns=turns)
        after.state_diff = diff_views(initial, final)
        for name, function in checks.items():
            legacy = function(CheckContext(before, scenario, suite.policy, full, NOW, suite.tools))
            layered = function(CheckContext(after, scenario, suite.policy, initial, NOW, suite.tools))
            assert (legacy.outcome, legacy.reasoning) == (layered.outcome, layered.reasoning), (scenario.id, name)
            compared += 1
    assert compared >= len(suite.scenarios) * 5
