"""The top of the runner: a whole run, planned, built, executed (locally or on Ray) and recorded.

Layers, each importing only those below it: plan (plan.py: what to run) → build (context.py, roles.py: what
one conversation needs) → execute (local.py, ray_executor.py: both take a `RunPlan` and `build_context`) →
record (record.py, commit.py, lease.py, errors.py: commits, totals, budgets, leases). This module, imported.py
and rejudge.py sit on top.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sparring.data_model import RunStatus, TokenUsage
from sparring.models import ModelPool
from sparring.runner.context import CustomerFactory, RunContext, build_context, configure_pool, simulated_customer
from sparring.runner.cost import ROLES
from sparring.runner.errors import retry_kinds
from sparring.runner.lease import Lease, run_lease
from sparring.runner.local import run_conversations
from sparring.runner.plan import (
    RunOptions,
    RunPlan,
    judge_answers,
    new_run,
    plan_run,
    resumed_run,
    select_evaluations,
    select_scenarios,
)
from sparring.runner.record import RunObserver, RunResult, accounted, finish_run, run_result
from sparring.store import Store
from sparring.suite import Suite

__all__ = [  # the plan layer's names are re-exported: callers import them from here
    "RunOptions",
    "RunResult",
    "execute_run",
    "judge_answers",
    "run_suite",
    "select_evaluations",
    "select_scenarios",
]

EXECUTORS = ("local", "ray")


async def run_suite(
    suite: Suite,
    store: Store,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
    pool_factory: Callable[[], ModelPool] | None = None,
    customer: CustomerFactory = simulated_customer,
) -> RunResult:
    """Run a suite (or finish an interrupted run) and store everything as it completes. With
    `executor="ray"` the conversations run in shards on a Ray cluster (each worker builds its models
    with `pool_factory`, a plain ModelPool by default) into a store every worker can reach. `customer`
    builds each conversation's customer (the LLM simulator by default; a Ray run needs it picklable)."""
    options = options or RunOptions()
    retry_kinds(options.retry_errors)  # a bad choice fails before anything is written
    if options.executor not in EXECUTORS:
        raise ValueError(f"unknown executor {options.executor!r}: local or ray")
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = (
            resumed_run(suite, store, options.resume, options.retry_errors)
            if options.resume
            else new_run(suite, options)
        )
        local = options.executor == "local"
        # A new run fails on a bad model before anything is written; a resume first takes the run's lease.
        context = build_context(suite, run, pool, customer) if local and not options.resume else None
        if not options.resume:
            store.save_run(run)  # the lease row needs its run
        async with run_lease(store, run.id, options.lease_timeout_s) as lease:
            by_id = {s.id: s for s in suite.scenarios}
            plan = plan_run(run, by_id, store, options.retry_errors if options.resume else None)
            if not local:
                from sparring.runner.ray_executor import run_on_ray

                return await run_on_ray(suite, store, plan, options, observer, pool_factory, customer)
            context = context or build_context(suite, run, pool, customer)
            return await execute_run(context, store, plan, options, observer, lease)
    finally:
        if own_pool:
            await pool.aclose()


async def execute_run(
    context: RunContext,
    store: Store,
    plan: RunPlan,
    options: RunOptions,
    observer: RunObserver | None = None,
    lease: Lease | None = None,
) -> RunResult:
    """Run the plan's conversations on this process into the store and record the run's end (a local run,
    imported transcripts, a rejudged run): spending counted from the store, errored ones tried again."""
    run = context.run
    context.earlier_usage = plan.earlier_usage
    store.save_run(run)
    if observer:
        observer.started(run, len(plan.pending))
    # What the run spent before (a resume); an errored attempt tried again is counted with its new attempt.
    spent = store.usage_totals(run.id, exclude=plan.again)
    usage = {role: spent.get(role, TokenUsage()) for role in ROLES}
    prices = context.suite.config.models.prices
    clock = time.perf_counter()
    status, refused = RunStatus.FAILED, 0
    try:
        refused = await run_conversations(
            context,
            store,
            plan.pending,
            usage,
            options.concurrency,
            observer,
            options.max_cost_usd,
            snapshot=lambda: accounted(run, usage, [context.pool.stats], prices),
        )
        status = RunStatus.STOPPED if refused else RunStatus.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        status = RunStatus.INTERRUPTED
        raise
    finally:
        if lease is None or lease.held:  # a process that lost its lease leaves the run to its new owner
            run = finish_run(run, store, status, [context.pool.stats], prices)
    wall = time.perf_counter() - clock
    return run_result(store, run, run.evaluation_ids, len(plan.pending) - refused, wall)
