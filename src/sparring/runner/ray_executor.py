"""Scale-out on Ray: the run's pending conversations are split into shards, each a Ray task that loads
the suite and runs the same async conversation and evaluation code as a local run, writing to a store
every worker reaches (PostgreSQL across machines). Each conversation is committed as it finishes, so a
worker that dies loses nothing finished; Ray retries its task, which skips what is already stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sparring.data_model import CallStats, Run, TokenUsage
from sparring.models import ModelPool
from sparring.runner.build import CustomerFactory, build_context, configure_pool
from sparring.runner.cost import ROLES, role_cost
from sparring.runner.errors import retry_kinds
from sparring.runner.local_executor import run_conversations
from sparring.runner.plan import RunOptions, RunPlan, conversation_id
from sparring.runner.record import RunObserver
from sparring.runner.roles import RoleOverrides
from sparring.store import Store
from sparring.suite import Suite, load_suite

TASK_RETRIES = 3  # a shard whose worker dies is run again, up to this many times


def _shard(
    suite_root: str,
    run_json: str,
    db_url: str,
    items: list[tuple[str, int]],
    options: RunOptions,
    pool_factory: Callable[[], ModelPool] | None,
    make_customer: CustomerFactory,
) -> dict[str, Any]:
    """One Ray task: run these (scenario, trial) pairs of the run, skipping any already stored, with the
    shard's `options` (its share of the cost limit; the run's settings hold its models)."""
    suite = load_suite(suite_root)
    run = Run.model_validate_json(run_json)
    store = Store(db_url, migrate=False)
    pool = configure_pool(pool_factory() if pool_factory else ModelPool(), options, store)

    async def work() -> dict[str, Any]:
        try:
            context = build_context(suite, run, pool, make_customer)
            context.earlier_usage = store.errored_conversations(run.id, retry_kinds(options.retry_errors))
            done = store.conversation_ids(run.id) - set(context.earlier_usage)
            by_id = {s.id: s for s in suite.scenarios}
            todo = [(by_id[s], t) for s, t in items if conversation_id(run.id, s, t) not in done]
            usage = {role: TokenUsage() for role in ROLES}
            refused = await run_conversations(
                context, store, todo, usage, options.concurrency, max_cost=options.max_cost_usd
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


@dataclass
class RayExecutor:
    """The `Executor` on a Ray cluster: the plan in shards, one Ray task each; each worker builds its models
    with `pool_factory` (a plain ModelPool by default) and its customers with `make_customer`."""

    suite: Suite
    options: RunOptions
    pool_factory: Callable[[], ModelPool] | None
    make_customer: CustomerFactory
    stats: list[dict[str, CallStats]] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        suite: Suite,
        options: RunOptions,
        pool_factory: Callable[[], ModelPool] | None,
        make_customer: CustomerFactory,
    ) -> RayExecutor:
        """The executor, on the cluster `options.ray_address` names (a local one started when none is and
        Ray is not initialised yet); without Ray installed, a ValueError saying how to get it."""
        try:
            import ray
        except ImportError as exc:
            raise ValueError("the Ray executor needs Ray: pip install 'sparring[ray]'") from exc
        if not ray.is_initialized():
            ray.init(address=options.ray_address, include_dashboard=False, log_to_driver=False)
        return cls(suite, options, pool_factory, make_customer)

    def call_stats(self) -> list[dict[str, CallStats]]:
        """The model-call statistics the finished shards returned."""
        return self.stats

    async def execute(self, plan: RunPlan, store: Store, observer: RunObserver | None) -> int:
        """Run the plan in shards, reporting conversations as the shards store them; cancelled, every shard
        is cancelled too."""
        import ray

        run = plan.run
        shards = self.options.shards or max(1, int(ray.cluster_resources().get("CPU", 1)))
        task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(_shard)
        shard_options = self._shard_options(store, plan, shards)
        suite_root, run_json = str(self.suite.root), run.model_dump_json()
        pending = [(s.id, t) for s, t in plan.pending]
        refs = [
            task.remote(suite_root, run_json, store.url, chunk, shard_options, self.pool_factory, self.make_customer)
            for chunk in _split(pending, shards)
        ]
        seen = store.conversation_ids(run.id) - plan.again
        try:
            remaining = list(refs)
            while remaining:
                # Wait off the event loop, waking when a shard ends or every half second to report progress.
                _ready, remaining = await asyncio.to_thread(ray.wait, remaining, num_returns=1, timeout=0.5)
                if observer:
                    for cid in sorted(store.conversation_ids(run.id) - seen):
                        seen.add(cid)
                        observer.finished(store.conversation(cid), store.conversation_verdicts(cid))
        except (asyncio.CancelledError, KeyboardInterrupt):
            for ref in refs:
                ray.cancel(ref, force=True)
            raise
        results = ray.get(refs)
        self.stats = [{name: CallStats.model_validate(s) for name, s in r["stats"].items()} for r in results]
        return sum(r["refused"] for r in results)

    def _shard_options(self, store: Store, plan: RunPlan, shards: int) -> RunOptions:
        """What each shard runs with: the run's options, its share of the cost limit, the errored causes tried
        again (on resume), and no model overrides (the run's settings hold its models)."""
        options = self.options
        return replace(
            options,
            models=RoleOverrides(),
            max_cost_usd=_shard_budget(options.max_cost_usd, store, plan.run, self.suite, plan.again, shards),
            retry_errors=options.retry_errors if options.resume else "none",
        )


def _shard_budget(
    limit: float | None, store: Store, run: Run, suite: Suite, again: set[str], shards: int
) -> float | None:
    """Each shard's share of what the cost limit leaves after what the run already spent (a resume)."""
    if limit is None:
        return None
    spent = role_cost(store.usage_totals(run.id, exclude=again), run.settings, suite.config.models.prices)
    return max(0.0, limit - sum(spent.values())) / shards
