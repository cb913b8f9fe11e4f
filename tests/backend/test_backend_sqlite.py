"""SqliteBackend: a suite whose mock backend is a SQLite file — run end to end through run_suite with a scripted
agent that writes, the file never changed, conversations isolated from each other, checks reading the state, and
bad backend input refused at load in one line."""

import hashlib
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sparring import (
    ChatRequest,
    ChatResponse,
    ModelPool,
    Outcome,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    ToolCall,
    load_suite,
    run_suite,
)
from sparring.backend import SqliteBackend, SqliteBackendFactory
from sparring.backend.overlay import diff_views
from sparring.simulator import ScriptedCustomer
from sparring.suite import SuiteError

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

SCHEMA = """
CREATE TABLE customers (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers(id), status TEXT, total REAL);
CREATE TABLE refunds (id INTEGER PRIMARY KEY, order_id TEXT REFERENCES orders(id), amount REAL, issued_at TEXT);
INSERT INTO customers VALUES ('C-1', 'Ada'), ('C-2', 'Bo');
INSERT INTO orders VALUES ('O-1', 'C-1', 'late', 20.0), ('O-2', 'C-2', 'delivered', 12.5);
INSERT INTO refunds VALUES (1, 'O-2', 2.5, '2026-05-01T00:00:00+00:00');
"""

TOOLS = '''
from sparring import ToolError, tool
from sparring.backend import SqliteState


@tool
def issue_refund(db: SqliteState, order_id: str, amount: float) -> dict:
    """Refund an order and mark it refunded."""
    if db.connection.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone() is None:
        raise ToolError(f"no order {order_id}")
    cursor = db.connection.execute(
        "INSERT INTO refunds (order_id, amount, issued_at) VALUES (?, ?, ?)", (order_id, amount, db.now.isoformat())
    )
    db.connection.execute("UPDATE orders SET status = 'refunded' WHERE id = ?", (order_id,))
    return {"refund_id": cursor.lastrowid}


@tool
def renumber_refund(db: SqliteState, refund_id: int, new_id: int) -> str:
    """Give a refund another id (its old row disappears, a new one appears)."""
    db.connection.execute("UPDATE refunds SET id = ? WHERE id = ?", (new_id, refund_id))
    return "renumbered"


@tool
def replace_customer(db: SqliteState, customer_id: str, name: str) -> str:
    """Write a customer row whole (INSERT OR REPLACE)."""
    db.connection.execute("INSERT OR REPLACE INTO customers VALUES (?, ?)", (customer_id, name))
    return "written"


@tool
def forget_refund(db: SqliteState, refund_id: int) -> str:
    """Delete a refund row."""
    db.connection.execute("DELETE FROM refunds WHERE id = ?", (refund_id,))
    return "deleted"
'''


SCENARIOS = [
    {
        "id": "refund-existing",
        "situation": "Order O-1 was late.",
        "desired_outcome": "a refund",
        "backend_overrides": {"customers": {"C-1": {"name": "Ada Lovelace"}}},
        "expected_state": {"records": {"orders": {"O-1": {"status": "refunded"}}, "refunds": {"2": {"amount": 5.0}}}},
    },
    {
        "id": "refund-new-order",
        "situation": "Order O-9 was late.",
        "desired_outcome": "a refund",
        "backend_overrides": {"orders": {"O-9": {"customer_id": "C-2", "status": "late", "total": 9.0}}},
        "expected_state": {"records": {"orders": {"O-9": {"status": "refunded", "customer_id": "C-2"}}}},
    },
    {
        "id": "deleted-order",
        "situation": "Order O-1 never came.",
        "desired_outcome": "a refund",
        "backend_overrides": {"orders": {"O-1": None}},
        "expected_state": {"records": {"orders": {"O-1": None}, "refunds": {"2": None}}},
    },
]


def write_suite(root: Path, scenarios=SCENARIOS, backend=None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(root / "shop.db") as connection:
        connection.executescript(SCHEMA)
    (root / "tools.py").write_text(TOOLS)
    (root / "policy.md").write_text("Refund late orders.\n")
    config = {
        "name": "sqlite-shop",
        "policy": "policy.md",
        "backend": backend or {"kind": "sqlite", "database": "shop.db", "action_tools": ["issue_refund"]},
        "scenarios": "scenarios.yaml",
        "evaluations": [{"use": "end_state_matches"}, {"use": "valid_tool_calls"}],
    }
    (root / "suite.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "scenarios.yaml").write_text(yaml.safe_dump({"scenarios": scenarios}, sort_keys=False))
    return root


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def agent_reply(request: ChatRequest) -> ChatResponse | str | dict:
    """Agent: refund the order the customer names (5.0), then answer. Simulator: resolved after one reply."""
    if request.schema_name == "customer_analysis":
        return {
            "notes": "",
            "issue_addressed": True,
            "progressing": True,
            "needs_to_provide_info": False,
            "going_in_circles": False,
            "frustration": 1,
        }
    if request.messages[-1].role == "tool":
        return "Refunded."
    order = re.findall(r"O-\d+", " ".join(m.content for m in request.messages))[-1]
    return ChatResponse(
        tool_calls=[ToolCall(id="c1", name="issue_refund", arguments={"order_id": order, "amount": 5.0})]
    )


def customer(scenario, _trial, _model, _seed):
    order = re.findall(r"O-\d+", scenario.situation)[0]
    return ScriptedCustomer([f"Please refund {order}."])


async def test_a_sqlite_suite_runs_end_to_end_and_never_changes_its_file(tmp_path):
    suite = load_suite(write_suite(tmp_path / "suite"))
    database = tmp_path / "suite" / "shop.db"
    before = file_hash(database)
    pool = ModelPool()
    pool.add(ScriptedModel(agent_reply, name="scripted:shop"))
    store = Store.open(str(tmp_path / "runs.db"))
    options = RunOptions(models=RoleOverrides(model="scripted:shop"), clock=NOW, concurrency=3, trials=2)
    result = await run_suite(suite, store, options, pool, customer=customer)

    conversations = {(c.scenario_id, c.trial): c for c in store.conversations(result.run.id)}
    assert len(conversations) == 6 and all(c.error is None for c in conversations.values())
    existing = conversations[("refund-existing", 0)].state_diff
    # every conversation works on its own copy: each one's first refund gets id 2, whatever ran beside it
    for trial in (0, 1):
        diff = conversations[("refund-existing", trial)].state_diff
        assert diff.created == {
            "refunds": {"2": {"id": 2, "order_id": "O-1", "amount": 5.0, "issued_at": NOW.isoformat()}}
        }
    assert existing.updated == {
        "orders": {"O-1": {"id": "O-1", "customer_id": "C-1", "status": "refunded", "total": 20.0}}
    }
    new_order = conversations[("refund-new-order", 0)].state_diff
    assert new_order.updated["orders"]["O-9"]["status"] == "refunded"  # the override's row, changed by the tool
    refused = conversations[("deleted-order", 0)]
    assert refused.tool_calls()[0].error == "no order O-1" and refused.state_diff.is_empty()

    verdicts = [v for v in store.verdicts(result.run.id) if v.evaluation_id == "end_state_matches"]
    assert [v.outcome for v in verdicts] == [Outcome.PASS] * 6, [v.reasoning for v in verdicts]
    assert file_hash(database) == before
    assert len({c.snapshot_digest for c in conversations.values()}) == 3  # one per scenario's starting state


def test_concurrent_conversations_do_not_see_each_others_writes(tmp_path):
    suite = load_suite(write_suite(tmp_path / "suite"))
    factory = suite.backend
    assert isinstance(factory, SqliteBackendFactory)
    scenario = suite.scenarios[0]
    first, second = factory(scenario, NOW), factory(scenario, NOW)
    assert isinstance(first, SqliteBackend)
    first.execute(ToolCall(id="a", name="issue_refund", arguments={"order_id": "O-1", "amount": 5.0}))
    second.execute(ToolCall(id="b", name="forget_refund", arguments={"refund_id": 1}))
    first_view, second_view = first.view(), second.view()
    assert first_view["orders"]["O-1"]["status"] == "refunded" and "1" in first_view["refunds"]
    assert second_view["orders"]["O-1"]["status"] == "late" and "1" not in second_view["refunds"]
    initial = factory(scenario, NOW).view()
    assert diff_views(initial, second_view).deleted == {"refunds": ["1"]}
    assert initial["customers"]["C-1"]["name"] == "Ada Lovelace"  # the scenario's override, no copy taken
    assert len(initial["orders"]) == 2 and sorted(initial["orders"]) == ["O-1", "O-2"]
    first.close()
    second.close()
    assert sqlite3.connect(tmp_path / "suite" / "shop.db").execute("SELECT COUNT(*) FROM refunds").fetchone() == (1,)


def test_a_changed_primary_key_and_a_replaced_row_are_in_the_diff(tmp_path):
    suite = load_suite(write_suite(tmp_path / "suite"))
    factory, scenario = suite.backend, suite.scenarios[1]
    backend = factory(scenario, NOW)
    backend.execute(ToolCall(id="a", name="renumber_refund", arguments={"refund_id": 1, "new_id": 7}))
    backend.execute(ToolCall(id="b", name="replace_customer", arguments={"customer_id": "C-1", "name": "Ann"}))
    diff = diff_views(factory(scenario, NOW).view(), backend.view())
    assert diff.deleted == {"refunds": ["1"]}
    assert diff.created == {
        "refunds": {"7": {"id": 7, "order_id": "O-2", "amount": 2.5, "issued_at": "2026-05-01T00:00:00+00:00"}}
    }
    assert diff.updated == {"customers": {"C-1": {"id": "C-1", "name": "Ann"}}}


def test_digests_follow_the_state_not_the_path_and_leave_out_ignored_columns(tmp_path):
    suite = load_suite(write_suite(tmp_path / "suite"))
    factory, scenario = suite.backend, suite.scenarios[1]
    refund = {"order_id": "O-9", "amount": 5.0}
    once = factory(scenario, NOW)
    once.execute(ToolCall(id="a", name="issue_refund", arguments=refund))
    twice = factory(scenario, NOW)
    twice.execute(ToolCall(id="a", name="issue_refund", arguments=refund))
    twice.execute(ToolCall(id="b", name="forget_refund", arguments={"refund_id": 2}))
    twice.execute(ToolCall(id="c", name="issue_refund", arguments=refund))  # id 2 again: same rows, other path
    fresh = factory(scenario, NOW)
    assert once.digest() == twice.digest() != fresh.digest()
    later = factory(scenario, datetime(2027, 1, 1, tzinfo=UTC))
    later.execute(ToolCall(id="a", name="issue_refund", arguments=refund))
    assert later.digest() != once.digest() and later.digest(["refunds.issued_at"]) == once.digest(["*.issued_at"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"shipments": {"S-1": {"x": 1}}}, "shipments: no table 'shipments' in shop.db (customers, orders, refunds)"),
        ({"orders": {"O-1": {"colour": "red"}}}, "orders.O-1.colour: no column 'colour' in orders"),
        ({"orders": {"O-7": {"customer_id": "C-404"}}}, "orders.O-7.customer_id: points at customers row 'C-404'"),
        ({"orders": ["O-1"]}, "orders: must map primary keys to rows (or be null to empty the table)"),
        ({"orders": {"O-1": "x"}}, "orders.O-1: a row must be a mapping of columns (or null)"),
    ],
)
def test_overrides_that_do_not_fit_the_database_are_one_line_naming_file_line_and_field(tmp_path, overrides, message):
    scenario = {"id": "bad", "situation": "s", "desired_outcome": "d", "backend_overrides": overrides}
    root = write_suite(tmp_path / "suite", scenarios=[scenario])
    with pytest.raises(SuiteError) as caught:
        load_suite(root)
    text = str(caught.value)
    assert text.startswith(f"{root / 'scenarios.yaml'}:") and message in text and "\n" not in text


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ({"kind": "sqlite"}, "kind sqlite needs database: the SQLite file"),
        ({"kind": "sqlite", "database": "missing.db"}, "backend.database: file not found"),
        ({"kind": "sqlite", "database": "policy.md"}, "backend.database: not a SQLite database"),
        ({"database": "shop.db"}, "database is for kind sqlite"),
        (
            {"kind": "sqlite", "database": "shop.db", "snapshot": "x.json"},
            "kind sqlite takes no snapshot or references",
        ),
    ],
)
def test_a_bad_sqlite_backend_is_one_line_naming_the_suite_file(tmp_path, backend, message):
    root = write_suite(tmp_path / "suite", backend=backend)
    with pytest.raises(SuiteError) as caught:
        load_suite(root)
    assert str(caught.value).startswith(f"{root / 'suite.yaml'}:") and message in str(caught.value)


async def test_each_conversation_closes_its_database_copy_once_its_diff_is_recorded(tmp_path, monkeypatch):
    closed: list[SqliteBackend] = []
    close = SqliteBackend.close
    monkeypatch.setattr(SqliteBackend, "close", lambda self: (closed.append(self), close(self))[1])
    suite = load_suite(write_suite(tmp_path / "suite"))
    pool = ModelPool()
    pool.add(ScriptedModel(agent_reply, name="scripted:shop"))
    store = Store.open(str(tmp_path / "runs.db"))
    options = RunOptions(models=RoleOverrides(model="scripted:shop"), clock=NOW)
    result = await run_suite(suite, store, options, pool, customer=customer)
    assert len(closed) == 3 and all(b._state is not None for b in closed)
    for backend in closed:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            backend._state.connection.execute("SELECT 1")
    diffs = {c.scenario_id: c.state_diff for c in store.conversations(result.run.id)}
    assert diffs["refund-existing"].created["refunds"]["2"]["amount"] == 5.0  # recorded before the close
