"""Names and ids of any length on both databases: on PostgreSQL the name columns become unbounded VARCHAR (a
transcript id over 300 characters was refused there with `StringDataRightTruncation` and stored by SQLite).
SQLite never enforces a declared length: nothing to change there, and no table is rebuilt."""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

NAME_COLUMNS = {
    "runs": ["label", "suite"],
    "conversations": ["id", "scenario_id"],
    "verdicts": ["conversation_id", "evaluation_id", "judge_model", "check_name"],
    "model_cache": ["model"],
    "labels": ["conversation_id", "evaluation_id", "labeller", "stratum"],
    "calibrations": ["evaluation_id", "judge_model"],
    "run_leases": ["owner"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in NAME_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.String())
