"""Simulator fidelity: attribution of chatbot failures to the simulator, re-simulation of suspects, the
realism report (every figure, JSON and chart), the classifier two-sample test, offline vs online."""

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.test_cli import http_world
from sparring import Outcome, Verdict
from sparring.analysis import summarize
from sparring.analysis.fidelity import classifier_two_sample, online_comparison
from sparring.analysis.pass_rates import EvaluationSummary
from sparring.cli import app
from sparring.testing import StubServer
from sparring.transcripts import read_transcripts

runner = CliRunner(env={"COLUMNS": "250"})
CHATS = Path(__file__).resolve().parents[2] / "examples" / "food-delivery" / "transcripts" / "past_chats.jsonl"


def verdict(conversation: str, evaluation: str, outcome: str) -> Verdict:
    return Verdict(evaluation_id=evaluation, conversation_id=conversation, outcome=Outcome(outcome))


def test_a_chatbot_failure_where_the_simulator_failed_is_counted_as_suspect():
    verdicts = [
        verdict("a", "sim_no_invented_facts", "fail"), verdict("a", "tone", "fail"),
        verdict("b", "sim_no_invented_facts", "pass"), verdict("b", "tone", "fail"),
        verdict("c", "sim_no_invented_facts", "pass"), verdict("c", "tone", "pass"),
        verdict("d", "sim_no_invented_facts", "fail"), verdict("d", "tone", "pass"),
    ]  # fmt: skip
    plain = {s.evaluation_id: s for s in summarize(verdicts)}
    assert plain["tone"].suspect_failed == 0 and plain["tone"].trusted_pass_rate == pytest.approx(0.5)
    attributed = {s.evaluation_id: s for s in summarize(verdicts, simulator_ids=["sim_no_invented_facts"])}
    tone = attributed["tone"]
    assert (tone.passed, tone.failed, tone.suspect_failed, tone.suspect_passed) == (2, 2, 1, 1)
    assert tone.pass_rate == pytest.approx(0.5) and tone.trusted_pass_rate == pytest.approx(0.5), "b fail, c pass"
    assert attributed["sim_no_invented_facts"].suspect_failed == 0, "the simulator's own checks are not suspect"


def test_run_marks_suspects_and_resimulate_suspect_runs_only_those(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = str(tmp_path / "sim.db")
    common = ["--model", "openai:stub", "--db", db, "--eval", "sim_facts_when_asked", "--eval", "professional_tone"]
    with StubServer(http_world) as server:
        first = runner.invoke(
            app, ["run", str(example_suite.root), "--label", "base", "--base-url", server.base_url, *common]
        )
        assert first.exit_code == 0, first.output
        assert "suspect (simulator) fails" in first.output and "pass rate w/o suspect" in first.output
        again = runner.invoke(
            app,
            ["run", str(example_suite.root), "--resimulate-suspect", "base", "--base-url", server.base_url, *common],
        )
    assert again.exit_code == 0, again.output
    from sparring import Store

    store = Store.open(db)
    base, resimulated = store.get_run("base"), store.get_run("base-resimulated")
    suspects = {v.conversation_id.split(":")[1] for v in store.verdicts(base.id)
                if v.evaluation_id == "sim_facts_when_asked" and v.outcome == Outcome.FAIL}  # fmt: skip
    assert suspects and set(resimulated.scenario_ids) == suspects
    assert base.simulator_evaluation_ids == ["sim_facts_when_asked"]
    from fastapi.testclient import TestClient

    from sparring.viewer import create_app

    page = TestClient(create_app(store), base_url="http://127.0.0.1").get(f"/runs/{base.id}").text
    assert "suspect (simulator) fails" in page and page.count("suspect (simulator)</span>") == len(suspects)


def test_classifier_two_sample_test_is_near_chance_on_one_source_and_high_on_different_ones():
    messages = [t.content for tr in read_transcripts(CHATS).transcripts for t in tr.turns if t.role == "customer"]
    rng = random.Random(1)
    rng.shuffle(messages)
    half = len(messages) // 2
    same, _ = classifier_two_sample(messages[:half], messages[half:], seed=3)
    templated = [f"Hello, my order O-{rng.randint(1000, 9999)} has a problem." for _ in range(half)]
    different, n = classifier_two_sample(messages[:half], templated, seed=3)
    assert 0.25 <= same <= 0.75, same
    assert different >= 0.95 and n == 2 * half
    assert classifier_two_sample(["a"], ["b"]) == (None, 2)


def test_offline_online_correlation_matches_scipy():
    from scipy import stats

    def summary(evaluation: str, passed: int, failed: int) -> EvaluationSummary:
        return EvaluationSummary(evaluation_id=evaluation, passed=passed, failed=failed)

    simulated = [summary("a", 9, 1), summary("b", 5, 5), summary("c", 2, 8), summary("d", 7, 3), summary("e", 0, 0)]
    real = [summary("a", 8, 2), summary("b", 6, 4), summary("c", 1, 9), summary("d", 4, 6)]
    rows, pearson, spearman = online_comparison(simulated, real)
    assert [r.evaluation_id for r in rows] == ["a", "b", "c", "d", "e"]
    assert rows[0].difference == pytest.approx(-0.1) and rows[4].real is None
    x, y = [0.9, 0.5, 0.2, 0.7], [0.8, 0.6, 0.1, 0.4]
    assert pearson == pytest.approx(stats.pearsonr(x, y).statistic)
    assert spearman == pytest.approx(stats.spearmanr(x, y).statistic)


def test_fidelity_report_has_every_figure(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = str(tmp_path / "fid.db")
    with StubServer(http_world) as server:
        url = ["--model", "openai:stub", "--base-url", server.base_url, "--db", db]
        ran = runner.invoke(
            app, ["run", str(example_suite.root), "--label", "sim", "--eval", "professional_tone", *url]
        )
        assert ran.exit_code == 0, ran.output
        judged = runner.invoke(
            app,
            ["eval", str(CHATS), "--suite", str(example_suite.root), "--label", "prod", "--eval", "professional_tone",
             "--judge-model", "openai:stub", "--base-url", server.base_url, "--db", db],
        )  # fmt: skip
        assert judged.exit_code == 0, judged.output
    chart, report_file = tmp_path / "fidelity.png", tmp_path / "fidelity.json"
    args = ["fidelity", "sim", "--real", str(CHATS), "--suite", str(example_suite.root), "--online", "prod"]
    result = runner.invoke(app, [*args, "--plot", str(chart), "--json", str(report_file), "--db", db])
    assert result.exit_code == 0, result.output
    for figure in ("turns per conversation", "words per customer message", "escalation rate", "satisfied ending rate",
                   "conversations with tool calls", "vocabulary overlap", "classifier two-sample test",
                   "Offline (simulated) vs online (real) pass rates"):  # fmt: skip
        assert figure in result.output, figure
    report = json.loads(report_file.read_text())
    assert (
        report["simulated"]["conversations"] == len(example_suite.scenarios) and report["real"]["conversations"] == 32
    )
    assert report["classifier_accuracy"] > 0.9, "the scripted customer's one templated line is easy to tell apart"
    assert report["online"][0]["evaluation_id"] == "professional_tone"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fidelity_refuses_an_unknown_chart_format(tmp_path):
    result = runner.invoke(app, ["fidelity", "x", "--real", str(CHATS), "--plot", str(tmp_path / "c.pdf")])
    assert result.exit_code == 2 and "written as .png or .svg" in result.output
    assert not (tmp_path / "c.pdf").exists()
