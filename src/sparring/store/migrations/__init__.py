"""Schema versions (Alembic). The store upgrades a database to the newest revision when it opens it; a
database made before migrations existed (the first release's tables, no version table) is recognised
as revision 0001 and upgraded from there."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

HERE = Path(__file__).parent
FIRST_RELEASE_TABLES = {"runs", "conversations", "verdicts", "model_cache"}


class SchemaError(RuntimeError):
    pass


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    revision = ScriptDirectory(str(HERE)).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it when empty)."""
    target = head()
    revision = current(engine)
    if revision == target:
        return
    known = {s.revision for s in ScriptDirectory(str(HERE)).walk_revisions()}
    if revision is not None and revision not in known:
        raise SchemaError(f"{engine.url}: schema revision {revision} is newer than this Sparring knows: upgrade it")
    with engine.begin() as connection:
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


def require_head(engine: Engine) -> None:
    """For workers that share a database the driver already upgraded: refuse a mismatched schema."""
    revision = current(engine)
    if revision != head():
        raise SchemaError(f"{engine.url}: schema revision {revision}, this Sparring needs {head()}")
