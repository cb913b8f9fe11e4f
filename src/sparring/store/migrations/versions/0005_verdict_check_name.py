"""Verdicts name the check that produced them in their own column (check_name) instead of posing as a model
(judge_model "check:<function>"). Old rows are left as they are: the Verdict model reads the old form."""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("check_name", sa.String(300), nullable=True))
