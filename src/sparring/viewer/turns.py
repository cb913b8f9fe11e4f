"""Whose turn it is to compute in a viewer process: one request at a time, cheap pages before heavy ones.

Python runs one thread of a process at a time anyway (the GIL), and threads computing side by side only hand it to
each other, at every SQLite call, which costs CPU (a 1,000-conversation run's 300 conversation pages asked for at
once, in-process: 3.1-4.0 ms of CPU each with 4 threads computing, 1.9 ms one at a time). So a request computes its
page in its process's turn: a light one on the event loop itself (no hand-over to a thread), a heavy one (comparing
two runs: a few hundred milliseconds at 1,000 scenarios; drawing a history chart) in a thread of its own, after the
light requests of its process, which go first while they keep coming (no `quiet` pause between them) for at most
`heavy_wait`: a burst of clicks on conversations does not stall behind one comparison, and a comparison is never
starved. A request that waits for another's render of the same page gives its turn up meanwhile (`given_up`), so a
long render elsewhere never idles the process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

HEAVY_WAIT_S = 1.0
"""The longest a heavy request lets light ones go first (seconds)."""
QUIET_S = 0.05
"""A pause between light requests after which a heavy one goes (seconds): light requests computed on the event loop
arrive one after another, each a few milliseconds after the last."""


class Turns:
    """One process's turns to compute (see above)."""

    def __init__(self, heavy_wait: float = HEAVY_WAIT_S, quiet: float = QUIET_S) -> None:
        self.heavy_wait, self.quiet = heavy_wait, quiet
        self.changed = threading.Condition()
        self.busy = False  # a request is computing
        self.light = 0  # light requests waiting for or in their turn
        self.due = 0  # heavy requests done letting light ones go first
        self.last_light = -float("inf")  # when a light request last took or gave its turn (time.monotonic)
        self.local = threading.local()  # this thread's turn: held, heavy

    @property
    def held(self) -> bool:
        """Whether this thread holds its process's turn."""
        return bool(getattr(self.local, "held", False))

    @contextmanager
    def turn(self, heavy: bool = False) -> Iterator[None]:
        """This thread's turn to compute (a `heavy` one after the light requests, see above)."""
        self._take(heavy)
        try:
            yield
        finally:
            self._give()

    @contextmanager
    def given_up(self) -> Iterator[None]:
        """While this thread waits (for another's render), its turn goes to others; it is taken back after, as a
        light request's (ahead of a heavy one)."""
        held = self.held
        if held:
            self._give()
        try:
            yield
        finally:
            if held:
                self._take(heavy=False)

    def _take(self, heavy: bool) -> None:
        deadline, due = time.monotonic() + self.heavy_wait, False
        with self.changed:
            self.light += not heavy
            while True:
                now = time.monotonic()
                quiet_in = self.quiet - (now - self.last_light)
                holding_off = heavy and now < deadline and (self.light > 0 or quiet_in > 0)
                if heavy and not holding_off and not due:
                    self.due, due = self.due + 1, True  # its wait is over: no light request goes ahead of it now
                if not self.busy and not holding_off and (heavy or not self.due):
                    break
                wait = min(deadline - now, quiet_in if not self.light else deadline - now) if holding_off else None
                self.changed.wait(wait)
            self.busy, self.due = True, self.due - due
            if not heavy:
                self.last_light = time.monotonic()
        self.local.held, self.local.heavy = True, heavy

    def _give(self) -> None:
        heavy = self.local.heavy
        self.local.held = False
        with self.changed:
            self.busy = False
            if not heavy:
                self.light -= 1
                self.last_light = time.monotonic()
            self.changed.notify_all()
