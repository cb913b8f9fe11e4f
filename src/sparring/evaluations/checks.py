"""Deterministic evaluations: Python functions over the transcript and the backend state.

In a suite's checks.py:

    @check
    def no_refund_when_ineligible(ctx: CheckContext) -> CheckResult:
        ...
        return failed("refund R-1 issued on an ineligible order") if bad else passed("...")
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparring.backend import BackendState, Tool
from sparring.data_model import Conversation, Outcome, Scenario


@dataclass
class CheckContext:
    conversation: Conversation
    scenario: Scenario
    policy: str
    initial_state: dict[str, Any]
    now: datetime
    tools: dict[str, Tool] = field(default_factory=dict)

    @property
    def final_state(self) -> dict[str, Any]:
        return self.conversation.final_state

    def new_records(self, collection: str) -> dict[str, Any]:
        """Records the conversation added to a backend collection (e.g. refunds issued)."""
        before = self.initial_state.get(collection, {})
        return {k: v for k, v in self.final_state.get(collection, {}).items() if k not in before}

    def tool(self, name: str, **arguments: Any) -> Any:
        """Run a suite tool on a copy of the state as it was before the conversation (e.g. eligibility)."""
        state = BackendState(copy.deepcopy(self.initial_state), self.now)
        return self.tools[name].function(state, **arguments)


@dataclass
class CheckResult:
    outcome: Outcome
    reasoning: str


def passed(reasoning: str = "") -> CheckResult:
    return CheckResult(Outcome.PASS, reasoning)


def failed(reasoning: str) -> CheckResult:
    return CheckResult(Outcome.FAIL, reasoning)


def not_applicable(reasoning: str = "") -> CheckResult:
    return CheckResult(Outcome.NOT_APPLICABLE, reasoning)


CheckFunction = Callable[[CheckContext], CheckResult]


def check(function: CheckFunction) -> CheckFunction:
    """Mark a function in a suite's checks module as a deterministic evaluation."""
    function.__sparring_check__ = True  # type: ignore[attr-defined]
    return function


def collect_checks(namespace: dict[str, Any]) -> dict[str, CheckFunction]:
    return {n: f for n, f in namespace.items() if callable(f) and getattr(f, "__sparring_check__", False)}
