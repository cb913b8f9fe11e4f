"""The viewer keeps rendered pages of completed runs only until the store changes: a saved label, a new or deleted
run, or a run that completes shows at once; a running run's pages are never kept (real SQLite file, ASGI app)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from sparring import Store
from sparring.data_model import RunStatus
from sparring.store.tables import ConversationRow, VerdictRow
from sparring.viewer import create_app
from viewer_pages_world import SCENARIOS, store_run
from viewer_server import TOKEN

LOCAL = "http://127.0.0.1"


def test_kept_pages_follow_every_change_of_the_store(tmp_path):
    store = Store.open(str(tmp_path / "cache.db"))
    store_run(store, "base", {s: ["pass"] for s in SCENARIOS})
    client = TestClient(create_app(store), base_url=LOCAL)
    assert "No other run has this scenario" in client.get("/conversations/base:fraud-repeat-refunds:0").text
    assert "Compare with:" not in client.get("/runs/base").text
    store_run(store, "cand", {s: ["fail"] for s in SCENARIOS}, hours=1)  # written by another process
    assert "(cand, agent openai:bot)" in client.get("/conversations/base:fraud-repeat-refunds:0").text
    assert "Compare with:" in client.get("/runs/base").text
    page = client.get("/conversations/cand:fraud-repeat-refunds:0").text
    form = {"csrf_token": TOKEN.findall(page)[0], "conversation_id": "cand:fraud-repeat-refunds:0"}
    client.post("/labels", data={**form, "evaluation_id": "professional_tone", "label": "fail"})
    assert "human label by viewer" in client.get("/conversations/cand:fraud-repeat-refunds:0").text
    assert client.get("/runs/cand").status_code == 200
    store.save_run(store.get_run("cand").model_copy(update={"status": RunStatus.RUNNING}))
    assert "running" in client.get("/runs/cand").text


def test_a_running_runs_pages_are_never_kept(tmp_path):
    store = Store.open(str(tmp_path / "running.db"))
    run = store_run(store, "live", {"late-70min-full-refund": ["pass"]})
    store.save_run(run.model_copy(update={"status": RunStatus.RUNNING}))
    client = TestClient(create_app(store), base_url=LOCAL)
    assert "professional_tone" in client.get("/runs/live").text
    before = client.get("/runs/live").text
    assert "(1)" not in before.split("Conversations with a fail or error")[1][:20]
    store_run(store, "other", {"fraud-repeat-refunds": ["fail"]})  # more verdicts, same 'running' live run
    with store.engine.begin() as connection:  # move other's failing conversation under 'live', as a worker would
        connection.execute(update(VerdictRow).where(VerdictRow.run_id == "other").values(run_id="live"))
        connection.execute(update(ConversationRow).where(ConversationRow.run_id == "other").values(run_id="live"))
    after = client.get("/runs/live").text
    assert "Conversations with a fail or error (1)" in after
