"""Human labels, calibration reports, and the repeated-judging samples of a verdict."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("verdicts") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(300), nullable=False),
        sa.Column("evaluation_id", sa.String(200), nullable=False),
        sa.Column("label", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("labeller", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "evaluation_id", "labeller"),
    )
    op.create_index("ix_labels_conversation_id", "labels", ["conversation_id"])
    op.create_index("ix_labels_evaluation_id", "labels", ["evaluation_id"])
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("evaluation_id", sa.String(200), nullable=False),
        sa.Column("prompt_hash", sa.String(64), nullable=False),
        sa.Column("judge_model", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_calibrations_evaluation_id", "calibrations", ["evaluation_id"])
    op.create_index("ix_calibrations_prompt_hash", "calibrations", ["prompt_hash"])
