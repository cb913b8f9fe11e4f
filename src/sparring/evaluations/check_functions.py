"""Deterministic evaluations: Python functions over the transcript and the backend state.

In a suite's check_functions.py (or any .py file in its evaluations/ folder):

    @check(family="policy", applies_to=["refund"])
    def no_refund_when_ineligible(ctx: CheckContext) -> CheckResult:
        \"\"\"No refund is issued on an order the policy makes ineligible.\"\"\"
        ...
        return failed("refund R-1 issued on an ineligible order") if bad else passed("...")

The function name is the evaluation id and the docstring's first line its description.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, overload

from sparring.backend import (
    Backend,
    BackendFactory,
    BackendState,
    SnapshotBackend,
    Tool,
    ToolError,
    WritableState,
    added_records,
    end_state,
)
from sparring.data_model import Conversation, Outcome, Scenario, ToolCall
from sparring.models import MeteredModel


class NoBackendState(Exception):
    """Raised when a check reads backend state that an imported (real) transcript does not have."""


@dataclass
class CheckContext:
    """What a `@check` function reads: the conversation, its scenario, the policy, the mock backend before and
    after (`initial_state`, `final_state`, `new_records`, `tool`, `fresh_backend`), the backend clock, the suite's
    tool lists and the check's `params`. An `async` check may ask `judge_model` (the suite's judge; None outside
    a run), as τ²'s reward does for its NL assertions; a plain check never calls a model. `backend` is the suite's
    backend factory (any Backend: snapshot, SQLite, τ²); a context built by hand without one gets a snapshot
    backend over `initial_state` with `tools`. An imported (real) transcript has no backend state: reading it makes
    the check not applicable. A suite that gives the customer tools (dual control) also has `customer_state`, the
    customer's own state at the end, and the customer's calls (`conversation.customer_tool_calls()`)."""

    conversation: Conversation
    scenario: Scenario
    policy: str
    initial_state: Mapping[str, Any]
    now: datetime
    tools: dict[str, Tool] = field(default_factory=dict)
    action_tools: list[str] = field(default_factory=list)
    handoff_tools: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    has_backend_state: bool = True
    backend: BackendFactory | None = None
    judge_model: MeteredModel | None = None

    def _require_state(self) -> None:
        if not self.has_backend_state:
            raise NoBackendState("this transcript has no mock-backend state to check")

    @property
    def final_state(self) -> Mapping[str, Any]:
        """The mock backend after the conversation (its diff over `initial_state`), read-only."""
        self._require_state()
        return end_state(self.initial_state, self.conversation.state_diff, self.conversation.final_state)

    @property
    def customer_state(self) -> Mapping[str, Any]:
        """The customer's own state after the conversation (a suite with customer tools), read-only; a conversation
        without one (no customer tools, an imported transcript) makes the check not applicable."""
        if self.conversation.customer_state is None:
            raise NoBackendState("this conversation has no customer-side state (the suite gives the customer no tools)")
        return MappingProxyType(self.conversation.customer_state)

    def new_records(self, collection: str) -> dict[str, Any]:
        """Records the conversation added to a backend collection (e.g. refunds issued)."""
        self._require_state()
        conversation = self.conversation
        return added_records(self.initial_state, conversation.state_diff, conversation.final_state, collection)

    def fresh_backend(self) -> Backend:
        """A new backend at the scenario's state before the conversation, from the suite's factory (its writes
        go nowhere else)."""
        self._require_state()
        if self.backend is not None:
            return self.backend(self.scenario, self.now)
        return SnapshotBackend(BackendState(WritableState(self.initial_state), self.now), self.tools)

    def tool(self, name: str, **arguments: Any) -> Any:
        """Run a suite tool on a throwaway backend at the state before the conversation (e.g. eligibility) and
        return its JSON answer; a refusal, an unknown tool or invalid arguments raise `ToolError`."""
        backend = self.fresh_backend()
        try:
            record = backend.execute(ToolCall(id="check", name=name, arguments=arguments))
        finally:
            close_backend(backend)
        if record.error is not None:
            raise ToolError(record.error)
        return record.result


def close_backend(backend: Backend) -> None:
    """Release what a backend holds (a SQLite backend's in-memory database), for backends that have `close()`."""
    close = getattr(backend, "close", None)
    if callable(close):
        close()


@dataclass
class CheckResult:
    """A check's answer: its outcome and why. Build one with `passed`, `failed` or `not_applicable`."""

    outcome: Outcome
    reasoning: str


def passed(reasoning: str = "") -> CheckResult:
    """The conversation meets the check's rule."""
    return CheckResult(Outcome.PASS, reasoning)


def failed(reasoning: str) -> CheckResult:
    """The conversation breaks the check's rule; `reasoning` says where (shown beside the transcript)."""
    return CheckResult(Outcome.FAIL, reasoning)


def not_applicable(reasoning: str = "") -> CheckResult:
    """The rule does not concern this conversation (never counted as a pass nor a fail)."""
    return CheckResult(Outcome.NOT_APPLICABLE, reasoning)


CheckFunction = Callable[[CheckContext], CheckResult] | Callable[[CheckContext], Awaitable[CheckResult]]


@dataclass(frozen=True)
class CheckInfo:
    """What @check records on a function: the evaluation it defines."""

    family: str = "general"
    description: str = ""
    applies_to: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)


@overload
def check(function: CheckFunction, /) -> CheckFunction: ...
@overload
def check(
    *, family: str = ..., description: str = ..., applies_to: list[str] | None = ..., **params: Any
) -> Callable[[CheckFunction], CheckFunction]: ...
def check(
    function: CheckFunction | None = None,
    /,
    *,
    family: str = "general",
    description: str = "",
    applies_to: list[str] | None = None,
    **params: Any,
) -> CheckFunction | Callable[[CheckFunction], CheckFunction]:
    """Mark a function as a deterministic evaluation; extra keyword arguments are its default params."""

    def mark(f: CheckFunction) -> CheckFunction:
        summary = description or (f.__doc__ or "").strip().split("\n")[0]
        f.__sparring_check__ = CheckInfo(family, summary, tuple(applies_to or ()), params)  # type: ignore[union-attr]
        return f

    return mark(function) if function is not None else mark


def check_info(function: Any) -> CheckInfo | None:
    """What `@check` recorded on `function`, or None when it is not a check."""
    info = getattr(function, "__sparring_check__", None)
    return info if isinstance(info, CheckInfo) else None


def collect_checks(namespace: dict[str, Any]) -> dict[str, CheckFunction]:
    """The `@check` functions of a module's namespace, by name (the name is the evaluation id)."""
    return {n: f for n, f in namespace.items() if callable(f) and check_info(f) is not None}
