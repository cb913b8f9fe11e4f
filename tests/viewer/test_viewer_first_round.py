"""What a fresh viewer does before and during its first burst of requests (issue 28: 200 concurrent GETs on a cold
viewer): templates compiled at start, light pages computed on the event loop and a comparison in a thread of its
own (viewer/turns.py), one form token per page, and a page kept at the store's version served before anything else
is read, yet never once its run has left the completed state."""

from __future__ import annotations

import threading
from typing import Any

import jinja2
from fastapi.testclient import TestClient

from sparring import Store
from sparring.data_model import Outcome, RunStatus
from sparring.viewer import create_app, pages
from viewer_server import TOKEN, one_judged_conversation


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


def test_light_pages_are_computed_on_the_event_loop_and_heavy_ones_in_a_thread(tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "runs.db"))
    conversation = one_judged_conversation(store)
    store.save_run(store.get_run("r1").model_copy(update={"id": "r2", "label": "candidate"}))
    computed_in: dict[str, int] = {}
    for name in ("conversation_page", "compare_page", "history_chart"):
        original = getattr(pages, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            computed_in[_name] = threading.get_ident()
            return _original(*args, **kwargs)

        monkeypatch.setattr(pages, name, spy)
    with client_of(store) as client:
        loop_thread = client.portal.call(threading.get_ident)
        assert client.get(f"/conversations/{conversation.id}").status_code == 200
        assert client.get("/compare?a=r1&b=r2").status_code == 200
        assert client.get("/history/demo/chart.svg").status_code == 200
    assert computed_in["conversation_page"] == loop_thread, "a light page is handed to no thread"
    assert computed_in["compare_page"] != loop_thread, "a comparison never blocks the event loop"
    assert computed_in["history_chart"] != loop_thread, "nor does drawing a chart"


def test_a_conversation_page_signs_one_form_token_for_all_its_forms(tmp_path):
    store = Store.open(str(tmp_path / "runs.db"))
    conversation = one_judged_conversation(store, {"professional_tone": [Outcome.PASS], "refund": [Outcome.FAIL]})
    page = client_of(store).get(f"/conversations/{conversation.id}").text
    assert len(TOKEN.findall(page)) == 2 and len(set(TOKEN.findall(page))) == 1


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
