"""Orchestration, in layers: plan what to run (and estimate what it could cost), build what each conversation
needs, execute (an `Executor`: locally or on Ray, under one recording skeleton), record (commits, totals,
budgets, leases). The library entry points `sparring run` calls: `check_models` (before anything is opened),
`estimate_run` (`--dry-run`), `run_suite` (plan, execute, record); `rejudge_run` judges a stored run again
without simulating it."""

from typing import TYPE_CHECKING

from sparring.exports import lazy_attributes
from sparring.runner.build import CustomerFactory, RunContext, build_context, simulated_customer
from sparring.runner.conversation import simulate
from sparring.runner.estimate import RunEstimate, estimate_run
from sparring.runner.executor import Executor, record_run
from sparring.runner.local_executor import LocalExecutor
from sparring.runner.plan import ExecutorKind, RunOptions, RunPlan, plan_run, select_scenarios
from sparring.runner.record import RunObserver, RunResult
from sparring.runner.roles import RoleOverrides, check_models, model_settings
from sparring.runner.run import execute_run, run_suite

if TYPE_CHECKING:  # imported on first use: rejudging brings the transcript importer, which a run does not need
    from sparring.runner.imported import check_transcript_ids as check_transcript_ids
    from sparring.runner.imported import evaluate_transcripts as evaluate_transcripts
    from sparring.runner.rejudge import execute_rejudge as execute_rejudge
    from sparring.runner.rejudge import plan_rejudge as plan_rejudge
    from sparring.runner.rejudge import plan_resumed_rejudge as plan_resumed_rejudge
    from sparring.runner.rejudge import rejudge_run as rejudge_run
    from sparring.runner.rejudge import rejudged_once as rejudged_once


__all__ = [
    "CustomerFactory",
    "Executor",
    "ExecutorKind",
    "LocalExecutor",
    "RoleOverrides",
    "RunContext",
    "RunEstimate",
    "RunObserver",
    "RunOptions",
    "RunPlan",
    "RunResult",
    "build_context",
    "check_models",
    "check_transcript_ids",
    "estimate_run",
    "evaluate_transcripts",
    "execute_rejudge",
    "execute_run",
    "model_settings",
    "plan_rejudge",
    "plan_resumed_rejudge",
    "plan_run",
    "record_run",
    "rejudge_run",
    "rejudged_once",
    "run_suite",
    "select_scenarios",
    "simulate",
    "simulated_customer",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
