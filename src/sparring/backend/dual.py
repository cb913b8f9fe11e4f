"""A backend with a customer side (dual control) for suites whose customer gets tools of its own (`customer_tools:`
in suite.yaml): the agent's backend as before, and beside it the customer's own state (`customer_state:`, a JSON
file of collections, ⊕ the scenario's `customer_overrides`) with the customer's `@tool` functions. It implements
the `Backend` protocol for the agent and the simulator's `CustomerTools` protocol for the customer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparring.backend.overlay import WritableState, copy_json
from sparring.backend.protocol import Backend, BackendFactory, StateView
from sparring.backend.snapshot import Snapshot
from sparring.backend.tools import BackendState, SnapshotBackend, Tool
from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec


class DualBackend:
    """One conversation's agent backend and the customer's own `SnapshotBackend`."""

    def __init__(self, agent: Backend, customer: SnapshotBackend) -> None:
        self.agent = agent
        self.customer = customer

    def specs(self) -> list[ToolSpec]:
        """The agent's tools."""
        return self.agent.specs()

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run one of the agent's calls."""
        return self.agent.execute(call)

    def view(self) -> StateView:
        """The agent's backend state."""
        return self.agent.view()

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """The agent's backend digest."""
        return self.agent.digest(ignore)

    def customer_specs(self) -> list[ToolSpec]:
        """The customer's tools."""
        return self.customer.specs()

    def execute_customer(self, call: ToolCall) -> ToolCallRecord:
        """Run one of the customer's calls on the customer's state."""
        return self.customer.execute(call)

    def customer_view(self) -> dict[str, Any]:
        """The customer's state as plain data."""
        return {name: copy_json(dict(records)) for name, records in self.customer.view().items()}

    def close(self) -> None:
        """Release what the agent's backend holds (a SQLite backend's database)."""
        close = getattr(self.agent, "close", None)
        if callable(close):
            close()


@dataclass
class DualBackendFactory:
    """The factory of a suite with customer tools: the agent's factory, and the customer's state and tools."""

    agent: BackendFactory
    customer_state: Snapshot
    customer_tools: dict[str, Tool]
    _views: dict[tuple[int, datetime], StateView] = field(default_factory=dict, repr=False)

    def initial_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The agent's backend at the scenario's start (what load-time checks read)."""
        return self.agent.initial_view(scenario, clock)  # type: ignore[attr-defined]

    def customer_view(self, scenario: Scenario, clock: datetime) -> StateView:
        """The customer's state at the scenario's start: customer_state ⊕ its `customer_overrides` at `clock`
        (BackendDataError when they do not fit), built once per scenario and clock."""
        key = (id(scenario), clock)
        if key not in self._views:
            self._views[key] = self.customer_state.scenario_view(scenario.customer_overrides, clock)
        return self._views[key]

    def __call__(self, scenario: Scenario, clock: datetime) -> DualBackend:
        """A fresh agent backend and a fresh customer state for one conversation."""
        start = BackendState(WritableState(self.customer_view(scenario, clock)), clock)
        customer = SnapshotBackend(start, self.customer_tools, self.customer_state)
        return DualBackend(self.agent(scenario, clock), customer)
