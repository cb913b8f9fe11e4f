"""Figures that say nothing are said to say nothing: when an LLM judge answers n/a (or errors) on most of the
conversations it was asked about, or the simulated customer mostly opened off topic, the report leads with one
line saying so and the gate (JUnit too) refuses to pass. Real runs over HTTP into a real SQLite file, and stored
fixtures for the thresholds."""

import json
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from cli.test_cli import http_world
from sparring import Outcome, Store, Verdict
from sparring.analysis.gate import GateReport
from sparring.analysis.informative import UNINFORMATIVE_GATE, uninformative
from sparring.analysis.pass_rates import run_summaries
from sparring.cli import app
from sparring.testing import StubServer
from viewer_server import one_judged_conversation

P, F, E, N = Outcome.PASS, Outcome.FAIL, Outcome.ERROR, Outcome.NOT_APPLICABLE
runner = CliRunner()
LEAD = "The figures below are not informative:"


def judge_says_na(body):
    """The scripted world over HTTP, but every judge answers n/a."""
    if (body.get("response_format") or {}).get("json_schema", {}).get("name") == "verdict":
        return {"content": json.dumps({"reasoning": "cannot tell from this transcript", "verdict": "n/a"})}
    return http_world(body)


def run_cli(example_suite, tmp_path, responder, *extra):
    db, junit = tmp_path / "runs.db", tmp_path / "junit.xml"
    with StubServer(responder) as server:
        args = ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", server.base_url]
        result = runner.invoke(app, [*args, "--scenarios", "2", "--db", str(db), "--junit", str(junit), *extra])
    return result, db, junit


def test_judges_answering_na_lead_the_report_and_fail_the_gate_and_junit(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result, db, junit = run_cli(example_suite, tmp_path, judge_says_na, "--gate", "--label", "na")
    assert result.exit_code == 1, result.output
    output = result.output
    assert LEAD in output and output.index(LEAD) < output.index("Pass rate per evaluation"), "it leads"
    assert "judge no_invented_policy answered n/a on 2 of 2 conversations" in " ".join(output.split())
    report = json.loads(runner.invoke(app, ["report", "na", "--db", str(db), "--json"]).stdout)
    assert "judge no_invented_policy answered n/a on 2 of 2 conversations" in report["uninformative"]
    assert not any("check" in reason or "opened off topic" in reason for reason in report["uninformative"])
    gated = runner.invoke(app, ["gate", str(example_suite.root), "na", "--db", str(db), "--json"])
    gate = GateReport.model_validate_json(gated.stdout)
    assert gated.exit_code == 1 and not gate.passed
    (informative,) = [r for r in gate.results if r.gate == UNINFORMATIVE_GATE]
    assert not informative.passed and informative.detail == "; ".join(report["uninformative"])
    case = ET.parse(junit).find(f".//testcase[@name='{UNINFORMATIVE_GATE}']")
    assert case is not None and "judge no_invented_policy answered n/a" in case.find("failure").get("message")


def test_judges_that_answer_give_no_line_and_the_informative_check_passes(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result, db, junit = run_cli(example_suite, tmp_path, http_world, "--label", "ok")
    assert result.exit_code == 0, result.output
    assert LEAD not in result.output
    assert json.loads(runner.invoke(app, ["report", "ok", "--db", str(db), "--json"]).stdout)["uninformative"] == []
    case = ET.parse(junit).find(f".//testcase[@name='{UNINFORMATIVE_GATE}']")
    assert case is not None and case.find("failure") is None, "the check is a passing case (JUnit and pytest agree)"
    gated = runner.invoke(app, ["gate", str(example_suite.root), "ok", "--db", str(db), "--json"])
    [informative] = [r for r in json.loads(gated.stdout)["results"] if r["gate"] == UNINFORMATIVE_GATE]
    assert informative["outcome"] == "pass"


def stored(tmp_path, outcomes, judged=()):
    """A stored run with the outcomes listed; the evaluations in `judged` are LLM judges that were asked."""
    store = Store.open(str(tmp_path / "fixture.db"))
    one_judged_conversation(store, outcomes, simulator_ids=("sim_opened_on_topic",))
    with store.engine.begin() as connection:
        for evaluation_id in judged:
            connection.exec_driver_sql(
                "UPDATE verdicts SET judge_model = 'scripted:judge' WHERE evaluation_id = ?", (evaluation_id,)
            )
    run = store.get_run("r1")
    return uninformative(store, run, run_summaries(store, run))


def test_a_customer_opening_off_topic_in_most_conversations_is_named(tmp_path):
    reasons = stored(tmp_path, {"tone": [P, P, F], "sim_opened_on_topic": [F, F, P]}, judged=["tone"])
    assert reasons == ["the simulated customer opened off topic in 2 of 3 conversations"]


def test_half_is_not_most(tmp_path):
    assert stored(tmp_path, {"tone": [P, N, E, F], "sim_opened_on_topic": [F, P]}, judged=["tone"]) == []


def test_na_answers_and_errors_count_together_never_an_na_it_was_not_asked_for(tmp_path):
    outcomes = {"tone": [N, E, P, N], "empathy": [N, N, N, P], "write_after_lookup": [N, N, N, N]}
    reasons = stored(tmp_path, outcomes, judged=["tone"])
    # tone: 2 n/a answers + 1 error of 4; empathy's n/a name no judge model (not asked: the scenario's tags)
    assert reasons == ["judge tone answered n/a or errored (2 n/a, 1 errored) on 3 of 4 conversations"]


def test_a_judge_that_mostly_errored_is_named(tmp_path):
    reasons = stored(tmp_path, {"tone": [E, E, P]}, judged=["tone"])
    assert reasons == ["judge tone errored on 2 of 3 conversations"]


def test_errored_conversations_are_the_errors_checks_not_the_judges(tmp_path):
    store = Store.open(str(tmp_path / "errored.db"))
    one_judged_conversation(store, {"tone": [P, E, E]})
    with store.engine.begin() as connection:  # only the first conversation reached the judge
        connection.exec_driver_sql("UPDATE verdicts SET judge_model = 'scripted:judge' WHERE outcome = 'pass'")
    run = store.get_run("r1")
    assert uninformative(store, run, run_summaries(store, run)) == []


def test_a_check_with_many_na_is_not_a_judge(tmp_path):
    store = Store.open(str(tmp_path / "check.db"))
    conversation = one_judged_conversation(store, {"write_after_lookup": [N]})
    assert conversation.id == "r1:s0:0"
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE verdicts SET check_name = 'checks.write_after_lookup'")
    run = store.get_run("r1")
    assert uninformative(store, run, run_summaries(store, run)) == []
    store.save_conversation(
        conversation.model_copy(update={"id": "r1:s1:0", "scenario_id": "s1"}),
        [Verdict(evaluation_id="write_after_lookup", conversation_id="r1:s1:0", outcome=N, judge_model="check:x")],
    )
    assert uninformative(store, run, run_summaries(store, run)) == [], "a legacy check verdict is a check's"


def test_a_run_judged_by_the_embedded_plumbing_model_is_not_informative_even_when_it_answers(tmp_path):
    """With its prompts read as written, SmolLM2-135M answers every judge — and passes everything: answering is
    not judging. A run judged by it says so; the same answers from another judge model do not."""
    store = Store.open(str(tmp_path / "plumbing.db"))
    one_judged_conversation(store, {"tone": [P, P, P]})
    run = store.get_run("r1")
    plumbing = "the judge is the embedded local:smollm2, a 135M model that proves the plumbing and judges nothing"
    for judge, expected in (("scripted:judge", []), ("local:smollm2", [plumbing])):
        judged = run.model_copy(update={"settings": run.settings.model_copy(update={"judge": judge})})
        assert uninformative(store, judged, run_summaries(store, judged)) == expected
