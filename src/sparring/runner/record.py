"""The record layer's run-level half: progress reports, a run's totals (usage, cost, model-call statistics),
its final status, and what a finished run returns. Commits, budgets and leases live beside it (commit.py,
lease.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sparring.analysis import EvaluationSummary, run_summaries
from sparring.data_model import CallStats, Conversation, Run, RunStatus, TokenUsage, Verdict
from sparring.runner.cost import ROLES, role_cost
from sparring.runner.errors import ErrorSummary
from sparring.store import Store
from sparring.suite import Price


class RunObserver(Protocol):
    """Told when a run starts (with how many conversations it will run) and as each conversation is stored."""

    def started(self, run: Run, pending: int) -> None:
        """The run starts with `pending` conversations to run."""
        ...

    def finished(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        """One conversation and its verdicts were committed."""
        ...


@dataclass
class RunResult:
    """A finished run: its stored row, its pass rates, how many conversations this process ran, its wall time
    and its errored conversations by cause."""

    run: Run
    summaries: list[EvaluationSummary]
    conversations: int
    wall_s: float
    errors: ErrorSummary = field(default_factory=ErrorSummary)


def accounted(
    run: Run, usage: dict[str, TokenUsage], stats: list[dict[str, CallStats]], prices: dict[str, Price]
) -> Run:
    """The run with its tokens and cost (`usage`) and its model-call statistics: those stored with it before
    this process plus `stats`, this process's."""
    call_stats = {name: s.model_copy() for name, s in run.call_stats.items()}
    for shard in stats:
        for name, counted in shard.items():
            call_stats.setdefault(name, CallStats()).add(counted)
    totals = {role: usage.get(role, TokenUsage()).model_copy() for role in ROLES}
    return run.model_copy(
        update={"usage": totals, "call_stats": call_stats, "cost_usd": role_cost(totals, run.settings, prices)}
    )


def finish_run(
    run: Run, store: Store, status: RunStatus, stats: list[dict[str, CallStats]], prices: dict[str, Price]
) -> Run:
    """Record the run's final status, model-call statistics, and tokens and cost summed over its stored
    conversations (whatever processes, crashes and resumes produced them)."""
    run = accounted(run, store.usage_totals(run.id), stats, prices)
    run = run.model_copy(update={"status": status, "finished_at": datetime.now(UTC)})
    store.save_run(run)
    return run


def run_result(store: Store, run: Run, evaluation_ids: list[str], conversations: int, wall_s: float) -> RunResult:
    """What a finished run returns, its pass rates and errors counted by the database."""
    return RunResult(
        run, run_summaries(store, run, evaluation_ids), conversations, wall_s, ErrorSummary.of_run(store, run.id)
    )
