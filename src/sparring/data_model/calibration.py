"""A stored calibration: how one judge version (prompt hash and model) agreed with the human labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Calibration(BaseModel):
    """One `sparring calibrate` result as the store keeps it, oldest first in `Store.calibrations()`.

    `report` is the full `sparring.calibration.CalibrationReport` as JSON (kept as stored, so reports written
    by older versions still read); the fields beside it say which judge version it measured, and when.
    """

    evaluation_id: str
    prompt_hash: str = Field(description="the judge prompt version it measured (see judge_prompt_hash)")
    judge_model: str = Field(description="the judge model it measured")
    created_at: datetime
    report: dict[str, Any] = Field(description="the CalibrationReport as JSON: metrics, confusion, mismatches...")

    def metric(self, name: str) -> float | None:
        """A population estimate's value from the report (e.g. "kappa"), None when undefined or absent."""
        value = self.report.get("metrics", {}).get(name, {}).get("value")
        return None if value is None else float(value)
