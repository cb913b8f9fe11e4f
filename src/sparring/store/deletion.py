"""Deleting a run: its verdicts, conversations, lease and discovery reports, then the run, in one transaction.
Human labels are kept (they name conversations by id and are the labellers' work; calibration reads them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from sparring.store.tables import ConversationRow, DiscoveryReportRow, RunLeaseRow, RunRow, VerdictRow

if TYPE_CHECKING:
    from sparring.store.store import Store


def delete_run(store: Store, run_id: str) -> int:
    """Delete the run with id `run_id` (exactly; resolve a label or prefix with `Store.get_run` first) and
    everything stored under it but labels; the number of conversations deleted. NotFound-free: a missing run
    deletes nothing and returns 0."""
    with store.engine.begin() as connection:
        conversations = connection.scalar(select(func.count()).where(ConversationRow.run_id == run_id)) or 0
        for table, column in (
            (VerdictRow, VerdictRow.run_id),
            (ConversationRow, ConversationRow.run_id),
            (RunLeaseRow, RunLeaseRow.run_id),
            (DiscoveryReportRow, DiscoveryReportRow.run_id),
            (RunRow, RunRow.id),
        ):
            connection.execute(delete(table).where(column == run_id))
    return int(conversations)
