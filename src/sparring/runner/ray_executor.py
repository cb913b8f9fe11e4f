"""Scale-out on Ray: the run's pending conversations are split into shards, each a Ray task that loads
the suite and runs the same async conversation and evaluation code as a local run, writing to a store
every worker reaches (PostgreSQL across machines). Each conversation is committed as it finishes, so a
worker that dies loses nothing finished; Ray retries its task, which skips what is already stored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sparring.data_model import CallStats, Run, RunStatus, TokenUsage
from sparring.models import ModelPool
from sparring.runner.context import CustomerFactory, build_context, configure_pool
from sparring.runner.cost import ROLES, role_cost
from sparring.runner.errors import retry_kinds
from sparring.runner.local import run_conversations
from sparring.runner.plan import RunOptions, RunPlan, conversation_id, select_evaluations
from sparring.runner.record import RunObserver, RunResult, finish_run, run_result
from sparring.store import Store
from sparring.suite import Suite, load_suite

TASK_RETRIES = 3  # a shard whose worker dies is run again, up to this many times


def _shard(
    suite_root: str,
    run_json: str,
    db_url: str,
    items: list[tuple[str, int]],
    options: dict[str, Any],
    pool_factory: Callable[[], ModelPool] | None,
    make_customer: CustomerFactory,
) -> dict[str, Any]:
    """One Ray task: run these (scenario, trial) pairs of the run, skipping any already stored."""
    suite = load_suite(suite_root)
    run = Run.model_validate_json(run_json)
    store = Store(db_url, migrate=False)
    pool = configure_pool(pool_factory() if pool_factory else ModelPool(), RunOptions(**options), store)

    async def work() -> dict[str, Any]:
        try:
            context = build_context(suite, run, pool, make_customer)
            context.earlier_usage = store.errored_conversations(run.id, retry_kinds(options["retry_errors"]))
            done = store.conversation_ids(run.id) - set(context.earlier_usage)
            by_id = {s.id: s for s in suite.scenarios}
            todo = [(by_id[s], t) for s, t in items if conversation_id(run.id, s, t) not in done]
            usage = {role: TokenUsage() for role in ROLES}
            refused = await run_conversations(
                context, store, todo, usage, options["concurrency"], max_cost=options["max_cost_usd"]
            )
            return {
                "stats": {name: s.model_dump() for name, s in pool.stats.items()},
                "refused": refused,
            }
        finally:
            await pool.aclose()
            store.close()

    return asyncio.run(work())


def _split(items: list[tuple[str, int]], shards: int) -> list[list[tuple[str, int]]]:
    return [chunk for chunk in (items[i::shards] for i in range(shards)) if chunk]


async def run_on_ray(
    suite: Suite,
    store: Store,
    plan: RunPlan,
    options: RunOptions,
    observer: RunObserver | None,
    pool_factory: Callable[[], ModelPool] | None,
    make_customer: CustomerFactory,
) -> RunResult:
    """Run the plan in shards, one Ray task each (starting a local cluster unless one is initialised or
    `options.ray_address` names one), and record the run's end from what the shards stored and counted."""
    try:
        import ray
    except ImportError as exc:
        raise ValueError("the Ray executor needs Ray: pip install 'sparring[ray]'") from exc
    if not ray.is_initialized():
        ray.init(address=options.ray_address, include_dashboard=False, log_to_driver=False)
    run, again = plan.run, plan.again
    select_evaluations(suite, run.evaluation_ids)  # a bad evaluation id fails here, not in every worker
    retry = options.retry_errors if options.resume else "none"
    pending = [(s.id, t) for s, t in plan.pending]
    store.save_run(run)
    if observer:
        observer.started(run, len(pending))
    shards = options.shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
    settings = {
        "concurrency": options.concurrency,
        "max_retries": options.max_retries,
        "timeout_s": options.timeout_s,
        "cache": options.cache,
        "max_cost_usd": _shard_budget(options.max_cost_usd, store, run, suite, again, shards),
        "retry_errors": retry,
    }
    task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(_shard)
    clock = time.perf_counter()
    refs = [
        task.remote(str(suite.root), run.model_dump_json(), store.url, chunk, settings, pool_factory, make_customer)
        for chunk in _split(pending, shards)
    ]
    seen = store.conversation_ids(run.id) - again
    stats: list[dict[str, CallStats]] = []
    status, refused = RunStatus.FAILED, 0
    try:
        remaining = list(refs)
        while remaining:
            # Wait off the event loop, waking when a shard ends or every half second to report progress.
            _ready, remaining = await asyncio.to_thread(ray.wait, remaining, num_returns=1, timeout=0.5)
            if observer:
                for cid in sorted(store.conversation_ids(run.id) - seen):
                    seen.add(cid)
                    observer.finished(store.conversation(cid), store.conversation_verdicts(cid))
        for result in ray.get(refs):
            stats.append({name: CallStats.model_validate(s) for name, s in result["stats"].items()})
            refused += result["refused"]
        status = RunStatus.STOPPED if refused else RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        for ref in refs:
            ray.cancel(ref, force=True)
        raise
    finally:
        run = finish_run(run, store, status, stats, suite.config.models.prices)
    wall = time.perf_counter() - clock
    evaluation_ids = [e.id for e in select_evaluations(suite, run.evaluation_ids)]
    return run_result(store, run, evaluation_ids, len(pending) - refused, wall)


def _shard_budget(
    limit: float | None, store: Store, run: Run, suite: Suite, again: set[str], shards: int
) -> float | None:
    """Each shard's share of what the cost limit leaves after what the run already spent (a resume)."""
    if limit is None:
        return None
    spent = role_cost(store.usage_totals(run.id, exclude=again), run.settings, suite.config.models.prices)
    return max(0.0, limit - sum(spent.values())) / shards
