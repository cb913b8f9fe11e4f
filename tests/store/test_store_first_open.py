"""Many processes opening a new (or old) store at the same moment: one creates or upgrades it under the schema
lock, the others wait and find it ready. Real processes (forked, released together by a barrier, which races
harder than `sparring runs --db` started from shells) on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from services import fresh_database
from sparring import Store
from sparring.store.migrations import current, head
from sparring.store.tables import Base
from store.test_migrations import FIRST_RELEASE, first_release_rows

OPENERS = 60


def _open(db: str, barrier, failures) -> None:  # runs in a forked child
    barrier.wait()
    try:
        Store.open(db).close()
    except BaseException as exc:  # noqa: BLE001 - every failure is what the test counts
        failures.put(f"{type(exc).__name__}: {exc}")
        failures.close()
        failures.join_thread()  # flushed before the child exits
        os._exit(1)
    os._exit(0)


def open_all_at_once(db: str) -> list[str]:
    """Open the store from OPENERS forked processes released together; the errors they met."""
    context = multiprocessing.get_context("fork")
    barrier, failures = context.Barrier(OPENERS), context.Queue()
    children = [context.Process(target=_open, args=(db, barrier, failures)) for _ in range(OPENERS)]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    errors = [failures.get(timeout=5) for child in children if child.exitcode != 0]
    assert all(child.exitcode is not None for child in children), "an opener hung"
    return errors


def assert_head_schema(store: Store) -> None:
    assert current(store.engine) == head()
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_sixty_processes_create_a_new_sqlite_store_without_an_error(tmp_path):
    db = str(tmp_path / "new.db")
    assert open_all_at_once(db) == []
    store = Store.open(db)
    assert_head_schema(store)
    with sqlite3.connect(db) as connection:
        assert connection.execute("select count(*) from alembic_version").fetchone() == (1,)


def test_sixty_processes_create_a_new_postgresql_store_without_an_error(postgres_url):
    url = fresh_database(postgres_url, "first_open")
    assert open_all_at_once(url) == []
    store = Store(url)
    assert_head_schema(store)
    store.close()


def test_sixty_processes_upgrade_an_old_sqlite_store_once_with_its_data(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as connection:
        connection.executescript(FIRST_RELEASE.read_text())
        first_release_rows(connection)
    assert open_all_at_once(str(db)) == []
    store = Store.open(str(db))
    assert_head_schema(store)
    [verdict] = store.verdicts("r1")
    assert verdict.outcome == "pass" and store.conversation_count("r1") == 1
