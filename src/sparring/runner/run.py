"""The top of the runner: a whole run, planned, built, executed (locally or on Ray) and recorded.

Layers, each importing only those below it: plan (plan.py: what to run; estimate.py: what it could cost) →
build (build.py, roles.py: what one conversation needs) → execute (executor.py: the `Executor` protocol and
`record_run`, the skeleton every executor runs under; local_executor.py, ray_executor.py: the two executors) → record
(record.py, commit.py, lease.py, errors.py: commits, totals, budgets, leases). This module, imported.py and
rejudge.py sit on top.
"""

from __future__ import annotations

from collections.abc import Callable

from sparring.models import ModelPool
from sparring.runner.build import CustomerFactory, RunContext, build_context, configure_pool, simulated_customer
from sparring.runner.errors import retry_kinds
from sparring.runner.executor import Executor, record_run
from sparring.runner.lease import Lease, run_lease
from sparring.runner.local_executor import LocalExecutor
from sparring.runner.plan import (
    ExecutorKind,
    RunOptions,
    RunPlan,
    judge_answers,
    new_run,
    plan_run,
    resumed_run,
    select_evaluations,
    select_scenarios,
)
from sparring.runner.record import RunObserver, RunResult
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
    kind = executor_kind(options)
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = (
            resumed_run(suite, store, options.resume, options.retry_errors)
            if options.resume
            else new_run(suite, options)
        )
        evaluations = select_evaluations(suite, run.evaluation_ids)
        local = kind == ExecutorKind.LOCAL
        # A new run fails on a bad model before anything is written; a resume first takes the run's lease.
        context = build_context(suite, run, pool, customer, evaluations) if local and not options.resume else None
        if not options.resume:
            store.save_run(run)  # the lease row needs its run
        async with run_lease(store, run.id, options.lease_timeout_s) as lease:
            by_id = {s.id: s for s in suite.scenarios}
            plan = plan_run(run, by_id, evaluations, store, options.retry_errors if options.resume else None)
            executor: Executor
            if local:
                context = context or build_context(suite, run, pool, customer, evaluations)
                executor = LocalExecutor(context, options.concurrency, options.max_cost_usd)
            else:
                from sparring.runner.ray_executor import RayExecutor

                executor = RayExecutor.start(suite, options, pool_factory, customer)
            return await record_run(executor, store, plan, suite.config.models.prices, observer, lease)
    finally:
        if own_pool:
            await pool.aclose()


def executor_kind(options: RunOptions) -> ExecutorKind:
    """The executor the options name; an unknown one is a ValueError, before anything is written."""
    try:
        return ExecutorKind(options.executor)
    except ValueError:
        raise ValueError(f"unknown executor {options.executor!r}: local or ray") from None


async def execute_run(
    context: RunContext,
    store: Store,
    plan: RunPlan,
    options: RunOptions,
    observer: RunObserver | None = None,
    lease: Lease | None = None,
) -> RunResult:
    """Run the plan's conversations on this process into the store and record the run's end (imported
    transcripts, a rejudged run): spending counted from the store, errored ones tried again."""
    executor = LocalExecutor(context, options.concurrency, options.max_cost_usd)
    return await record_run(executor, store, plan, context.suite.config.models.prices, observer, lease)
