"""Reports the library computes once and the viewer shows later: discovery reports, as JSON documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from sparring.store.base import StoreBase, check_storable
from sparring.store.tables import DiscoveryReportRow


class ReportDocuments(StoreBase):
    """Stored report documents; the package that computes a report validates it back into its own model."""

    def save_discovery_report(self, run_ids: list[str], data: dict[str, Any]) -> None:
        """File one discovery report under every run it analysed, in one transaction."""
        now = datetime.now(UTC)
        rows = [{"run_id": run_id, "created_at": now, "data": data} for run_id in run_ids]
        for row in rows:
            check_storable("discovery_reports", row)
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(DiscoveryReportRow), rows)

    def latest_discovery_report(self, run_id: str) -> dict[str, Any] | None:
        """The newest discovery report filed under a run, or None."""
        query = (
            select(DiscoveryReportRow.data)
            .where(DiscoveryReportRow.run_id == run_id)
            .order_by(DiscoveryReportRow.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            return connection.execute(query).scalar()
