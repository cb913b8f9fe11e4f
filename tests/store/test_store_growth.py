"""Store growth per conversation (migration 0008): a conversation's document is stored compressed without what is a
column of its own, a store written before (plain JSON documents, every field inside) migrates with every
conversation and verdict intact, and the indexes dropped were used by no query. Real SQLite files; the migration
and the round trip on a real PostgreSQL server too."""

import json
import sqlite3
import zlib
from pathlib import Path

from alembic import command
from sqlalchemy import Select, create_engine, select, text

from analysis.test_reports_aggregates import SIMULATOR, fill, make_run
from services import fresh_database
from sparring import AgentTurn, Conversation, CustomerTurn, EndReason, Store
from sparring.data_model import TokenUsage, ToolCallRecord
from sparring.data_model.conversation import ErrorKind, StateDiff
from sparring.store.migrations import _config
from sparring.store.queries import _on_suspects
from sparring.store.tables import ConversationRow, VerdictRow

COLUMNS = ["id", "run_id", "scenario_id", "trial", "end_reason", "error_kind", "usage", "snapshot_digest"]


def rich(run_id: str, number: int) -> Conversation:
    """A conversation with every column-backed field set, turns, a tool call, a diff and usage."""
    call = ToolCallRecord(id="1", name="issue_refund", arguments={"amount": 3.5}, result={"ok": 1})
    return Conversation(
        id=f"{run_id}:s{number}:1",
        run_id=run_id,
        scenario_id=f"s{number}",
        trial=1,
        turns=[CustomerTurn(content="late!", intent="open"), AgentTurn(content="Refunded.", tool_calls=[call])],
        end_reason=EndReason.ERROR,
        error="the model timed out",
        error_kind=ErrorKind.MODEL_FAULT,
        state_diff=StateDiff(created={"refunds": {"RF-1": {"amount": 3.5}}}),
        snapshot_digest="ab" * 32,
        usage={"agent": TokenUsage(prompt_tokens=120, completion_tokens=30, calls=2)},
        duration_s=1.5,
    )


def written_before_0008(head_file: Path, file: Path, revision: str = "0007") -> None:
    """`file` becomes the store the code of schema `revision` (0006 or 0007) would have written with the same
    content as `head_file`: each conversation's whole JSON document (every field inside) as JSON text in `data`."""
    engine = create_engine(f"sqlite:///{file}")
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    engine.dispose()
    head = Store.open(str(head_file))
    documents = [(c.model_dump_json(), c.id) for r in head.list_runs() for c in head.conversations(r.id)]
    head.close()
    with sqlite3.connect(file) as db:
        db.execute("ATTACH DATABASE ? AS head", (str(head_file),))
        db.execute("INSERT INTO runs SELECT * FROM head.runs")
        columns = ", ".join(COLUMNS)
        db.execute(f"INSERT INTO conversations ({columns}, data) SELECT {columns}, '{{}}' FROM head.conversations")
        db.executemany("UPDATE conversations SET data = ? WHERE id = ?", documents)
        db.execute("INSERT INTO verdicts SELECT * FROM head.verdicts")


def test_a_document_leaves_out_its_columns_is_compressed_and_reads_back_whole(tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    store.save_run(make_run())
    conversation = rich("r1", 0)
    store.save_conversation(conversation, [])
    assert store.conversation(conversation.id) == conversation
    assert store.conversations("r1") == [conversation]
    with sqlite3.connect(tmp_path / "s.db") as db:
        kind, blob = db.execute("SELECT typeof(data), data FROM conversations").fetchone()
    document = json.loads(zlib.decompress(blob))
    assert kind == "blob" and len(blob) < len(json.dumps(document))
    assert set(document).isdisjoint(COLUMNS) and document["turns"] and document["error"] == "the model timed out"


def test_a_row_with_its_columns_inside_the_document_reads_the_same(tmp_path):
    store = Store.open(str(tmp_path / "old.db"))
    store.save_run(make_run())
    conversation = rich("r1", 0)
    store.save_conversation(conversation, [])
    with store.engine.begin() as connection:  # as 0008 leaves an older row: the whole document, columns inside
        connection.execute(ConversationRow.__table__.update().values(data=conversation.model_dump(mode="json")))
    assert store.conversation(conversation.id) == conversation


def test_a_store_written_before_0008_migrates_with_every_conversation_and_verdict(tmp_path):
    head_file, old_file = tmp_path / "head.db", tmp_path / "old.db"
    head = Store.open(str(head_file))
    run = make_run()
    verdicts = fill(head, run, conversations=30, errored=3)
    for number in range(3):
        head.save_conversation(rich(run.id, number), [])
    expected = head.conversations(run.id)
    head.close()
    written_before_0008(head_file, old_file)
    with sqlite3.connect(old_file) as db:
        assert db.execute("SELECT count(*) FROM conversations WHERE typeof(data) = 'text'").fetchone() == (33,)
    migrated = Store.open(str(old_file))
    assert migrated.conversations(run.id) == expected
    assert migrated.verdicts(run.id) == verdicts
    assert migrated.usage_totals(run.id)["agent"].prompt_tokens == 360
    with sqlite3.connect(old_file) as db:
        assert db.execute("SELECT count(*) FROM conversations WHERE typeof(data) = 'blob'").fetchone() == (33,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    gone = {"ix_verdicts_conversation_id", "ix_verdicts_evaluation_id", "ix_conversations_snapshot_digest"}
    assert indexes.isdisjoint(gone) and {"ix_conversations_run_id", "ix_verdicts_run_counts"} <= indexes


def query_plan(store: Store, file: Path, query: Select) -> str:
    """SQLite's plan for a query the store runs, on the store's file (no statistics: what a fresh store gets)."""
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(file) as db:
        return " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))


def test_lookups_by_conversation_use_the_unique_index_left(tmp_path):
    file = tmp_path / "plan.db"
    store = Store.open(str(file))

    def plan(query: Select) -> str:
        return query_plan(store, file, query)

    by_conversation = select(VerdictRow).where(VerdictRow.conversation_id == "c").order_by(VerdictRow.id)
    assert "USING INDEX sqlite_autoindex_verdicts_1 (conversation_id=?)" in plan(by_conversation)
    assert "USING INDEX sqlite_autoindex_verdicts_1 (conversation_id=?)" in plan(_on_suspects("r", SIMULATOR))
    with sqlite3.connect(file) as db:  # a deleted conversation's verdicts are found through it too
        cascade = " | ".join(
            r[3] for r in db.execute("EXPLAIN QUERY PLAN DELETE FROM verdicts WHERE conversation_id = 'c'")
        )
    assert "sqlite_autoindex_verdicts_1" in cascade


def test_postgres_stores_compressed_documents_and_migrates_0007_rows(postgres_url):
    url = fresh_database(postgres_url, "store_growth")
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0007")
    conversation = rich("r1", 0)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO runs VALUES ('r1', 'r1', 'demo', 'done', now(), '{}')"))
        row = conversation.model_dump(mode="json", include=set(COLUMNS))
        row["usage"] = json.dumps(row["usage"])
        row["data"] = conversation.model_dump_json()
        names = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        connection.execute(text(f"INSERT INTO conversations ({names}) VALUES ({values})"), row)
    engine.dispose()
    store = Store(url)
    assert store.conversation(conversation.id) == conversation
    second = rich("r1", 1)
    store.save_conversation(second, [])
    assert store.conversations("r1") == [conversation, second]
    store.close()
