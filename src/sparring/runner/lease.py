"""The lease a process holds on the run it works on: taken before anything is written, renewed by a heartbeat,
given back at the end. A process whose lease was taken over stops."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from sparring.store import Store


def lease_owner() -> str:
    """This process, as a lease names it: HOST:PID."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Lease:
    """A held lease: `held` turns False when another process took the run over."""

    owner: str
    held: bool = True


@asynccontextmanager
async def run_lease(store: Store, run_id: str, timeout_s: float) -> AsyncIterator[Lease]:
    """Hold the run's lease for the body (raises RunLeased when another live process holds it). The
    heartbeat beats every third of the timeout; if the lease is lost, the body's task is cancelled."""
    lease = Lease(lease_owner())
    await asyncio.to_thread(store.acquire_lease, run_id, lease.owner, timeout_s)
    body = asyncio.current_task()
    heartbeat = asyncio.create_task(_beat(store, run_id, lease, max(0.5, timeout_s / 3), body))
    try:
        yield lease
    finally:
        heartbeat.cancel()
        with suppress(asyncio.CancelledError):
            await heartbeat
        await asyncio.to_thread(store.release_lease, run_id, lease.owner)


async def _beat(store: Store, run_id: str, lease: Lease, every_s: float, body: asyncio.Task[object] | None) -> None:
    while True:
        await asyncio.sleep(every_s)
        if not await asyncio.to_thread(store.renew_lease, run_id, lease.owner):
            lease.held = False
            if body is not None:
                body.cancel()
            return
