"""Writing finished conversations (group commit) and admitting new ones under a cost limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sparring.data_model import Conversation, Run, Verdict
from sparring.store import Store


class GroupCommit:
    """Commits finished conversations off the event loop (so model calls in flight go on), each with its
    verdicts. Conversations that finish while a commit is under way go together in the next one: under
    load that saves round trips and lock waits on a shared database; alone, each commits at once.
    With `snapshot`, the run row (usage and call statistics so far) is updated in the same transaction.
    `save` returns only once its conversation is committed."""

    def __init__(self, store: Store, snapshot: Callable[[], Run] | None = None) -> None:
        self.store = store
        self.snapshot = snapshot
        self.waiting: list[tuple[Conversation, list[Verdict], asyncio.Future[None]]] = []
        self.busy = False

    async def save(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        """Queue the conversation for the next commit and wait until it is committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((conversation, verdicts, done))
        if not self.busy:
            self.busy = True
            try:
                while self.waiting:
                    await self._commit_waiting()
            finally:
                self.busy = False
        await done

    async def _commit_waiting(self) -> None:
        batch, self.waiting = self.waiting, []
        run = self.snapshot() if self.snapshot else None  # taken on the event loop: the counters change there
        try:
            await asyncio.to_thread(self.store.save_conversations, [(c, v) for c, v, _ in batch], run)
        except BaseException as exc:
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            raise
        for _, _, future in batch:
            if not future.done():
                future.set_result(None)


class Budget:
    """Admission control for --max-cost: a conversation starts only if, with every conversation in flight
    costing as much as the dearest one so far (the upper-bound estimate before any has finished), the run
    stays within the limit. `spent` counts what the run spent before this process too (a resumed run).
    Conversations are never cut in the middle."""

    def __init__(self, limit: float | None, estimate: float, spent: Callable[[], float]) -> None:
        self.limit, self.estimate, self.spent = limit, estimate, spent
        self.in_flight = 0
        self.refused = 0
        self._dearest: float | None = None

    def admit(self) -> bool:
        """Whether one more conversation may start; counts it in flight when it may."""
        if self.limit is not None:
            per_conversation = self.estimate if self._dearest is None else self._dearest
            if self.spent() + (self.in_flight + 1) * per_conversation > self.limit:
                self.refused += 1
                return False
        self.in_flight += 1
        return True

    def done(self, cost: float | None) -> None:
        """A conversation admitted earlier finished (cost known) or failed (None)."""
        self.in_flight -= 1
        if cost is not None:
            self._dearest = max(self._dearest or 0.0, cost)
