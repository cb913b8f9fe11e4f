"""The execute layer's contract: an `Executor` runs a plan's pending conversations into the store (the local
one on this event loop, the Ray one in shards), and `record_run` is the one skeleton every executor runs under:
save the run, report it started, execute, mark it completed, stopped, interrupted or failed, and return its
result."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from sparring.data_model import CallStats, RunStatus
from sparring.runner.lease import Lease
from sparring.runner.plan import RunPlan
from sparring.runner.record import RunObserver, RunResult, finish_run, run_result
from sparring.store import Store
from sparring.suite import Price


class Executor(Protocol):
    """Runs a plan's pending conversations, committing each to the store as it finishes."""

    async def execute(self, plan: RunPlan, store: Store, observer: RunObserver | None) -> int:
        """Run the pending conversations; return how many the cost limit refused."""
        ...

    def call_stats(self) -> list[dict[str, CallStats]]:
        """The model-call statistics counted so far (one entry per process or shard), read when the run ends."""
        ...


async def record_run(
    executor: Executor,
    store: Store,
    plan: RunPlan,
    prices: dict[str, Price],
    observer: RunObserver | None = None,
    lease: Lease | None = None,
) -> RunResult:
    """Execute the plan and record the run's end: its status (stopped when the cost limit refused some,
    interrupted when cancelled), its totals summed over the stored conversations, its pass rates. A process
    that lost the run's `lease` leaves the run's row to its new owner."""
    run = plan.run
    store.save_run(run)
    if observer:
        observer.started(run, len(plan.pending))
    clock = time.perf_counter()
    status, refused = RunStatus.FAILED, 0
    try:
        refused = await executor.execute(plan, store, observer)
        status = RunStatus.STOPPED if refused else RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        if lease is None or lease.held:
            run = finish_run(run, store, status, executor.call_stats(), prices)
    wall = time.perf_counter() - clock
    return run_result(store, run, run.evaluation_ids, len(plan.pending) - refused, wall)
