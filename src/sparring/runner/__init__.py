"""Orchestration: conversations and their evaluations, run concurrently and committed as they finish."""

from sparring.runner.conversation import simulate
from sparring.runner.roles import RoleOverrides
from sparring.runner.run import RunOptions, RunResult, run_suite, select_scenarios

__all__ = ["RoleOverrides", "RunOptions", "RunResult", "run_suite", "select_scenarios", "simulate"]
