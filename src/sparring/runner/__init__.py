"""Orchestration, in layers: plan what to run, build what each conversation needs, execute (locally or on
Ray), record (commits, totals, budgets, leases). `run_suite` runs a suite; `rejudge_run` judges a stored run
again without simulating it."""

from sparring.runner.context import CustomerFactory, RunContext, build_context, simulated_customer
from sparring.runner.conversation import simulate
from sparring.runner.plan import RunOptions, RunPlan, plan_run, select_scenarios
from sparring.runner.record import RunObserver, RunResult
from sparring.runner.rejudge import rejudge_run
from sparring.runner.roles import RoleOverrides
from sparring.runner.run import execute_run, run_suite

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
