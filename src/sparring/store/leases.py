"""Run leases: one process works on a run at a time. A lease is a row with its owner and a heartbeat; a lease
whose heartbeat is older than the timeout is stale and can be taken over, and so is one whose owner is a process
of this host that no longer exists (a kill -9 is resumed at once). Works the same on SQLite and
PostgreSQL: taking a lease is an insert (the primary key decides between racers) or a compare-and-swap update."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sparring.store.base import StoreBase, check_storable
from sparring.store.tables import RunLeaseRow


class RunLeased(RuntimeError):
    """Another live process holds the run's lease: the message names it and says when it may be taken over."""


def dead_local_owner(owner: str) -> bool:
    """Whether `owner` (HOST:PID) names a process of this host that is gone."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite returns naive UTC times


def live_lease_error(connection: Connection, run_id: str, timeout_s: float, owner: str | None = None) -> str | None:
    """Why the run cannot be taken now: its lease is held by another live owner (a heartbeat within `timeout_s`,
    not a dead process of this host), or None."""
    row = connection.execute(select(RunLeaseRow).where(RunLeaseRow.run_id == run_id)).first()
    if row is None:
        return None
    age = (datetime.now(UTC) - _aware(row.heartbeat_at)).total_seconds()
    if row.owner == owner or age > timeout_s or dead_local_owner(row.owner):
        return None
    since = _aware(row.acquired_at).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        f"run {run_id} is being worked on by {row.owner} since {since} (heartbeat {age:.0f}s ago); "
        f"wait, or take over after {timeout_s:.0f} s without a heartbeat"
    )


class LeaseRecords(StoreBase):
    """Acquire, renew and release the lease on a run."""

    def acquire_lease(self, run_id: str, owner: str, timeout_s: float) -> None:
        """Take the run's lease for `owner`, or take over a stale one; raises RunLeased when it is held."""
        check_storable("run_leases", {"run_id": run_id, "owner": owner})
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(RunLeaseRow).values(run_id=run_id, owner=owner, acquired_at=now, heartbeat_at=now)
                )
            return
        except IntegrityError:
            pass
        with self.engine.begin() as connection:
            row = connection.execute(select(RunLeaseRow).where(RunLeaseRow.run_id == run_id)).first()
            if row is None:  # released meanwhile: try once more from the start
                return self.acquire_lease(run_id, owner, timeout_s)
            held = live_lease_error(connection, run_id, timeout_s, owner)
            if held:
                raise RunLeased(held)
            taken = connection.execute(
                update(RunLeaseRow)
                .where(
                    RunLeaseRow.run_id == run_id,
                    RunLeaseRow.owner == row.owner,
                    RunLeaseRow.heartbeat_at == row.heartbeat_at,
                )
                .values(owner=owner, acquired_at=now, heartbeat_at=now)
            )
            if taken.rowcount != 1:
                raise RunLeased(f"run {run_id} was just taken over by another process; try again later")

    def renew_lease(self, run_id: str, owner: str) -> bool:
        """Refresh the heartbeat; False when the lease is no longer this owner's (it was taken over)."""
        with self.engine.begin() as connection:
            renewed = connection.execute(
                update(RunLeaseRow)
                .where(RunLeaseRow.run_id == run_id, RunLeaseRow.owner == owner)
                .values(heartbeat_at=datetime.now(UTC))
            )
            return bool(renewed.rowcount == 1)

    def release_lease(self, run_id: str, owner: str) -> None:
        """Give the lease up (only if it is still this owner's)."""
        with self.engine.begin() as connection:
            connection.execute(delete(RunLeaseRow).where(RunLeaseRow.run_id == run_id, RunLeaseRow.owner == owner))

    def lease_holder(self, run_id: str) -> str | None:
        """Who holds the run's lease now, if anyone."""
        with self._session() as session:
            return session.scalar(select(RunLeaseRow.owner).where(RunLeaseRow.run_id == run_id))
