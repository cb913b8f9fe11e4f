"""Alembic environment: Sparring runs migrations itself (Store opens the database and upgrades it), on the
connection it passes in; batch mode lets SQLite alter tables."""

from alembic import context

from sparring.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
