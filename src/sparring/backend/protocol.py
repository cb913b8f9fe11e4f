"""The Backend protocol: what a chatbot's tools run against during one conversation, and how a suite builds one.

A suite carries a `BackendFactory`; the runner calls it once per conversation with the scenario and the run's
clock ("reset to a scenario") and gets a fresh `Backend`. The agent sees `specs()` and calls `execute()`;
checks read the end state through `view()` or compare `digest()`s. Sparring's implementations are the
snapshot ⊕ overrides backend with `@tool` functions (`SnapshotBackend`, copy-on-write over a shared snapshot) and
a SQLite file (`SqliteBackend`: tools get a connection to the conversation's own copy); another backend (a
τ²-bench environment, an HTTP sandbox) implements the same four methods.
Digests compare states of one backend over one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sparring.data_model import Scenario, ToolCall, ToolCallRecord, ToolSpec

StateView = Mapping[str, Mapping[str, Any]]
"""Read-only backend state: collection (table) name → record id → record (a JSON-like mapping)."""


@runtime_checkable
class Backend(Protocol):
    """One conversation's backend, already reset to its scenario."""

    def specs(self) -> list[ToolSpec]:
        """The tools the chatbot is offered, each with a JSON schema of its arguments."""
        ...

    def execute(self, call: ToolCall) -> ToolCallRecord:
        """Run one tool call and record it. A refusal, an unknown tool or invalid arguments come back as the
        record's `error` (what the agent sees); only a bug in the backend itself raises."""
        ...

    def view(self) -> StateView:
        """The current state, read-only: collection → id → record. Cheap to take (no full copy)."""
        ...

    def digest(self, ignore: Iterable[str] = ()) -> str:
        """A stable hash (hex sha256) of the current state: equal states give equal digests whatever path led
        to them. `ignore` lists field paths left out, `collection.field[.subfield]` (`*` for any collection),
        e.g. `refunds.issued_at`, `*.updated_at`."""
        ...


class BackendFactory(Protocol):
    """Per suite: builds one conversation's backend at its scenario (the scenario's overrides applied,
    relative times resolved against `clock`)."""

    def __call__(self, scenario: Scenario, clock: datetime) -> Backend:
        """A fresh backend for one conversation of `scenario`."""
        ...
