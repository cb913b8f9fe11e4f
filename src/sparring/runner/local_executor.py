"""The local executor: a plan's conversations run concurrently on this process's event loop, each committed as
it finishes, within the cost limit. A Ray shard runs the same `run_conversations` on its part of the plan."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sparring.data_model import CallStats, Run, Scenario, TokenUsage
from sparring.runner.build import RunContext
from sparring.runner.commit import Budget, GroupCommit
from sparring.runner.cost import ROLES, estimate_conversation, role_cost
from sparring.runner.plan import RunPlan, judge_answers
from sparring.runner.record import RunObserver, accounted
from sparring.store import Store


@dataclass
class LocalExecutor:
    """The `Executor` of this process: the plan's conversations on this event loop, with `context`'s models,
    at most `concurrency` at a time, within `max_cost_usd` (what the run spent before counted)."""

    context: RunContext
    concurrency: int
    max_cost_usd: float | None = None

    async def execute(self, plan: RunPlan, store: Store, observer: RunObserver | None) -> int:
        """Run the plan's pending conversations here; errored ones tried again carry what they spent."""
        context = self.context
        context.earlier_usage = plan.earlier_usage
        # What the run spent before (a resume); an errored attempt tried again is counted with its new attempt.
        spent = store.usage_totals(plan.run.id, exclude=plan.again)
        usage = {role: spent.get(role, TokenUsage()) for role in ROLES}
        prices = context.suite.config.models.prices
        return await run_conversations(
            context,
            store,
            plan.pending,
            usage,
            self.concurrency,
            observer,
            self.max_cost_usd,
            snapshot=lambda: accounted(plan.run, usage, self.call_stats(), prices),
        )

    def call_stats(self) -> list[dict[str, CallStats]]:
        """This process's model-call statistics."""
        return [self.context.pool.stats]


async def run_conversations(
    context: RunContext,
    store: Store,
    pending: list[tuple[Scenario, int]],
    usage: dict[str, TokenUsage],
    concurrency: int,
    observer: RunObserver | None = None,
    max_cost: float | None = None,
    snapshot: Callable[[], Run] | None = None,
) -> int:
    """Simulate, judge and store each pending conversation (each committed as it finishes, with the run row's
    `snapshot` when given); `usage` (what the run has spent so far) grows as they finish. Returns how many the
    cost limit refused. The same code runs locally and in a Ray shard."""
    run = context.run
    # An embedded model serves one call at a time; interleaving conversations would only evict its KV cache.
    limit = min([concurrency] + [m.max_concurrency for m in context.pool.models()])
    semaphore = asyncio.Semaphore(max(1, limit))
    # Tasks are created as earlier ones end, not one per pending conversation up front: at most `limit` judging
    # and `limit` more waiting for their commit (when storing lags behind), not 20,000 for a 20,000-line import.
    tasks = asyncio.Semaphore(2 * max(1, limit))
    prices = context.suite.config.models.prices
    budget = Budget(
        max_cost, conversation_estimate(context), lambda: sum(role_cost(usage, run.settings, prices).values())
    )
    writer = GroupCommit(store, snapshot)

    async def one(scenario: Scenario, trial: int) -> None:
        async with semaphore:
            if not budget.admit():
                return
            cost = None
            try:
                conversation, verdicts = await context.converse_and_judge(scenario, trial)
                before = budget.spent()
                for role, counted in conversation.usage.items():
                    usage[role].add(counted)
                cost = budget.spent() - before
            finally:
                budget.done(cost)
        await writer.save(conversation, verdicts)
        if observer:
            observer.finished(conversation, verdicts)

    running = InFlight(tasks.release)
    try:
        for scenario, trial in pending:
            await tasks.acquire()
            running.raise_failure()
            running.start(one(scenario, trial))
        await running.wait()
    finally:
        # Stop every sibling before returning, so nothing is written after the run's final status.
        await running.cancel()
        store.flush_cache()
    return budget.refused


def conversation_estimate(context: RunContext) -> float:
    """Upper-bound cost of one of the context's conversations, in dollars (the budget's first estimate)."""
    estimate = estimate_conversation(
        context.suite, context.run.settings, context.run.max_turns, judge_answers(context.evaluations)
    )
    return sum(e.cost_usd for e in estimate.values())


class InFlight:
    """The conversation tasks running now: a task that ends leaves the set (and calls `on_end`); the first
    failure is kept, to be raised where the run waits (as `asyncio.gather` would)."""

    def __init__(self, on_end: Callable[[], None] = lambda: None) -> None:
        self.on_end = on_end
        self.tasks: set[asyncio.Task[None]] = set()
        self.failure: BaseException | None = None

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.on_end()
        if not task.cancelled() and task.exception() is not None and self.failure is None:
            self.failure = task.exception()

    def raise_failure(self) -> None:
        """Raise the first failure of a task, if any."""
        if self.failure is not None:
            raise self.failure

    async def wait(self) -> None:
        """Wait for every task; raise the first failure."""
        while self.tasks:
            await asyncio.wait(set(self.tasks), return_when=asyncio.FIRST_EXCEPTION)
            self.raise_failure()
        self.raise_failure()

    async def cancel(self) -> None:
        """Cancel the tasks still running and wait until they have stopped."""
        tasks = set(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
