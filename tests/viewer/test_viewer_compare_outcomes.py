"""The viewer's compare page (live and exported) decides as `sparring compare --json` does: per evaluation the
outcome against the margin with its reason and lower bound, failing evaluations first, n/a → fail and coverage
lost listed with links to the scenario side by side, and a headline from the outcomes (real SQLite file)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sparring import Conversation, Outcome, Run, Store, Verdict
from sparring.analysis.compare_report import comparison_outcome
from sparring.analysis.paired_comparison import EvaluationComparison
from sparring.cli.app import app
from sparring.data_model import RunStatus
from sparring.data_model.run import ModelSettings
from sparring.viewer import create_app
from sparring.viewer.export import COMPARE, SCENARIOS, export_site

SCENARIOS_N = 12
ROW = re.compile(r'<tr class="row-(\w+)" id="evaluation-([\w-]+)">')


def store_run(store: Store, run_id: str, outcomes: dict[str, dict[str, list[str]]], hours: int = 0) -> Run:
    """A completed run: evaluation -> scenario -> one outcome per trial."""
    start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=hours)
    run = Run(
        id=run_id,
        label=run_id,
        suite="s",
        settings=ModelSettings(simulator="m", agent="m", judge="m"),
        status=RunStatus.COMPLETED,
        evaluation_ids=sorted(outcomes),
        trials=3,
        clock=start,
        started_at=start,
        seed=7,
    )
    store.save_run(run)
    scenarios = sorted({s for per in outcomes.values() for s in per})
    for scenario in scenarios:
        for trial in range(3):
            cid = f"{run_id}:{scenario}:{trial}"
            verdicts = [
                Verdict(evaluation_id=e, conversation_id=cid, outcome=Outcome(per[scenario][trial]))
                for e, per in outcomes.items()
                if scenario in per
            ]
            store.save_conversation(Conversation(id=cid, run_id=run_id, scenario_id=scenario, trial=trial), verdicts)
    return run


def planted(store: Store) -> None:
    """Run a and run b of one suite: `drops` falls on 8 of 12 scenarios, `steady` is unchanged, `risky` (n/a in
    every trial of A) fails on 8 scenarios of B, `covered` is judged in A and n/a in B on 3 scenarios."""
    names = [f"s{i:02}" for i in range(SCENARIOS_N)]
    passed, failed, na = ["pass"] * 3, ["fail"] * 3, ["not_applicable"] * 3
    a = {
        "drops": {s: passed for s in names},
        "steady": {s: passed for s in names},
        "risky": {s: na for s in names},
        "covered": {s: passed for s in names},
    }
    b = {
        "drops": {s: failed if i < 8 else passed for i, s in enumerate(names)},
        "steady": {s: passed for s in names},
        "risky": {s: failed if i < 8 else na for i, s in enumerate(names)},
        "covered": {s: na if i < 3 else passed for i, s in enumerate(names)},
    }
    store_run(store, "a", a)
    store_run(store, "b", b, hours=1)


def test_compare_page_decides_as_compare_json(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.db")
    store = Store.open(db)
    planted(store)
    result = CliRunner().invoke(app, ["compare", "a", "b", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    expected = {c["evaluation_id"]: c for c in report["comparisons"]}
    assert {e: c["outcome"] for e, c in expected.items()} == {
        "covered": "inconclusive",
        "drops": "fail",
        "risky": "fail",
        "steady": "pass",
    }, "the planted truth, as the CLI decides it"
    html = TestClient(create_app(store), base_url="http://127.0.0.1").get("/compare?a=a&b=b").text
    rows = ROW.findall(html)
    assert {e: o for o, e in rows} == {e: c["outcome"] for e, c in expected.items()}
    assert [e for _, e in rows] == ["risky", "drops", "covered", "steady"], "fails first, larger drop first"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&gt;", ">").replace("&#39;", "'")
    assert "Comparison: ✘ FAIL (margin 5 points)" in text
    assert "fail: 2 of 4 evaluations dropped significantly more than the 5-point margin (risky, drops)" in text
    assert report["outcome"] == "fail" and report["headline"] in text, "the headline compare --json prints"
    terminal = CliRunner().invoke(app, ["compare", "a", "b", "--db", db], terminal_width=200).output
    assert report["headline"] in " ".join(terminal.split())
    for c in expected.values():
        assert c["reason"] in text, c["reason"]
        bound = f"{c['lower_bound'] * 100:+.1f}".replace("-", "−")
        assert bound in text
    side = "/compare/scenario?a=a&amp;b=b&amp;scenario="
    assert re.search(r"<strong>n/a → fail \(8\):</strong>\s*<a href=\"" + re.escape(side) + "s00", html)
    assert re.search(r"<strong>coverage lost \(→ n/a\) \(3\):</strong>\s*<a href=\"" + re.escape(side) + "s00", html)
    assert "s00 (n/a → 0/3 fail)" in text and "s00 (3/3 pass → n/a)" in text


def test_margin_changes_the_decision_and_the_export_shows_the_same(tmp_path: Path) -> None:
    store = Store.open(str(tmp_path / "runs.db"))
    planted(store)
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    wide = client.get("/compare?a=a&b=b&margin=80").text
    assert "(margin 80 points)" in wide and dict((e, o) for o, e in ROW.findall(wide))["drops"] != "fail"
    assert client.get("/compare?a=a&b=b&margin=101").status_code == 422
    export_site(store, store.get_run("b"), tmp_path / "site", store.get_run("a"))
    exported = (tmp_path / "site" / COMPARE).read_text()
    live = client.get("/compare?a=a&b=b").text
    assert ROW.findall(exported) == ROW.findall(live)
    linked = {p.name.split("-")[0] for p in (tmp_path / "site" / SCENARIOS).iterdir()}
    assert {f"s{i:02}" for i in range(SCENARIOS_N)} - {"s08", "s09", "s10", "s11"} <= linked
    assert 'href="scenarios/s00-' in exported, "side by side linked as a file"


def comparison(outcome: str | None) -> EvaluationComparison:
    return EvaluationComparison(
        evaluation_id=f"e-{outcome}",
        shared_scenarios=5,
        pass_rate_a=1.0,
        pass_rate_b=1.0,
        difference=0.0,
        ci_low=0.0,
        ci_high=0.0,
        p_value=1.0,
        verdict="no detectable change",
        regressions=[],
        fixes=[],
        outcome=outcome,
    )


def test_headline_is_fail_then_inconclusive_then_pass() -> None:
    assert comparison_outcome([comparison("pass"), comparison(None)], 0.05)[0] == "pass"
    assert comparison_outcome([comparison("pass"), comparison("inconclusive")], 0.05)[0] == "inconclusive"
    both = [comparison("inconclusive"), comparison("fail"), comparison("pass")]
    assert comparison_outcome(both, 0.05) == (
        "fail",
        "fail: 1 of 3 evaluations dropped significantly more than the 5-point margin (e-fail); 1 inconclusive",
    )
    assert comparison_outcome([comparison(None)], 0.05)[0] == "inconclusive", "nothing decided is never a pass"
    assert "within the 2-point margin" in comparison_outcome([comparison("pass")], 0.02)[1]
