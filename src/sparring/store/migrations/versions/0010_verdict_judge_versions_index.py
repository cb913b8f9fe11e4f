"""An index for the judge versions a run used (distinct evaluation, prompt hash and judge model of its judged
verdicts), which every report reads for its calibration figures: without it the query read every verdict of the
run (0.70 s of CPU on a 500,000-verdict store). Partial: only judged verdicts (a prompt hash) are indexed."""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    where = sa.text("prompt_hash IS NOT NULL")
    columns = ["run_id", "evaluation_id", "prompt_hash", "judge_model"]
    op.create_index("ix_verdicts_run_versions", "verdicts", columns, sqlite_where=where, postgresql_where=where)
