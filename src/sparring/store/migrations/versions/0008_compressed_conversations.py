"""A conversation's `data` document is stored zlib-compressed in a binary column (its JSON text took most of a
store's growth per conversation); new rows leave out of it what is a column of its own. Existing documents are
compressed as they are, nothing dropped (they read as before). Indexes no query uses are dropped: verdicts by
conversation (the unique (conversation_id, evaluation_id) index leads with it), verdicts by evaluation (every
query names the run first) and conversations by snapshot digest.

SQLite rebuilds the conversations table to change the column; with foreign keys on, dropping the old table
deletes its verdicts (ON DELETE CASCADE) and the pragma cannot change inside the migration's transaction, so the
verdicts are set aside in a temporary table and put back, ids included, in the same transaction."""

import sqlalchemy as sa
from alembic import op

from sparring.store.tables import CompressedJSON

revision = "0008"
down_revision = "0007"

BATCH = 500


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_verdicts_conversation_id", table_name="verdicts")
    op.drop_index("ix_verdicts_evaluation_id", table_name="verdicts")
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("document", sa.LargeBinary(), nullable=True))
    _compress_documents()
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE verdicts_kept AS SELECT * FROM verdicts")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index("ix_conversations_snapshot_digest")
        batch.drop_column("data")
        batch.alter_column("document", new_column_name="data", existing_type=sa.LargeBinary(), nullable=False)
    if sqlite:
        op.execute("INSERT INTO verdicts SELECT * FROM verdicts_kept")
        op.execute("DROP TABLE verdicts_kept")


def _compress_documents() -> None:
    """Every row's JSON document written compressed into `document`, `BATCH` rows at a time (in id order)."""
    table = sa.table(
        "conversations", sa.column("id", sa.String), sa.column("data", sa.JSON), sa.column("document", CompressedJSON)
    )
    connection = op.get_bind()
    last = ""
    while True:
        query = sa.select(table.c.id, table.c.data).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        rows = connection.execute(query).all()
        if not rows:
            return
        update = table.update().where(table.c.id == sa.bindparam("row_id")).values(document=sa.bindparam("doc"))
        connection.execute(update, [{"row_id": row_id, "doc": data} for row_id, data in rows])
        last = rows[-1][0]
