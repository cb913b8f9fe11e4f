"""Concurrent identical requests render a kept page once: 40 simultaneous GETs of one comparison on a real
uvicorn server (127.0.0.1, real SQLite file) compute the comparison once, and every answer is the same page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sparring import Store
from sparring.viewer import create_app, pages
from viewer.test_viewer_compare_outcomes import planted
from viewer_server import serve

pytestmark = pytest.mark.real


def test_simultaneous_gets_of_one_page_render_it_once(tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "runs.db"))
    planted(store)
    calls = []
    compare_page = pages.compare_page

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(args)
        return compare_page(*args, **kwargs)

    monkeypatch.setattr(pages, "compare_page", counted)
    with serve(create_app(store)) as base, ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(lambda _: httpx.get(base + "/compare?a=a&b=b", timeout=60), range(40)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert len(calls) == 1, "one render for 40 simultaneous identical requests"
