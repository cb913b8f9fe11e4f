from datetime import UTC, datetime

import pytest

from sparring.backend import BackendDataError, build_state, check_references, deep_merge
from sparring.backend.state import resolve_time

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
REFS = {"orders.customer_id": "customers", "orders.tags": "tags"}


def test_deep_merge_merges_nested_replaces_lists_and_deletes_on_null():
    base = {"orders": {"O-1": {"status": "placed", "items": [1, 2], "note": "x"}}, "customers": {"C-1": {}}}
    override = {"orders": {"O-1": {"status": "delivered", "items": [3], "note": None}, "O-2": {"status": "new"}}}
    merged = deep_merge(base, override)
    assert merged["orders"]["O-1"] == {"status": "delivered", "items": [3]}
    assert merged["orders"]["O-2"] == {"status": "new"}
    assert base["orders"]["O-1"]["status"] == "placed", "the base must not be modified"


def test_relative_times_resolve_against_run_time():
    assert resolve_time("now", NOW) == "2026-01-10T12:00:00+00:00"
    assert resolve_time("now-35m", NOW) == "2026-01-10T11:25:00+00:00"
    assert resolve_time("now-2d+3h", NOW) == "2026-01-08T15:00:00+00:00"
    assert resolve_time("nowhere", NOW) is None
    state = build_state(
        {"orders": {"O-1": {"at": "now-1h", "customer_id": "C-1"}}, "customers": {"C-1": {}}},
        {},
        {"orders.customer_id": "customers"},
        NOW,
    )
    assert state["orders"]["O-1"]["at"] == "2026-01-10T11:00:00+00:00"


def test_reference_to_missing_record_is_an_error_naming_the_field():
    snapshot = {"customers": {"C-1": {}}, "tags": {"t": {}}, "orders": {"O-1": {"customer_id": "C-1"}}}
    with pytest.raises(BackendDataError) as info:
        build_state(snapshot, {"orders": {"O-9": {"customer_id": "C-404"}}}, {"orders.customer_id": "customers"}, NOW)
    assert info.value.path == "orders.O-9.customer_id"
    assert "C-404" in str(info.value)


def test_reference_lists_and_missing_target_collection():
    data = {"customers": {"C-1": {}}, "tags": {"a": {}}, "orders": {"O-1": {"customer_id": "C-1", "tags": ["a", "b"]}}}
    with pytest.raises(BackendDataError, match="'b'"):
        check_references(data, REFS)
    with pytest.raises(BackendDataError, match="missing"):
        check_references({"orders": {}}, {"orders.customer_id": "customers"})
