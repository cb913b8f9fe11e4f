"""Human labels and judge calibration reports (see sparring.calibration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select

from sparring.data_model import Calibration, Label
from sparring.store.base import StoreBase, check_storable
from sparring.store.tables import CalibrationRow, LabelRow

# built once with a bound parameter, as records.py builds the statements read on every page
_LABELS = select(*LabelRow.__table__.columns).where(LabelRow.conversation_id == bindparam("id"))


class LabelRecords(StoreBase):
    """Human labels and calibration reports."""

    def conversation_labels(self, conversation_id: str) -> list[Label]:
        """Every labeller's labels of one conversation."""
        with self.engine.connect() as connection:  # Core, not the ORM: read on every conversation page
            return [_label(r) for r in connection.execute(_LABELS, {"id": conversation_id})]

    def save_labels(self, labels: list[Label]) -> None:
        """Insert labels in one transaction; a labeller's new label for an item replaces the old one."""
        for label in labels:
            check_storable("labels", label.model_dump(exclude={"created_at"}))
        with self._session.begin() as session:
            for label in labels:
                existing = session.scalars(
                    select(LabelRow).where(
                        LabelRow.conversation_id == label.conversation_id,
                        LabelRow.evaluation_id == label.evaluation_id,
                        LabelRow.labeller == label.labeller,
                    )
                ).first()
                row = existing or LabelRow(
                    conversation_id=label.conversation_id, evaluation_id=label.evaluation_id, labeller=label.labeller
                )
                row.label, row.note, row.created_at = label.label, label.note, label.created_at
                row.inclusion_probability, row.stratum = label.inclusion_probability, label.stratum
                session.add(row)

    def labels(self, evaluation_id: str | None = None) -> list[Label]:
        """Stored labels in insertion order (all, or one evaluation's)."""
        with self._session() as session:
            query = select(LabelRow).order_by(LabelRow.id)
            if evaluation_id:
                query = query.where(LabelRow.evaluation_id == evaluation_id)
            return [_label(r) for r in session.scalars(query)]

    def save_calibration(self, evaluation_id: str, prompt_hash: str, judge_model: str, report: dict[str, Any]) -> None:
        """Store one calibration report of a judge version (prompt hash and model), timestamped now."""
        names = {"evaluation_id": evaluation_id, "prompt_hash": prompt_hash, "judge_model": judge_model}
        check_storable("calibrations", names)
        with self._session.begin() as session:
            session.add(
                CalibrationRow(
                    evaluation_id=evaluation_id,
                    prompt_hash=prompt_hash,
                    judge_model=judge_model,
                    created_at=datetime.now(UTC),
                    data=report,
                )
            )

    def calibrations(self, evaluation_id: str | None = None) -> list[Calibration]:
        """Stored calibration reports, oldest first (all, or one evaluation's)."""
        with self._session() as session:
            query = select(CalibrationRow).order_by(CalibrationRow.id)
            if evaluation_id:
                query = query.where(CalibrationRow.evaluation_id == evaluation_id)
            return [_calibration(r) for r in session.scalars(query)]


def _label(row: LabelRow | Row[Any]) -> Label:
    return Label.model_validate(
        {
            "conversation_id": row.conversation_id,
            "evaluation_id": row.evaluation_id,
            "label": row.label,
            "note": row.note,
            "labeller": row.labeller,
            "created_at": row.created_at,
            "inclusion_probability": row.inclusion_probability,
            "stratum": row.stratum,
        }
    )


def _calibration(row: CalibrationRow) -> Calibration:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)  # SQLite drops it
    return Calibration(
        evaluation_id=row.evaluation_id,
        prompt_hash=row.prompt_hash,
        judge_model=row.judge_model,
        created_at=created,
        report=row.data,
    )
