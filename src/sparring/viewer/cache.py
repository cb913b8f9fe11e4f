"""Rendered pages kept for the viewer's next request: a page about completed runs changes only when the store
does, so it is rendered once per store version and then served as bytes (200 concurrent readers cost one render).
The version is one cheap query (run count and newest start, completed runs, newest label, calibration and
discovery report): any run added, finished or deleted, any label saved, changes it. Pages of a run still running
(or interrupted, stopped, failed: it may be resumed) are never kept.

A viewer served from several processes (viewer/serving.py) shares its rendered pages through a private directory
(in memory, /dev/shm, where it can be: as the processes' own kept pages, at most `size` pages per process):
the first process to need a page renders it under the page's own lock (fcntl), the others read the file,
so a page is rendered once per store version by the whole server, not once per process. Page parts that are not
bytes (a run's overview) are kept per process. Files of older versions are removed when a process shares its first
page of a newer one, and each process shares at most `size` pages (a page file and its lock file each) and
`SHARED_BYTES` of one version, so the directory stays bounded whatever URLs are asked for; beyond, or when the
directory is full or gone, a process renders on its own (sharing only saves work).
A request computes its page in its process's turn (viewer/turns.py); the store's version is read once a turn."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from sqlalchemy import func, select

from sparring.data_model import Run, RunStatus
from sparring.store import CalibrationRow, DiscoveryReportRow, LabelRow, RunRow, Store
from sparring.viewer.turns import Turns

PAGES = 2048  # rendered pages (and page parts) kept, least recently used dropped first
SHARED_BYTES = 256 * 2**20  # bytes of pages one process writes to the shared directory per store version (memory)
T = TypeVar("T")


class PageCache:
    """Pages by (what was asked, store version), least recently used dropped beyond `size`; one render per key
    even when many requests ask for it at once."""

    def __init__(self, store: Store, size: int = PAGES) -> None:
        self.store, self.size = store, size
        self.shared: Path | None = None  # set by `serve` for its processes: where they share rendered pages
        self.sharing = ""  # the store version this process last shared pages of (a hash)
        self.names: set[str] = set()  # the pages of that version it shared there (read or wrote)
        self.written = 0  # bytes of them it wrote
        self.pages: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.rendering: dict[Hashable, threading.Lock] = {}
        self.turns = Turns()
        self.local = threading.local()  # the store version this thread's turn read
        self.version_query = select(
            select(func.count()).select_from(RunRow).scalar_subquery(),
            select(func.max(RunRow.started_at)).scalar_subquery(),
            select(func.count()).where(RunRow.status == RunStatus.COMPLETED.value).scalar_subquery(),
            select(func.max(LabelRow.id)).scalar_subquery(),
            select(func.max(CalibrationRow.id)).scalar_subquery(),
            select(func.max(DiscoveryReportRow.id)).scalar_subquery(),
        )

    @contextmanager
    def turn(self, heavy: bool = False) -> Iterator[None]:
        """This process's turn to compute one request's page (`Turns.turn`); the store's version is read once in it."""
        with self.turns.turn(heavy):
            self.local.version = None  # read again in each turn
            yield

    def version(self) -> tuple[Any, ...]:
        """What changes whenever a kept page could (in a `turn`, as read at its first call)."""
        held = self.turns.held
        if held and self.local.version is not None:
            return self.local.version
        with self.store.engine.connect() as connection:
            version = tuple(connection.execute(self.version_query).one())
        if held:
            self.local.version = version
        return version

    def _take(self, acquire: Callable[[bool], bool]) -> None:
        """Take a lock with `acquire(blocking)`; while it is held elsewhere, this thread's turn is given up."""
        if not acquire(False):
            with self.turns.given_up():
                acquire(True)

    def clear(self) -> None:
        """Forget every kept page (the next request for each renders it again)."""
        with self.lock:
            self.pages.clear()

    def kept(self, key: Hashable) -> Any | None:
        """What is kept under `key` for the store's current version; None when nothing is (yet)."""
        full = (key, self.version())
        with self.lock:
            if full in self.pages:
                self.pages.move_to_end(full)
                return self.pages[full]
        return None

    def page(self, key: Hashable, runs: list[Run], render: Callable[[], T], share: bool = False) -> T:
        """The page (or part of one) `render` makes, kept under `key` when every run in `runs` is completed;
        `share`: a page (bytes) shared with the server's other processes."""
        if any(r.status != RunStatus.COMPLETED for r in runs):
            return render()
        full = (key, self.version())
        with self.lock:
            if full in self.pages:
                self.pages.move_to_end(full)
                kept: T = self.pages[full]
                return kept
            guard = self.rendering.setdefault(full, threading.Lock())
        self._take(guard.acquire)  # the first asker renders; the others wait for it, then read the kept page
        try:
            with self.lock:
                if full in self.pages:
                    again: T = self.pages[full]
                    return again
            body = self._shared(full, render) if share and self.shared else render()
            with self.lock:
                self.pages[full] = body
                while len(self.pages) > self.size:
                    self.pages.popitem(last=False)
        finally:
            with self.lock:
                self.rendering.pop(full, None)  # also when rendering failed (a 404): no guard is left behind
            guard.release()
        return body

    def _shared(self, full: tuple[Hashable, tuple[Any, ...]], render: Callable[[], T]) -> T:
        """What `render` makes: a page another process rendered at this version is read from the shared directory;
        else rendered under the page's own lock (every process takes it for that page, so a request waits only for
        a render of the page it asked for: with 64 lock files shared by all pages, one page in 64 waited for the
        slowest, a comparison, ~0.3 s) and written there for them. Sharing only saves work: beyond `size` pages of
        one version, or when the directory is full, missing or unwritable, this process renders on its own."""
        assert self.shared is not None
        version = hashlib.sha256(repr(full[1]).encode()).hexdigest()[:16]
        path = self.shared / f"{version}-{hashlib.sha256(repr(full).encode()).hexdigest()[:32]}"
        try:
            lock = open(path.with_suffix(".lock"), "a") if self._room(version, path.name) else None  # noqa: SIM115
        except OSError:
            lock = None
        if lock is None:
            return render()
        with lock:  # its flock is released when the file is closed
            self._take(functools.partial(_flocked, lock))
            try:
                return path.read_bytes()  # type: ignore[return-value]  # only pages (bytes) are written
            except OSError:  # not rendered yet
                pass
            body = render()
            self._write(path, body)  # type: ignore[arg-type]  # pages are bytes
        return body

    def _room(self, version: str, name: str) -> bool:
        """Whether this process may share the page `name` of `version` (at most `size` pages of a version). Its
        first page of a version removes the files of the others, locks included: a page of an older version that
        is still being rendered may then be rendered twice, never half-written (each process writes its own part
        file, then renames it)."""
        with self.lock:
            if version != self.sharing:
                self.sharing, self.names, self.written = version, set(), 0
                for entry in os.scandir(self.shared or "."):
                    if not entry.name.startswith(version):
                        Path(entry.path).unlink(missing_ok=True)
            if name not in self.names and len(self.names) >= self.size:
                return False
            self.names.add(name)
            return True

    def _write(self, path: Path, body: bytes) -> None:
        """Write a rendered page for the other processes, within `SHARED_BYTES` per version; a full or removed
        directory only leaves it unshared."""
        with self.lock:
            if self.written + len(body) > SHARED_BYTES:
                return
            self.written += len(body)
        part = path.with_suffix(f".{os.getpid()}.part")  # this process's own
        try:
            part.write_bytes(body)
            os.replace(part, path)
        except OSError:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)


def _flocked(file: IO[str], blocking: bool) -> bool:
    """Whether this process now holds `file`'s exclusive lock (flock); without `blocking`, False when another does."""
    import fcntl  # POSIX: the server has several processes only where it forks them (Linux)

    try:
        fcntl.flock(file, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
