"""Indexes that let reports count in the database on large runs: verdicts by (run, evaluation, outcome,
conversation), which covers every count a report makes and replaces the index on run alone; and the rows that
carry judge samples by (run, evaluation, outcome) (partial: `details` not NULL), the only ones that can be
unstable (grouped like the counts, so SQLite's planner picks it without statistics). A verdict without
samples now stores SQL NULL in `details` (it was the JSON text `null`): old rows are rewritten so, their
meaning unchanged (both read as no samples)."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.execute("UPDATE verdicts SET details = NULL WHERE CAST(details AS TEXT) = 'null'")
    op.drop_index("ix_verdicts_run_id", table_name="verdicts")
    op.create_index("ix_verdicts_run_counts", "verdicts", ["run_id", "evaluation_id", "outcome", "conversation_id"])
    where = sa.text("details IS NOT NULL")
    columns = ["run_id", "evaluation_id", "outcome"]
    op.create_index("ix_verdicts_run_samples", "verdicts", columns, sqlite_where=where, postgresql_where=where)
