"""The viewer leads with the decision and drills down to the conversations behind it (real SQLite file, the real
ASGI app): gates with their reasons as `sparring gate` computes them, pass^k and flaky scenarios, errors by cause,
filters (evaluation, outcome, tag, text), sorting; compare sorted by effect with the scenario side by side; the
conversation's brief, end-state diff and other runs; history filters; deleting a run; ids holding '/'."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sparring import Store
from sparring.analysis.gate import gate_report, gate_scope
from sparring.analysis.pass_rates import run_summaries
from sparring.cli.app import app
from sparring.viewer import create_app
from viewer_pages_world import REASON, SCENARIOS, SEARCHABLE, store_run
from viewer_server import TOKEN

runner = CliRunner()
LOCAL = "http://127.0.0.1"


MARKS = {"pass": "✔ pass", "fail": "✘ FAIL", "inconclusive": "? inconclusive"}


def expected_gates(store, suite, run):
    """What `sparring gate` says of the run: the page must say the same."""
    specs = gate_scope(suite, run)
    return gate_report(suite, run, store, run_summaries(store, run, [e.id for e in specs]))


def text(page: str) -> str:
    """The page's text, tags removed, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def world(tmp_path, example_suite):
    db = tmp_path / "viewer.db"
    store = Store.open(str(db))
    base = store_run(store, "base", {s: ["pass", "pass"] for s in SCENARIOS}, agent="openai:old-bot")
    run = store_run(store, "cand", SCENARIOS, hours=1, errored="late-70min-full-refund")
    client = TestClient(create_app(store, suites={"food-delivery": example_suite}), base_url=LOCAL)
    return store, client, base, run, db


def test_run_page_leads_with_the_gates_outcomes_and_reasons(world, example_suite):
    store, client, _base, run, _db = world
    page = client.get("/runs/cand").text
    shown = text(page)
    expected = expected_gates(store, example_suite, run)
    assert expected.outcome == "fail", "an errored conversation fails the errors check"
    assert "Decision: ✘ FAIL" in shown and shown.index("Decision") < shown.index("Pass rate per evaluation")
    for result in expected.results:
        assert f"{result.gate} {MARKS[result.outcome]}" in shown
        assert result.detail in shown
    assert 'class="decision decision-fail"' in page
    without = text(TestClient(create_app(store), base_url=LOCAL).get("/runs/cand").text)
    assert "gates not evaluated" in without and "--suite DIR" in without


def test_run_page_shows_pass_hat_k_flaky_scenarios_and_errors_by_cause(world):
    _store, client, _base, _run, db = world
    shown = text(client.get("/runs/cand").text)
    # refund_only_when_eligible: per scenario passes of 2 trials = 1, 0, 2, 2 -> pass^2 = (0 + 0 + 1 + 1) / 4
    assert "Repeated trials (2 per scenario)" in shown
    document = json.loads(runner.invoke(app, ["report", "cand", "--db", str(db), "--json"]).stdout)
    [figures] = [t for t in document["trials"] if t["evaluation_id"] == "refund_only_when_eligible"]
    one, two = (f"{p['estimate']:.0%} [{p['low']:.0%}, {p['high']:.0%}]" for p in figures["pass_hat_k_intervals"])
    assert one.startswith("62% [") and two.startswith("50% [")  # with the interval `report --json` gives
    assert f"refund_only_when_eligible 4 62% 0 {one} {two} 75% 1 flaky: high-value-party-order-late" in shown
    assert "chatbot_error 1 12% HTTP 500 from the chatbot" in shown


def rows(page: str) -> list[str]:
    """The conversation ids the drill-down lists, in order."""
    table = page[page.index('class="drilldown"') :]
    return re.findall(r'<tr><td><a href="/conversations/([^"]+)">', table)


def test_drilldown_filters_by_evaluation_outcome_tag_and_text(world):
    _store, client, *_ = world
    failing = client.get("/runs/cand", params={"evaluation": "refund_only_when_eligible"}).text
    assert sorted(rows(failing)) == [
        "cand%3Afraud-repeat-refunds%3A0",
        "cand%3Afraud-repeat-refunds%3A1",
        "cand%3Ahigh-value-party-order-late%3A1",
    ]
    shown = text(failing)
    assert "Fourth refund request in a month" in shown and REASON in shown, "scenario title and reasoning"
    assert "Conversations with a fail or error of refund_only_when_eligible (3)" in shown
    passing = client.get("/runs/cand", params={"evaluation": "professional_tone", "outcome": "pass"}).text
    assert len(rows(passing)) == 8
    tagged = client.get("/runs/cand", params={"outcome": "fail", "tag": "high-value"}).text
    assert rows(tagged) == ["cand%3Ahigh-value-party-order-late%3A1"]
    searched = client.get("/runs/cand", params={"outcome": "any", "q": SEARCHABLE.upper()}).text
    assert rows(searched) == ["cand%3Afraud-repeat-refunds%3A0"], "found in the transcript, case ignored"
    by_reason = client.get("/runs/cand", params={"q": "not eligible"}).text
    assert len(rows(by_reason)) == 3, "found in the reasoning"
    assert rows(client.get("/runs/cand", params={"q": "no such words"}).text) == []
    assert client.get("/runs/cand", params={"outcome": "bogus"}).status_code == 422
    assert client.get("/runs/cand", params={"sort": "bogus"}).status_code == 422


def test_drilldown_sorts_by_a_column_both_ways(world):
    _store, client, *_ = world
    ascending = rows(client.get("/runs/cand", params={"outcome": "any", "sort": "scenario", "desc": "false"}).text)
    descending = rows(client.get("/runs/cand", params={"outcome": "any", "sort": "scenario", "desc": "true"}).text)
    scenarios = [r.split("%3A")[1] for r in ascending]
    assert scenarios == sorted(scenarios) and len(scenarios) == 8
    assert [r.split("%3A")[1] for r in descending] == sorted(scenarios, reverse=True)


def test_compare_puts_regressions_first_and_links_the_scenario_side_by_side(world):
    _store, client, *_ = world
    page = client.get("/compare", params={"a": "base", "b": "cand"}).text
    order = [e for _, e in re.findall(r'<tr class="row-([a-z_]+)" id="evaluation-([a-z_]+)">', page)]
    assert order == ["refund_only_when_eligible", "professional_tone"], "the largest drop first"
    pair = client.get(
        "/compare/scenario", params={"a": "base", "b": "cand", "scenario": "fraud-repeat-refunds", "trial": 0}
    )
    shown = text(pair.text)
    assert pair.status_code == 200 and "outcome changed for refund_only_when_eligible" in shown
    assert shown.count("About fraud-repeat-refunds") == 2 and SEARCHABLE in shown, "both transcripts, aligned"
    assert shown.count("+ created refunds R-9") == 2, "both end-state diffs"


def test_conversation_page_has_the_brief_the_diff_and_other_runs(world, example_suite):
    _store, client, *_ = world
    shown = text(client.get("/conversations/cand:fraud-repeat-refunds:0").text)
    scenario = next(s for s in example_suite.scenarios if s.id == "fraud-repeat-refunds")
    assert "Conversation Fourth refund request in a month" in shown
    assert f"desired outcome {' '.join(scenario.desired_outcome.split())}" in shown
    assert '+ created refunds R-9 {"amount": 12.5, "order_id": "O-1"}' in shown
    assert "base (base, agent openai:old-bot)" in shown


def test_history_filters_by_agent_and_label(world):
    _store, client, *_ = world
    assert "1 runs matching" in text(client.get("/", params={"agent": "openai:old-bot"}).text)
    both = text(client.get("/history/food-delivery").text)
    assert "refund_only_when_eligible · last 62%" in both
    old = text(client.get("/history/food-delivery", params={"agent": "openai:old-bot"}).text)
    assert "refund_only_when_eligible · last 100%" in old and "cand" not in old.split("All evaluations")[1]
    assert "match the filter" in text(client.get("/history/food-delivery", params={"label": "zzz"}).text)


def test_runs_lists_the_agent_and_deletes_a_run_from_the_cli(world):
    store, _client, _base, _run, db = world
    listed = runner.invoke(app, ["runs", "--db", str(db)], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "openai:old-bot" in listed.output and "openai:bot" in listed.output
    old = runner.invoke(app, ["runs", "--db", str(db), "--agent", "openai:old-bot", "--json"])
    assert [r["run"]["id"] for r in json.loads(old.stdout)["runs"]] == ["base"]
    refused = runner.invoke(app, ["runs", "delete", "base", "--db", str(db)], input="n\n")
    assert refused.exit_code == 1 and store.get_run("base")
    deleted = runner.invoke(app, ["runs", "delete", "base", "--yes", "--db", str(db)])
    assert deleted.exit_code == 0, deleted.output
    assert "deleted run base (base) and 8 conversations" in deleted.output
    assert [r.id for r in store.list_runs()] == ["cand"] and store.conversation_ids("base") == set()
    assert store.verdicts("base") == []
    missing = runner.invoke(app, ["runs", "delete", "base", "--yes", "--db", str(db)])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_the_viewer_deletes_a_run_only_with_token_same_origin_and_confirmation(world):
    store, client, *_ = world
    token = TOKEN.findall(client.get("/runs/base").text)[0]
    assert client.post("/runs/base/delete", data={"confirm": "base"}).status_code == 403, "no token"
    cross = client.post(
        "/runs/base/delete", data={"confirm": "base", "csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    assert client.post("/runs/base/delete", data={"confirm": "nope", "csrf_token": token}).status_code == 422
    assert store.get_run("base")
    done = client.post("/runs/base/delete", data={"confirm": "base", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/?deleted=base"
    assert [r.id for r in store.list_runs()] == ["cand"]
    assert client.get("/runs/base").status_code == 404


def test_ids_holding_a_slash_reach_their_pages_and_files(tmp_path):
    store = Store.open(str(tmp_path / "slash.db"))
    store_run(store, "r1", {"billing/late?#x": ["fail"]}, suite="team/food")
    client = TestClient(create_app(store), base_url=LOCAL)
    run_page = client.get("/runs/r1").text
    [link] = rows(run_page)
    assert link == "r1%3Abilling/late%3F%23x%3A0"
    assert client.get(f"/conversations/{link}").status_code == 200
    assert client.get("/conversations/r1%3Abilling%2Flate%3F%23x%3A0").status_code == 200, "fully encoded too"
    assert 'href="/history/team/food"' in run_page
    for path in ("/history/team/food", "/history/team%2Ffood", "/history/team/food/chart.svg"):
        assert client.get(path).status_code == 200, path
    out = tmp_path / "site"
    exported = runner.invoke(app, ["export-html", "r1", "--out", str(out), "--db", str(tmp_path / "slash.db")])
    assert exported.exit_code == 0, exported.output
    [conversation] = (out / "conversations").iterdir()
    assert conversation.name.startswith("r1_billing_late_x_0-")
    assert f'href="conversations/{conversation.name}"' in (out / "index.html").read_text()


def test_the_static_export_carries_the_gate_verdict(world, tmp_path, example_suite):
    store, _client, _base, run, db = world
    out = tmp_path / "report"
    args = ["export-html", "cand", "--out", str(out), "--db", str(db), "--suite", "examples/food-delivery"]
    exported = runner.invoke(app, args)
    assert exported.exit_code == 0, exported.output
    shown = text((out / "index.html").read_text())
    expected = {r.gate: r for r in expected_gates(store, example_suite, run).results}
    policy = expected["family policy: pass rate >= 90%"]
    assert "Decision: ✘ FAIL" in shown and f"family policy: pass rate >= 90% {MARKS[policy.outcome]}" in shown
    assert "62% (5/8)" in shown and policy.detail in shown, "the gate's figures and reason"
    other = tmp_path / "other-suite"
    shutil.copytree("examples/food-delivery", other)
    (other / "suite.yaml").write_text((other / "suite.yaml").read_text().replace("name: food-delivery", "name: x"))
    wrong = runner.invoke(app, [*args[:3], str(tmp_path / "elsewhere"), *args[4:6], "--suite", str(other)])
    assert wrong.exit_code == 2, wrong.output
    assert "is suite 'x', not the run's suite 'food-delivery'" in " ".join(wrong.output.split())
    assert not (tmp_path / "elsewhere").exists()


def test_view_names_a_suite_that_does_not_load_in_one_line(tmp_path):
    refused = runner.invoke(app, ["view", "--suite", str(tmp_path / "nope"), "--db", str(tmp_path / "v.db")])
    assert refused.exit_code == 2 and "no suite.yaml here" in refused.output and "Traceback" not in refused.output


def test_the_static_comparison_links_each_regression_to_its_scenario_side_by_side(world, tmp_path):
    _store, _client, _base, _run, db = world
    out = tmp_path / "report"
    exported = runner.invoke(app, ["export-html", "cand", "--out", str(out), "--db", str(db), "--compare", "base"])
    assert exported.exit_code == 0, exported.output
    compare = (out / "compare.html").read_text()
    pairs = sorted((out / "scenarios").iterdir())
    assert [p.name.rsplit("-", 1)[0] for p in pairs] == ["fraud-repeat-refunds", "high-value-party-order-late"]
    for pair in pairs:
        assert f'href="scenarios/{pair.name}"' in compare
        assert "Backend end state" in text(pair.read_text()), "turns, verdicts and end states side by side"
        assert 'href="../index.html"' in pair.read_text() and 'href="/' not in pair.read_text()
    assert "outcome changed for refund_only_when_eligible" in text(pairs[0].read_text()), "trial 0: pass → fail"
