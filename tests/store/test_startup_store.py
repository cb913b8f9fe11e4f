"""A new store is created from the ORM tables and stamped with the head revision, without importing Alembic:
the same schema, column for column, index for index, as Alembic's migrations build from an empty database,
and a version Alembic itself reads."""

import os
import sqlite3
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from sparring import Store
from sparring.store.migrations import _migrate, head
from sparring.store.tables import Base


def schema(file) -> dict[str, dict[str, list[tuple]]]:
    """Every table's columns (in order: name, type, not null, default, primary key), foreign keys and indexes."""
    with sqlite3.connect(file) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        return {
            table: {
                "columns": db.execute(f"pragma table_info('{table}')").fetchall(),
                "foreign keys": sorted(row[2:] for row in db.execute(f"pragma foreign_key_list('{table}')")),
                "indexes": sorted(
                    (row[1], row[2], row[3], [c[2] for c in db.execute(f"pragma index_info('{row[1]}')")])
                    for row in db.execute(f"pragma index_list('{table}')")
                ),
            }
            for table in tables
        }


def migrated_from_scratch(file) -> None:
    """An empty database brought to the head by Alembic's migrations, one by one (the path before this change)."""
    engine = create_engine(f"sqlite:///{file}")
    with engine.begin() as connection:
        _migrate(connection, None)
    engine.dispose()


def test_a_new_store_has_the_schema_the_migrations_build(tmp_path):
    Store.open(str(tmp_path / "new.db")).close()
    migrated_from_scratch(tmp_path / "migrated.db")
    created, migrated = schema(tmp_path / "new.db"), schema(tmp_path / "migrated.db")
    assert set(created) >= {"runs", "conversations", "verdicts", "model_cache", "alembic_version"}
    assert created == migrated
    engine = create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_a_new_store_is_the_same_whatever_the_hash_seed(tmp_path):
    code = "import sys; from sparring import Store; Store.open(sys.argv[1]).close()"
    for seed in ("1", "2", "3", "4"):
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / f"{seed}.db")],
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        )
    schemas = set()
    for seed in ("1", "2", "3", "4"):
        with sqlite3.connect(tmp_path / f"{seed}.db") as db:
            schemas.add(tuple(db.execute("select type, name, sql from sqlite_master")))
    assert len(schemas) == 1
    indexes = [name for kind, name, _ in schemas.pop() if kind == "index" and name.startswith("ix_verdicts")]
    expected = ["ix_verdicts_run_counts", "ix_verdicts_run_samples", "ix_verdicts_run_versions"]
    assert indexes == expected  # the migrations' order (planner ties)


def test_alembic_reads_the_new_store_as_the_head_revision(tmp_path):
    store = Store.open(str(tmp_path / "new.db"))
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head()
    store.close()


def test_creating_a_new_store_does_not_import_alembic(tmp_path):
    code = "import sys; from sparring import Store; Store.open(sys.argv[1]).close(); print('alembic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s.db")], check=True, capture_output=True)
    assert done.stdout.decode().strip() == "False"
    assert (tmp_path / "s.db").stat().st_size > 0


def test_a_database_holding_other_tables_is_migrated_not_recreated(tmp_path):
    file = tmp_path / "shared.db"
    with sqlite3.connect(file) as db:
        db.execute("create table notes (id integer primary key, text varchar)")
        db.execute("insert into notes (text) values ('kept')")
    Store.open(str(file)).close()
    migrated_from_scratch(tmp_path / "migrated.db")
    tables = schema(file)
    assert tables.pop("notes")["columns"] and tables == schema(tmp_path / "migrated.db")
    with sqlite3.connect(file) as db:
        assert db.execute("select text from notes").fetchall() == [("kept",)]
