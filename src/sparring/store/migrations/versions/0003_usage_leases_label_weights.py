"""Per-conversation usage (reports sum what is stored), run leases (one process works on a run at a time),
and the labelling design of each label (inclusion probability and stratum, for population estimates)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("usage", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("error_kind", sa.String(30), nullable=True))
    conversations = sa.table(
        "conversations", sa.column("id", sa.String), sa.column("data", sa.JSON), sa.column("usage", sa.JSON)
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(conversations.c.id, conversations.c.data)).all()
    for conversation_id, data in rows:  # keep what older databases stored: usage was inside the JSON document
        usage = (data or {}).get("usage") or {}
        connection.execute(conversations.update().where(conversations.c.id == conversation_id).values(usage=usage))
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("inclusion_probability", sa.Float(), nullable=True))
        batch.add_column(sa.Column("stratum", sa.String(50), nullable=True))
    op.create_table(
        "run_leases",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
