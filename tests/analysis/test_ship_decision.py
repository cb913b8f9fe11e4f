"""The ship decision fails closed (issue 27 items 1-5): runs built to a known truth in a real SQLite file, judged
by the real `sparring gate` and `sparring compare --json`. Each case was green or "no change" before."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.cli.app import app
from sparring.data_model import ModelSettings, Run

runner = CliRunner(env={"COLUMNS": "250"})
POLICY = ["refund_only_when_eligible", "refund_within_limits"]  # family policy in the demo suite
SETTINGS = ModelSettings(simulator="m", agent="m", judge="m")

Trials = dict[str, dict[str, list[str]]]  # evaluation -> scenario -> one outcome per trial


def store_run(store: Store, run_id: str, outcomes: Trials, settings: ModelSettings = SETTINGS) -> None:
    """A run of the demo suite whose evaluations have, per scenario, one outcome per trial (error, n/a included);
    a trial whose outcome is `error` in every evaluation is a conversation that ended in an error."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    scenarios = sorted({s for per in outcomes.values() for s in per})
    trials = max(len(t) for per in outcomes.values() for t in per.values())
    run = Run(
        id=run_id, label=run_id, suite="food-delivery", settings=settings, clock=now, started_at=now, finished_at=now,
        trials=trials, seed=7, scenario_ids=scenarios, evaluation_ids=list(outcomes),
    )  # fmt: skip
    store.save_run(run)
    for scenario in scenarios:
        for trial in range(trials):
            cid = f"{run_id}:{scenario}:{trial}"
            verdicts = [
                Verdict(evaluation_id=e, conversation_id=cid, outcome=Outcome(per[scenario][trial]))
                for e, per in outcomes.items()
                if scenario in per
            ]
            crashed = all(v.outcome == Outcome.ERROR for v in verdicts)
            end = EndReason.ERROR if crashed else EndReason.RESOLVED
            conversation = Conversation(id=cid, run_id=run_id, scenario_id=scenario, trial=trial, end_reason=end)
            store.save_conversation(conversation, verdicts)


def suite_with_gates(suite_copy: Path, gates: str, max_error_rate: float = 0.0) -> Path:
    """The demo suite with its gates replaced."""
    path = suite_copy / "suite.yaml"
    text = path.read_text().split("\ngates:")[0].split("\nmax_error_rate:")[0]
    path.write_text(f"{text}\nmax_error_rate: {max_error_rate}\ngates:\n{gates}")
    return suite_copy


def everywhere(outcome: str, scenarios: int = 50, trials: int = 3) -> dict[str, list[str]]:
    return {f"s{i:02}": [outcome] * trials for i in range(scenarios)}


def gate(suite: Path, db: Path, run: str, *more: str):
    return runner.invoke(app, ["gate", str(suite), run, "--db", str(db), *more])


def compared(db: Path, *more: str) -> dict:
    result = runner.invoke(app, ["compare", "a", "b", "--db", str(db), "--json", *more])
    assert result.exit_code == 0, result.output
    return {c["evaluation_id"]: c for c in json.loads(result.stdout)["comparisons"]}


def test_three_of_fifty_scenarios_breaking_is_not_green(suite_copy, tmp_path):
    """3 scenarios go 3/3 → 0/3, 47 unchanged: the old sign-flip test saw only the 3 (p = 0.25) and passed."""
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    broken = everywhere("pass") | {f"s{i:02}": ["fail"] * 3 for i in range(3)}
    store_run(store, "a", {POLICY[0]: everywhere("pass")})
    store_run(store, "b", {POLICY[0]: broken})
    suite = suite_with_gates(suite_copy, "  - no_regression_vs: a\n")
    gated = gate(suite, db, "b", "--json")
    assert gated.exit_code == 3, gated.output
    [regression] = [r for r in json.loads(gated.stdout)["results"] if r["gate"].startswith("all:")]
    assert regression["outcome"] == "inconclusive" and regression["evaluation_ids"] == [POLICY[0]]
    assert "only with ≈" in regression["reason"] and "scenarios × 3 trials" in regression["reason"]
    decided = compared(db)[POLICY[0]]
    assert decided["outcome"] == "inconclusive" and decided["shared_scenarios"] == 50, "unchanged ones are in"
    assert decided["lower_bound"] < -0.05 < decided["difference"] + 0.05


def test_errors_exactly_where_b_broke_count_against_b(suite_copy, tmp_path):
    """B's verdicts error on the 10 scenarios it broke: the errors are not left out, they count as fails."""
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    errored = everywhere("pass") | {f"s{i:02}": ["error"] * 3 for i in range(10)}
    store_run(store, "a", {POLICY[0]: everywhere("pass"), POLICY[1]: everywhere("pass")})
    store_run(store, "b", {POLICY[0]: errored, POLICY[1]: everywhere("pass")})
    decided = compared(db)[POLICY[0]]
    assert decided["outcome"] == "fail" and decided["difference"] == pytest.approx(-0.2)
    assert len(decided["errored"]) == 10 and decided["regressions"] == decided["errored"]
    strict = gate(suite_with_gates(suite_copy, "  - no_regression_vs: a\n"), db, "b", "--json")
    assert strict.exit_code == 1, strict.output
    [regression] = [r for r in json.loads(strict.stdout)["results"] if r["gate"].startswith("all:")]
    assert regression["errored"] and "errored verdicts above max_error_rate 0%" in regression["reason"]
    tolerant = gate(suite_with_gates(suite_copy, "  - no_regression_vs: a\n", 0.2), db, "b", "--json")
    assert tolerant.exit_code == 1, "within the error budget, the errors still count as fails"
    [regression] = [r for r in json.loads(tolerant.stdout)["results"] if r["gate"].startswith("all:")]
    assert regression["outcome"] == "fail" and not regression["errored"]


def test_crashed_conversations_in_b_count_against_b(suite_copy, tmp_path):
    """10 of 50 conversations of B crash (every verdict errored); max_error_rate 0.2 tolerates the share, but B
    lost 20 points where A passed: fail."""
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    crashed = everywhere("pass", trials=1) | {f"s{i:02}": ["error"] for i in range(10)}
    store_run(store, "a", {e: everywhere("pass", trials=1) for e in POLICY})
    store_run(store, "b", {e: crashed for e in POLICY})
    gated = gate(suite_with_gates(suite_copy, "  - no_regression_vs: a\n", 0.2), db, "b")
    assert gated.exit_code == 1 and "significantly below −5 points" in gated.output.replace("\n", " ")


def test_n_a_to_fail_is_a_regression_and_pass_to_n_a_is_coverage_lost(suite_copy, tmp_path):
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    before = everywhere("pass") | {f"s{i:02}": ["not_applicable"] * 3 for i in range(8)}
    after = everywhere("pass") | {f"s{i:02}": ["fail"] * 3 for i in range(8)}
    lost = everywhere("pass") | {"s49": ["not_applicable"] * 3}
    store_run(store, "a", {POLICY[0]: before, POLICY[1]: everywhere("pass")})
    store_run(store, "b", {POLICY[0]: after, POLICY[1]: lost})
    result = compared(db)
    assert result[POLICY[0]]["applicability_regressions"] == [f"s{i:02}" for i in range(8)]
    # 8 of 50 scenarios from n/a to 0/3: −16 points, but the sign-flip test of 8 changes cannot go below 2/256
    assert result[POLICY[0]]["difference"] == pytest.approx(-0.16) and result[POLICY[0]]["outcome"] == "inconclusive"
    assert result[POLICY[0]]["shown"]["s00"] == "n/a → 0/3 fail" and result[POLICY[0]]["lower_bound"] < -0.05
    assert result[POLICY[1]]["coverage_lost"] == ["s49"] and result[POLICY[1]]["outcome"] == "inconclusive"
    terminal = runner.invoke(app, ["compare", "a", "b", "--db", str(db)]).output
    assert terminal.count("│ n/a → fail ") == 8 and terminal.count("│ coverage lost (→ n/a) ") == 1
    gated = gate(suite_with_gates(suite_copy, "  - family: policy\n    no_regression_vs: a\n"), db, "b", "--json")
    [regression] = json.loads(gated.stdout)["results"][2:]
    assert gated.exit_code == 3 and regression["outcome"] == "inconclusive"
    assert "n/a → fail: 8 scenarios; coverage lost (pass/fail → n/a): 1" in regression["detail"]


def test_22_of_24_against_90_percent_is_inconclusive_and_junit_says_so(suite_copy, tmp_path):
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    store_run(store, "b", {POLICY[0]: everywhere("pass", 24, 1) | {"s00": ["fail"], "s01": ["fail"]}})
    junit = tmp_path / "junit.xml"
    suite = suite_with_gates(suite_copy, f"  - evaluation: {POLICY[0]}\n    min_pass_rate: 0.9\n")
    gated = gate(suite, db, "b", "--junit", str(junit))
    assert gated.exit_code == 3 and "inconclusive: 90% lies inside the 95% interval [73.0%, 99.0%]" in gated.output
    assert "92% (22/24)" in gated.output, "the estimate beside the bound"
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    failure = cases[f"evaluation {POLICY[0]}: pass rate >= 90%"].find("failure")
    assert failure is not None and failure.get("message").startswith("inconclusive: 90% lies inside")
    assert cases[POLICY[0]].find("failure") is not None, "an evaluation gate charges its evaluation"
    on_estimate = f"  - evaluation: {POLICY[0]}\n    min_pass_rate: 0.9\n    decide_on: estimate\n"
    assert gate(suite_with_gates(suite_copy, on_estimate), db, "b").exit_code == 0, "only when the suite says so"


def test_junit_names_the_real_agent_and_reports_a_family_gate_once(suite_copy, tmp_path):
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    http = SETTINGS.model_copy(update={"agent_kind": "http", "agent_target": "http://127.0.0.1:9/v1"})
    store_run(store, "b", {POLICY[0]: everywhere("fail", 30, 1), POLICY[1]: everywhere("pass", 30, 1)}, settings=http)
    junit = tmp_path / "junit.xml"
    gated = gate(
        suite_with_gates(suite_copy, "  - family: policy\n    min_pass_rate: 0.9\n"), db, "b", "--junit", str(junit)
    )
    assert gated.exit_code == 1, gated.output
    root = ET.parse(junit).getroot()
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["agent"] == "http: http://127.0.0.1:9/v1" and properties["outcome"] == "fail"
    failures = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failures == ["family policy: pass rate >= 90%"], "once, on the gate, not on every evaluation"


def test_report_json_carries_pass_hat_k_with_its_interval(tmp_path):
    db = tmp_path / "runs.db"
    store = Store.open(str(db))
    store_run(store, "b", {POLICY[0]: everywhere("pass", 10) | {"s00": ["pass", "fail", "pass"]}})
    report = json.loads(runner.invoke(app, ["report", "b", "--db", str(db), "--json"]).stdout)
    [figures] = report["trials"]
    assert figures["flaky"] == ["s00"] and [p["k"] for p in figures["pass_hat_k_intervals"]] == [1, 2, 3]
    pass_3 = figures["pass_hat_k_intervals"][2]
    assert (
        pass_3["estimate"] == pytest.approx(0.9) and pass_3["low"] < 0.9 < pass_3["high"] and pass_3["scenarios"] == 10
    )
    terminal = runner.invoke(app, ["report", "b", "--db", str(db)]).output
    assert f"90% [{pass_3['low']:.0%}, {pass_3['high']:.0%}]" in terminal
