"""`sparring eval`: real transcripts judged by a suite's evaluations over a real HTTP judge, stored as a run
that compares with simulated runs; checks that need the mock backend are not applicable to them."""

import json
from pathlib import Path

from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.data_model import Outcome
from sparring.testing import StubServer

runner = CliRunner(env={"COLUMNS": "250"})
FIXTURES = Path(__file__).parents[1] / "fixtures" / "transcripts"


def judge_over_http(body):
    """Fails professional_tone when the agent says 'can't'; passes everything else."""
    prompt = body["messages"][-1]["content"]
    failing = "rude, sarcastic" in prompt and "can't cancel" in prompt
    return {"content": json.dumps({"reasoning": "stub", "verdict": "fail" if failing else "pass"})}


def test_eval_judges_jsonl_transcripts_and_stores_a_comparable_run(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = tmp_path / "eval.db"
    with StubServer(judge_over_http) as server:
        args = ["eval", str(FIXTURES / "support_chats.jsonl"), "--suite", str(example_suite.root)]
        args += ["--judge-model", "openai:stub", "--base-url", server.base_url, "--label", "prod", "--db", str(db)]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 transcripts judged" in result.output and "applicable" in result.output
    store = Store.open(str(db))
    run = store.get_run("prod")
    assert run.source.endswith("support_chats.jsonl") and run.scenario_ids == ["chat-1", "chat-2", "conversation-3"]
    verdicts = {(v.conversation_id.split(":")[1], v.evaluation_id): v for v in store.verdicts(run.id)}
    assert verdicts[("conversation-3", "professional_tone")].outcome == Outcome.FAIL
    assert verdicts[("chat-1", "professional_tone")].outcome == Outcome.PASS
    refund = verdicts[("chat-1", "refund_only_when_eligible")]
    assert refund.outcome == Outcome.NOT_APPLICABLE and "no mock-backend state" in refund.reasoning
    assert verdicts[("chat-1", "write_after_lookup")].outcome == Outcome.NOT_APPLICABLE, "no write action"
    # Applicability from the transcript's own tags: only chat-1 is tagged "late".
    assert verdicts[("chat-1", "late_refund_explained")].outcome == Outcome.PASS
    assert verdicts[("chat-2", "late_refund_explained")].outcome == Outcome.NOT_APPLICABLE
    [conversation] = [c for c in store.conversations(run.id) if c.scenario_id == "chat-1"]
    assert conversation.turns[1].tool_calls[0].result == {"eligible": True, "max_amount": 3.99}

    report = runner.invoke(app, ["report", "prod", "--db", str(db)])
    row = next(line for line in report.output.splitlines() if line.startswith("│ professional_tone"))
    cells = [c.strip() for c in row.split("│")[2:8]]
    assert cells[:5] == ["2", "1", "0", "0", "3"] and cells[5].startswith("67%")


def test_eval_reports_a_bad_transcript_file_with_its_line(example_suite, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "messages": [{"role": "robot", "content": "hi"}]}\n')
    result = runner.invoke(app, ["eval", str(bad), "--suite", str(example_suite.root), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert f"{bad}:1: message 0: unknown role 'robot'" in result.output.replace("\n", "")
    assert not (tmp_path / "x.db").exists(), "nothing written for bad input"


def test_eval_with_a_judge_model_needs_no_simulator_or_agent_model(example_suite, tmp_path, monkeypatch):
    from sparring.models import registry

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(registry, "embedded_model_available", lambda: False)  # no default model to fall back on
    db = tmp_path / "eval.db"
    with StubServer(judge_over_http) as server:
        args = ["eval", str(FIXTURES / "support_chats.jsonl"), "--suite", str(example_suite.root)]
        args += ["--judge-model", "openai:stub", "--base-url", server.base_url, "--db", str(db)]
        args += ["--eval", "professional_tone"]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    run = Store.open(str(db)).list_runs()[0]
    assert (run.settings.simulator, run.settings.agent, run.settings.judge) == ("none", "none", "openai:stub")
