"""The viewer's own queries (drill-down with tag and text filters, the same scenario in other runs, the kept-page
version, deleting a run) on a real PostgreSQL server started by the tests, as on SQLite."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services import fresh_database
from sparring import Store
from sparring.analysis.gate import gate_report, gate_scope
from sparring.analysis.pass_rates import run_summaries
from sparring.analysis.run_reports import list_runs
from sparring.viewer import create_app
from viewer_pages_world import SCENARIOS, SEARCHABLE, store_run

pytestmark = pytest.mark.real


def test_the_viewer_reads_and_deletes_on_postgresql(postgres_url, example_suite):
    store = Store.open(fresh_database(postgres_url, "viewer_pages"))
    store_run(store, "base", {s: ["pass", "pass"] for s in SCENARIOS}, agent="openai:old-bot")
    store_run(store, "cand", SCENARIOS, hours=1)
    client = TestClient(create_app(store, suites={"food-delivery": example_suite}), base_url="http://127.0.0.1")
    page = client.get("/runs/cand", params={"outcome": "any", "q": SEARCHABLE, "tag": "fraud"}).text
    assert re.findall(r'<tr><td><a href="/conversations/([^"]+)">', page) == ["cand%3Afraud-repeat-refunds%3A0"]
    run = store.get_run("cand")
    specs = gate_scope(example_suite, run)
    decided = gate_report(example_suite, run, store, run_summaries(store, run, [e.id for e in specs])).outcome
    mark = {"pass": "✔ pass", "fail": "✘ FAIL", "inconclusive": "? inconclusive"}[decided]
    assert decided != "pass" and f"Decision: {mark}" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    conversation = client.get("/conversations/cand:fraud-repeat-refunds:0").text
    assert "(base, agent openai:old-bot)" in conversation
    # a NUL in an id is not in any stored id: "not found", as on SQLite (PostgreSQL refuses NUL in a query: a 500)
    assert client.get("/conversations/cand:fraud%00:0").status_code == 404
    assert [r.run.id for r in list_runs(store, agent="openai:old-bot").runs] == ["base"]
    assert store.delete_run("base").conversations == 8
    assert [r.id for r in store.list_runs()] == ["cand"]
    assert "No other run has this scenario" in client.get("/conversations/cand:fraud-repeat-refunds:0").text
    store.close()
