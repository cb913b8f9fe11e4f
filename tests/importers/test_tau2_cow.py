"""Copy-on-write over τ²'s database (`tau2_cow`): every conversation's environment shares one pristine database,
and what a conversation sees and leaves is exactly what a private copy would: on every gold run of retail and
airline the cheap view equals τ²'s full dump, τ²'s hash of the environment is unchanged by sharing, and the
pristine database is never written."""

from __future__ import annotations

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

from sparring.data_model import ToolCall
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_cow import CowRecords, untouched
from sparring.importers.tau2_domain import load_domain
from tau2_trajectories import gold_calls

pytestmark = pytest.mark.real


@pytest.mark.parametrize("name", ["retail", "airline"])
def test_gold_runs_see_and_leave_what_a_private_copy_would(name: str) -> None:
    """After each task's gold calls: view() == τ²'s full model_dump, and the pristine database still dumps as it
    did when loaded (no tool wrote through the sharing)."""
    domain = load_domain(name)
    pristine_before = domain.pristine_db().model_dump(mode="json")
    assert pristine_before == domain.pristine_view()
    wrong = []
    for task in domain.tasks:
        backend = Tau2Backend(domain, task)
        for call in gold_calls(task):
            backend.execute(call)
        if backend.view() != backend.environment.tools.db.model_dump(mode="json"):
            wrong.append(task.id)
    assert wrong == []
    assert domain.pristine_db().model_dump(mode="json") == pristine_before


def test_a_write_is_private_to_its_conversation() -> None:
    """Two environments: a cancellation in one is not seen by the other; the digest is the pristine one until a
    tool touches the database, then τ²'s hash of the changed database."""
    domain = load_domain("retail")
    first, second = Tau2Backend(domain), Tau2Backend(domain)
    assert first.digest() == second.digest() == domain.pristine_db().get_hash()
    cancel = {"order_id": "#W1267569", "reason": "no longer needed"}
    assert first.execute(ToolCall(id="1", name="cancel_pending_order", arguments=cancel)).error is None
    assert first.view()["orders"]["#W1267569"]["status"] == "cancelled"
    assert second.view()["orders"]["#W1267569"]["status"] == "pending"
    assert not untouched(first.environment.tools.db, domain.pristine_db())
    assert first.digest() == first.environment.get_db_hash() != second.digest()
    assert second.view()["orders"] is domain.pristine_view()["orders"]  # nothing touched: the pristine dump


def test_cow_records_copy_on_read_by_key_and_track_changes() -> None:
    """A read by key or .get gives a private copy; adds and deletes are tracked; iteration shares."""
    shared = {"a": {"n": 1}, "b": {"n": 2}}
    records = CowRecords(shared)
    records["a"]["n"] = 10
    records.get("b")["n"] = 20  # type: ignore[index]
    assert shared == {"a": {"n": 1}, "b": {"n": 2}} and records == {"a": {"n": 10}, "b": {"n": 20}}
    assert next(iter(CowRecords(shared).values())) is shared["a"]
    records["c"] = {"n": 3}
    del records["a"]
    assert records.changed_keys(shared) == ({"b", "c"}, {"a"})
    assert records.get("missing", "default") == "default"


def test_gold_replays_agree_with_taus_hash_on_mutated_runs() -> None:
    """The DB component compares views; on gold and on runs with a write skipped it agrees with comparing τ²'s
    hashes of the two databases (what τ²'s evaluator does)."""
    domain = load_domain("retail")
    for task in domain.tasks[:30]:
        gold = gold_calls(task)
        writes = [i for i, c in enumerate(gold) if domain.tool_types[c.name] == "write"]
        for calls in (gold, [c for i, c in enumerate(gold) if i != (writes[-1] if writes else -1)]):
            ours, reference = Tau2Backend(domain, task), Tau2Backend(domain, task)
            for call in calls:
                ours.execute(call)
            for call in gold:
                reference.execute(call)
            same_view = ours.view() == reference.view()
            assert same_view == (ours.environment.get_db_hash() == reference.environment.get_db_hash())
