"""The process around `sparring run`: the garbage collector during the run, the report's modules imported while
the run waits on the network, and a quick exit after it. All leave an in-process caller (a test, a notebook)
with the collector as it was."""

from __future__ import annotations

import atexit
import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sparring.store import Store

# Young objects collected this many allocations apart during a run (Python's default: 700).
RUN_GEN0_THRESHOLD = 10_000
# What the report after a run imports when it needs it (sparring.cli.reports: the calibration warnings, the
# trials table), and with --gate, --junit or --json the gate and JUnit code.
REPORT_MODULES = ("sparring.analysis.judge_calibration", "sparring.cli.trials")
GATE_MODULES = ("sparring.analysis.gate", "sparring.analysis.junit")
PRELOAD_DELAY_S = 1.0  # the first requests are out by then; the event loop then mostly waits on the network


@contextmanager
def collector_for_a_run() -> Iterator[None]:
    """During a run, what start-up built (modules, the suite, the store) is frozen out of the collector's passes
    and young objects are collected 10,000 allocations apart: the event loop stops for collections about 0.06 s
    of CPU in a 1,000-conversation run instead of about 0.47 s (measured with gc.callbacks). Restored after."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(RUN_GEN0_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextmanager
def imported_meanwhile(modules: Sequence[str], delay_s: float = PRELOAD_DELAY_S) -> Iterator[None]:
    """Import `modules` on a background thread `delay_s` into the block (a run, whose event loop is idle most of
    the time), so what comes after it does not wait for them (about 0.15 s for the report's). Cancelled when
    the block ends first; an import under way is waited for."""
    timer = threading.Timer(delay_s, lambda: [import_module(module) for module in modules])
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()


def close_for_exit(store: Store) -> None:
    """Everything is printed: close the store (SQLite checkpoints its WAL now) and let the process exit without
    the interpreter's teardown collecting and freeing the run's heap one object at a time (about 0.5 s after
    1,000 conversations): what is left is frozen at exit and the operating system frees it. In-process callers
    keep collecting until they exit."""
    store.close()
    atexit.unregister(gc.freeze)  # once, however many runs a process makes
    atexit.register(gc.freeze)
