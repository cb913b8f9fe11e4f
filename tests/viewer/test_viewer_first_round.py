"""What a fresh viewer does before and during its first burst of requests (issue 28: 200 concurrent GETs on a cold
viewer): templates compiled at start, pages computed in `THREADS` threads, and a page kept at
the store's version served before anything else is read, yet never once its run has left the completed state."""

from __future__ import annotations

from typing import Any

import jinja2
from anyio import to_thread
from fastapi.testclient import TestClient

from sparring import Store
from sparring.data_model import RunStatus
from sparring.viewer import create_app
from sparring.viewer.app import THREADS
from viewer_server import one_judged_conversation


def client_of(store: Store) -> TestClient:
    return TestClient(create_app(store), base_url="http://127.0.0.1")


def test_first_requests_compile_no_template(tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "runs.db"))
    conversation = one_judged_conversation(store)
    client = client_of(store)
    compiled: list[Any] = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a) or original(self, *a, **k)
    )
    for url in ("/", "/runs/r1", f"/conversations/{conversation.id}", "/history/demo", "/calibration"):
        assert client.get(url).status_code == 200, url
    assert compiled == [], "every template is compiled when the viewer starts, none by a request"


def test_a_served_viewer_computes_pages_in_its_few_threads(tmp_path):
    store = Store.open(str(tmp_path / "runs.db"))
    one_judged_conversation(store)
    with client_of(store) as client:  # runs the app's lifespan, as uvicorn does
        assert client.get("/runs/r1").status_code == 200
        assert client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens) == THREADS
    assert THREADS < 40, "fewer than FastAPI's default"


def test_a_kept_page_is_served_without_reading_its_run_again(tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "runs.db"))
    conversation = one_judged_conversation(store)
    client = client_of(store)
    first = {url: client.get(url).text for url in ("/runs/r1", f"/conversations/{conversation.id}")}

    def no_read(ref: str) -> Any:
        raise AssertionError(f"run {ref!r} read for a kept page")

    monkeypatch.setattr(store, "get_run", no_read)
    assert {url: client.get(url).text for url in first} == first


def test_a_kept_page_is_not_served_once_its_run_left_the_completed_state(tmp_path):
    store = Store.open(str(tmp_path / "runs.db"))
    one_judged_conversation(store)
    client = client_of(store)
    assert "baseline" in client.get("/runs/r1").text
    run = store.get_run("r1")
    store.save_run(run.model_copy(update={"status": RunStatus.RUNNING, "label": "resumed-label"}))
    again = client.get("/runs/r1").text
    assert "resumed-label" in again and "baseline" not in again
