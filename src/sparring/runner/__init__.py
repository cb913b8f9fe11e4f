"""Orchestration, in layers: plan what to run, build what each conversation needs, execute (locally or on
Ray), record (commits, totals, budgets, leases). `run_suite` runs a suite; `rejudge_run` judges a stored run
again without simulating it."""

from sparring.runner.context import CustomerFactory, RunContext, build_context, simulated_customer
from sparring.runner.conversation import simulate
from sparring.runner.plan import RunOptions, RunPlan, plan_run, select_scenarios
from sparring.runner.record import RunObserver, RunResult
from sparring.runner.roles import RoleOverrides
from sparring.runner.run import execute_run, run_suite


def __getattr__(name: str) -> object:
    """`rejudge_run` is imported on first use: it brings the transcript importer, which a run does not need."""
    if name == "rejudge_run":
        from sparring.runner.rejudge import rejudge_run

        return rejudge_run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CustomerFactory",
    "RoleOverrides",
    "RunContext",
    "RunObserver",
    "RunOptions",
    "RunPlan",
    "RunResult",
    "build_context",
    "execute_run",
    "plan_run",
    "rejudge_run",
    "run_suite",
    "select_scenarios",
    "simulate",
    "simulated_customer",
]
