"""Conversations store what they changed (state_diff, inside `data`) and the digest of the snapshot they began on
(its own column, so conversations of one snapshot can be found). Old rows keep their whole final_state inside
`data`, read as it is: nothing is rewritten, nothing lost."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("snapshot_digest", sa.String(64), nullable=True))
        batch.create_index("ix_conversations_snapshot_digest", ["snapshot_digest"])
