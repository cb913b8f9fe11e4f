"""Schema versions: a new database gets the newest schema, the ORM tables and the migrations agree, and a
database from the first release (no version table, no newer columns) is upgraded with its data intact."""

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sparring import Store
from sparring.store import StoreError
from sparring.store.migrations import head
from sparring.store.tables import Base

FIRST_RELEASE = Path(__file__).parents[1] / "fixtures" / "first_release_schema.sql"


def test_the_migrations_build_exactly_the_tables_the_code_uses(store_url):
    store = Store.open(store_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert connection.exec_driver_sql("select version_num from alembic_version").all() == [(head(),)]
    assert differences == []


def first_release_rows(db: sqlite3.Connection) -> None:
    """One run with one conversation and one verdict, as the first release stored them."""
    db.execute(
        "insert into runs values ('r1', 'v1', 'suite', 'completed', '2026-06-01 10:00:00', "
        '\'{"id": "r1", "label": "v1", "suite": "suite", "settings": {"simulator": "a", '
        '"agent": "b", "judge": "c"}, "clock": "2026-06-01T10:00:00Z", '
        '"started_at": "2026-06-01T10:00:00Z"}\')'
    )
    db.execute(
        "insert into conversations values ('r1:s:0', 'r1', 's', 0, 'resolved', '{\"id\": \"r1:s:0\", "
        '"run_id": "r1", "scenario_id": "s"}\')'
    )
    db.execute(
        "insert into verdicts (run_id, conversation_id, evaluation_id, outcome, reasoning, attempts) "
        "values ('r1', 'r1:s:0', 'polite', 'pass', 'fine', 1)"
    )


def test_a_first_release_database_is_upgraded_with_its_data(tmp_path):
    file = tmp_path / "old.db"
    with sqlite3.connect(file) as db:
        db.executescript(FIRST_RELEASE.read_text())
        first_release_rows(db)
    store = Store.open(str(file))
    [verdict] = store.verdicts("r1")
    assert verdict.outcome == "pass" and verdict.reasoning == "fine" and verdict.samples == []
    assert store.get_run("v1").id == "r1" and store.labels() == []
    with sqlite3.connect(file) as db:
        columns = {row[1] for row in db.execute("pragma table_info(verdicts)")}
        assert "details" in columns
        assert db.execute("select version_num from alembic_version").fetchall() == [(head(),)]


def test_a_database_from_a_newer_sparring_is_refused(tmp_path):
    file = tmp_path / "future.db"
    Store.open(str(file)).close()
    with sqlite3.connect(file) as db:
        db.execute("update alembic_version set version_num = '9999'")
    with pytest.raises(StoreError, match="schema revision 9999 is newer than this Sparring knows"):
        Store.open(str(file))
    with pytest.raises(StoreError, match="schema revision 9999, this Sparring needs"):
        Store.open(str(file), migrate=False)
