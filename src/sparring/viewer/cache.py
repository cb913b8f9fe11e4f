"""Rendered pages kept for the viewer's next request: a page about completed runs changes only when the store
does, so it is rendered once per store version and then served as bytes (200 concurrent readers cost one render).
The version is one cheap query (run count and newest start, completed runs, newest label, calibration and
discovery report): any run added, finished or deleted, any label saved, changes it. Pages of a run still running
(or interrupted, stopped, failed: it may be resumed) are never kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select

from sparring.data_model import Run, RunStatus
from sparring.store import CalibrationRow, DiscoveryReportRow, LabelRow, RunRow, Store

PAGES = 2048  # rendered pages (and page parts) kept, least recently used dropped first
T = TypeVar("T")


class PageCache:
    """Pages by (what was asked, store version), least recently used dropped beyond `size`; one render per key
    even when many requests ask for it at once."""

    def __init__(self, store: Store, size: int = PAGES) -> None:
        self.store, self.size = store, size
        self.pages: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.rendering: dict[Hashable, threading.Lock] = {}
        self.version_query = select(
            select(func.count()).select_from(RunRow).scalar_subquery(),
            select(func.max(RunRow.started_at)).scalar_subquery(),
            select(func.count()).where(RunRow.status == RunStatus.COMPLETED.value).scalar_subquery(),
            select(func.max(LabelRow.id)).scalar_subquery(),
            select(func.max(CalibrationRow.id)).scalar_subquery(),
            select(func.max(DiscoveryReportRow.id)).scalar_subquery(),
        )

    def version(self) -> tuple[Any, ...]:
        """What changes whenever a kept page could."""
        with self.store.engine.connect() as connection:
            row = connection.execute(self.version_query).one()
        return tuple(row)

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

    def page(self, key: Hashable, runs: list[Run], render: Callable[[], T]) -> T:
        """The page (or part of one) `render` makes, kept under `key` when every run in `runs` is completed."""
        if any(r.status != RunStatus.COMPLETED for r in runs):
            return render()
        full = (key, self.version())
        with self.lock:
            if full in self.pages:
                self.pages.move_to_end(full)
                kept: T = self.pages[full]
                return kept
            guard = self.rendering.setdefault(full, threading.Lock())
        with guard:  # the first asker renders; the others wait for it, then read the kept page
            with self.lock:
                if full in self.pages:
                    again: T = self.pages[full]
                    return again
            body = render()
            with self.lock:
                self.pages[full] = body
                self.rendering.pop(full, None)
                while len(self.pages) > self.size:
                    self.pages.popitem(last=False)
        return body
