"""Schema versions (Alembic). The store upgrades a database to the newest revision when it opens it; a
database made before migrations existed (the first release's tables, no version table) is recognised
as revision 0001 and upgraded from there. The revision is read with plain SQL and Alembic is imported only
when a migration is needed, so opening an up-to-date database costs one query, not Alembic's import. An empty
database gets the newest schema straight from the ORM tables, stamped with the head revision (Alembic's recipe
for a new database, "create_all, then stamp head"), also without importing Alembic: a test checks that it is the
schema the migrations build.

One writer creates and upgrades: the revision is read again and changed under a lock that every other opener
waits for (SQLite: `BEGIN EXCLUSIVE` on the database; PostgreSQL: a transaction-scoped advisory lock), so many
processes opening a new or old database at once (CI jobs, a shell loop) find it created or upgraded, once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateTable

from sparring.store.tables import Base

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
FIRST_RELEASE_TABLES = {"runs", "conversations", "verdicts", "model_cache"}
# Alembic's own version table, as Alembic defines it (alembic.runtime.migration), for stamping a new database
VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


class SchemaError(RuntimeError):
    """The database's schema cannot be used by this Sparring (newer, or not the revision a worker needs)."""


def revisions() -> list[str]:
    """The known revisions, oldest first, from the migration files' names (`NNNN_what.py`, revision NNNN)."""
    return sorted(path.name.split("_", 1)[0] for path in (HERE / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def head() -> str:
    """The newest revision this Sparring knows."""
    return revisions()[-1]


# The advisory lock key of Sparring's schema changes on PostgreSQL (any constant; "sparring" in ASCII)
ADVISORY_LOCK_KEY = 0x737061727269
# How long an opener waits for another process's creation or upgrade (SQLite's busy timeout), in milliseconds
LOCK_WAIT_MS = 300_000


def current(engine: Engine) -> str | None:
    """The database's revision (None: no version table, or an empty one), read with plain SQL."""
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision) if revision is not None else None


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it when empty). Up to date: one read, no lock (a read
    that finds SQLite busy goes on to wait for the lock).
    Otherwise the revision is read again under the schema lock, and only the process holding it changes it."""
    try:
        if current(engine) == head():
            return
    except OperationalError as exc:  # SQLite busy past its timeout: another opener holds the new file; wait for it
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            raise
    with schema_lock(engine) as connection:
        revision = _revision(connection)
        if revision == head():
            return  # another process did it while this one waited
        if revision is not None and revision not in revisions():
            where = engine.url.render_as_string(hide_password=True)
            raise SchemaError(f"{where}: schema revision {revision} is newer than this Sparring knows: upgrade it")
        if revision is None and not inspect(connection).get_table_names():
            _create(connection)
        else:
            _migrate(connection, revision)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the schema lock until it commits: SQLite's `BEGIN EXCLUSIVE` (on a connection of
    its own, in the driver's autocommit mode so that SQLAlchemy's BEGIN is the only one, waiting up to
    LOCK_WAIT_MS), PostgreSQL's `pg_advisory_xact_lock`; other databases (and SQLite in memory, which no other
    process sees) get a plain transaction."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):  # a file
        exclusive = create_engine(engine.url, poolclass=NullPool)

        @event.listens_for(exclusive, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # the driver begins nothing by itself
            dbapi_connection.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")  # as the store's connections (migrations count on it)

        @event.listens_for(exclusive, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")

        try:
            with exclusive.begin() as connection:
                yield connection
        finally:
            exclusive.dispose()
        return
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        yield connection


def _create(connection: Connection) -> None:
    """An empty database: the ORM tables, stamped with the head revision (no Alembic import, no migration run).
    Each table's indexes are created in name order, as the migrations create them: a table's indexes are a set
    (its order varies from process to process) and SQLite's planner, without statistics, breaks ties between
    indexes by the order they were created in."""
    for table in Base.metadata.sorted_tables:
        connection.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            index.create(connection)
    VERSION_TABLE.create(connection)
    connection.execute(VERSION_TABLE.insert().values(version_num=head()))


def _migrate(connection: Connection, revision: str | None) -> None:
    """Runs Alembic from `revision` to the head, first stamping a database made before migrations existed."""
    from alembic import command  # imported here: only a database that needs a migration pays for it

    config = _config(connection)
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if revision is None and tables >= FIRST_RELEASE_TABLES:
        # Made before migrations: recognise which schema it already has, and record it.
        columns = {c["name"] for c in inspector.get_columns("verdicts")}
        complete = tables >= {"labels", "calibrations"} and "details" in columns
        stamped = "0004" if "discovery_reports" in tables else "0003" if "run_leases" in tables else None
        command.stamp(config, stamped or ("0002" if complete else "0001"))
    command.upgrade(config, "head")


def _config(connection: Connection) -> Config:
    """Alembic's configuration: the scripts here, run on the caller's connection."""
    from alembic.config import Config  # noqa: F811  (the runtime import; the one above is for types)

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def require_head(engine: Engine) -> None:
    """For workers that share a database the driver already upgraded: refuse a mismatched schema."""
    revision = current(engine)
    if revision != head():
        where = engine.url.render_as_string(hide_password=True)
        raise SchemaError(f"{where}: schema revision {revision}, this Sparring needs {head()}")
