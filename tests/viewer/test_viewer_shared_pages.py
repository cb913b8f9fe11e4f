"""The processes of one viewer share rendered pages through a directory (viewer/cache.py): a page is rendered once
by all of them at one store version, again after the store changes, files of older versions are removed, and no
more than the cache's size are written per version. Two caches over one real SQLite store stand for two workers."""

from __future__ import annotations

import errno
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import sparring.viewer.cache as cache_module
from sparring import Store
from sparring.data_model import Label
from sparring.viewer.cache import PageCache
from viewer_server import one_judged_conversation


def workers(tmp_path, size: int = 8) -> tuple[Store, PageCache, PageCache, list[str]]:
    store = Store.open(str(tmp_path / "runs.db"))
    one_judged_conversation(store)
    shared = tmp_path / "pages"
    shared.mkdir()
    first, second = PageCache(store, size), PageCache(store, size)
    first.shared = second.shared = shared
    return store, first, second, []


def rendering(calls: list[str], body: bytes):
    def render() -> bytes:
        calls.append(body.decode())
        return body

    return render


def pages_in(cache: PageCache) -> list[str]:
    assert cache.shared is not None
    return sorted(name for name in os.listdir(cache.shared) if "." not in name)


def test_a_page_is_rendered_once_by_every_worker_together(tmp_path):
    store, first, second, calls = workers(tmp_path)
    run = [store.get_run("r1")]
    assert first.page(("/runs/r1", ""), run, rendering(calls, b"page one"), share=True) == b"page one"
    assert second.page(("/runs/r1", ""), run, rendering(calls, b"another render"), share=True) == b"page one"
    assert calls == ["page one"]
    assert second.page(("/runs/r1", "page=2"), run, rendering(calls, b"page two"), share=True) == b"page two"
    assert first.page(("/runs/r1", "page=2"), run, rendering(calls, b"x"), share=True) == b"page two"
    assert calls == ["page one", "page two"]


def test_a_part_that_is_not_shared_is_computed_by_each_worker(tmp_path):
    store, first, second, calls = workers(tmp_path)
    run = [store.get_run("r1")]
    first.page(("overview", "r1"), run, rendering(calls, b"one"))
    second.page(("overview", "r1"), run, rendering(calls, b"two"))
    assert calls == ["one", "two"] and pages_in(first) == []


def test_a_changed_store_renders_again_and_drops_the_older_files(tmp_path):
    store, first, second, calls = workers(tmp_path)
    run = [store.get_run("r1")]
    first.page(("/", ""), run, rendering(calls, b"before"), share=True)
    [before] = pages_in(first)
    label = Label(
        conversation_id="r1:s0:0",
        evaluation_id="professional_tone",
        label="fail",
        labeller="ana",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    store.save_labels([label])
    assert second.page(("/", ""), run, rendering(calls, b"after"), share=True) == b"after"
    assert first.page(("/", ""), run, rendering(calls, b"x"), share=True) == b"after"
    assert calls == ["before", "after"]
    [after] = pages_in(first)
    assert after != before


def test_no_more_pages_than_the_cache_keeps_are_written(tmp_path):
    store, first, second, calls = workers(tmp_path, size=2)
    run = [store.get_run("r1")]
    for i in range(4):
        first.page(("/runs/r1", f"page={i}"), run, rendering(calls, f"p{i}".encode()), share=True)
    assert len(pages_in(first)) == 2
    assert second.page(("/runs/r1", "page=3"), run, rendering(calls, b"again"), share=True) == b"again"


def test_a_page_waits_only_for_a_render_of_itself(tmp_path):
    """While one worker renders a slow page (a comparison: ~0.3 s), the other renders any other page at once: each
    page has a lock of its own (with 64 locks shared by all pages, one page in 64 waited for the slow one)."""
    store, first, second, calls = workers(tmp_path, size=500)
    run = [store.get_run("r1")]
    started, finish = threading.Event(), threading.Event()

    def slow() -> bytes:
        started.set()
        assert finish.wait(30)
        return b"comparison"

    rendering_slowly = threading.Thread(target=first.page, args=(("/compare", "a=r1&b=r1"), run, slow, True))
    rendering_slowly.start()
    assert started.wait(10)
    try:
        for i in range(300):
            done = threading.Event()

            def other(i: int = i, done: threading.Event = done) -> None:
                second.page(("/conversations/r1:s0:0", f"show={i}"), run, rendering(calls, b"other"), share=True)
                done.set()

            threading.Thread(target=other, daemon=True).start()
            assert done.wait(5), f"page {i} waited for the comparison"
    finally:
        finish.set()
        rendering_slowly.join(10)
    assert len(calls) == 300
    assert second.page(("/compare", "a=r1&b=r1"), run, rendering(calls, b"again"), share=True) == b"comparison"


def test_the_shared_files_stay_bounded_whatever_urls_are_asked_for(tmp_path):
    """Any web page in the user's browser can make it GET the viewer's pages with made-up queries: each process
    shares at most `size` pages of a version (a page file and its lock file each), and renders the others itself."""
    store, first, second, calls = workers(tmp_path, size=5)
    run = [store.get_run("r1")]
    for i in range(200):
        cache = first if i % 2 else second
        assert cache.page(("/runs/r1", f"made-up={i}"), run, rendering(calls, f"p{i}".encode()), share=True)
    assert first.shared is not None and len(os.listdir(first.shared)) == 2 * 2 * 5
    assert len(calls) == 200


def test_sharing_only_saves_work_a_full_or_missing_directory_still_serves_the_page(tmp_path, monkeypatch):
    """A full /dev/shm (ENOSPC), a directory removed under the viewer, a page beyond the bytes a process may write:
    the page is rendered and served all the same, nothing half-written is left."""
    store, first, second, calls = workers(tmp_path)
    run = [store.get_run("r1")]
    real_write = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        real_write(self, data[:3])  # what a full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    assert first.page(("/runs/r1", ""), run, rendering(calls, b"page one"), share=True) == b"page one"
    assert os.listdir(first.shared or "") == [next(n for n in os.listdir(first.shared or "") if n.endswith(".lock"))]
    monkeypatch.setattr(Path, "write_bytes", real_write)
    monkeypatch.setattr(cache_module, "SHARED_BYTES", 5)
    assert first.page(("/runs/r1", "page=2"), run, rendering(calls, b"page two"), share=True) == b"page two"
    assert pages_in(first) == []  # over the bytes this process may write there
    shutil.rmtree(first.shared or "")
    assert second.page(("/runs/r1", "page=3"), run, rendering(calls, b"page three"), share=True) == b"page three"
    assert calls == ["page one", "page two", "page three"]


def test_a_render_that_fails_leaves_no_guard_behind(tmp_path):
    """404s for made-up URLs (a scenario that is not there) each left their render's guard in the cache."""
    store, first, _, _ = workers(tmp_path)
    run = [store.get_run("r1")]

    def missing() -> bytes:
        raise LookupError("no such scenario")

    for i in range(20):
        with pytest.raises(LookupError):
            first.page(("/compare/scenario", f"scenario={i}"), run, missing, share=True)
    assert first.rendering == {}
