"""Conversations store their diff and snapshot digest in a real SQLite file; a store made before diffs (schema
0005, whole final_state in each row) migrates without losing a byte of it."""

import json
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import create_engine

from sparring.backend.overlay import diff_views
from sparring.data_model import Conversation, ModelSettings, Run
from sparring.data_model.conversation import StateDiff
from sparring.evaluations.check_functions import CheckContext
from sparring.store import Store
from sparring.store.migrations import _config

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def make_run(run_id: str) -> Run:
    settings = ModelSettings(simulator="local:smollm2", agent="openai:x", judge="openai:y")
    return Run(
        id=run_id, label=run_id, suite="demo", seed=1, scenario_ids=["s"], clock=NOW, started_at=NOW, settings=settings
    )


def test_a_conversation_stores_its_diff_and_digest_and_reads_back_its_end_state(tmp_path, example_suite):
    scenario = example_suite.scenarios[0]
    backend = example_suite.backend_factory()(scenario, NOW)
    initial = backend.view()
    backend.state.data["refunds"]["RF-9"] = {"order_id": "O-2001", "amount": 1.0}
    store = Store.open(str(tmp_path / "s.db"))
    store.save_run(make_run("r1"))
    digest = example_suite.backend_factory().snapshot.digest
    conversation = Conversation(id="r1:s:0", run_id="r1", scenario_id=scenario.id, snapshot_digest=digest)
    conversation.state_diff = diff_views(initial, backend.view())
    store.save_conversation(conversation, [])
    loaded = store.conversation("r1:s:0")
    assert loaded.state_diff.created == {"refunds": {"RF-9": {"order_id": "O-2001", "amount": 1.0}}}
    assert loaded.final_state is None and loaded.snapshot_digest == digest
    row = sqlite3.connect(tmp_path / "s.db").execute("select snapshot_digest from conversations").fetchone()
    assert row == (digest,)
    ctx = CheckContext(loaded, scenario, "", initial, NOW)
    assert ctx.final_state["refunds"]["RF-9"]["amount"] == 1.0 and "RF-9" not in initial["refunds"]


def test_a_store_made_before_diffs_migrates_without_losing_final_states(tmp_path):
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        from alembic import command

        command.upgrade(_config(connection), "0005")
    full = {"orders": {"O-1": {"status": "refunded"}}, "refunds": {"RF-1": {"order_id": "O-1", "amount": 5}}}
    old = Conversation(id="r0:s:0", run_id="r0", scenario_id="s").model_dump(mode="json")
    old.pop("state_diff"), old.pop("snapshot_digest")
    old["final_state"] = full
    run = make_run("r0")
    with sqlite3.connect(path) as db:
        db.execute(
            "insert into runs (id, label, suite, status, started_at, data) values (?, ?, ?, ?, ?, ?)",
            ("r0", "r0", "demo", "done", NOW.isoformat(), run.model_dump_json()),
        )
        db.execute(
            "insert into conversations (id, run_id, scenario_id, trial, data) values (?, ?, ?, ?, ?)",
            ("r0:s:0", "r0", "s", 0, json.dumps(old)),
        )
    engine.dispose()
    loaded = Store.open(str(path)).conversation("r0:s:0")
    assert loaded.final_state == full and loaded.state_diff == StateDiff()
    initial = {"orders": {"O-1": {"status": "delivered"}}, "refunds": {}}
    ctx = CheckContext(loaded, None, "", initial, NOW)  # type: ignore[arg-type]
    assert ctx.final_state == full and ctx.new_records("refunds") == full["refunds"]
