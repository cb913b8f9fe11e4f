"""Traces through the commands: `sparring eval` judges OpenTelemetry/LangSmith conversations over a real HTTP
judge with tool-use evaluations applying to their tool calls; `sparring scenarios extract` refuses a bad span
or an unknown --session-attribute in one line before any model call."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.data_model import Outcome
from sparring.testing import StubServer

runner = CliRunner(env={"COLUMNS": "250"})
TRACES = Path(__file__).parents[1] / "fixtures" / "traces"


def passing_judge(body):
    return {"content": json.dumps({"reasoning": "stub", "verdict": "pass"})}


def test_eval_judges_otel_sessions_and_tool_use_evaluations_apply(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = tmp_path / "eval.db"
    with StubServer(passing_judge) as server:
        args = ["eval", str(TRACES / "otel_genai.jsonl"), "--suite", str(example_suite.root), "--label", "otel"]
        args += ["--judge-model", "openai:stub", "--base-url", server.base_url, "--db", str(db)]
        result = runner.invoke(app, [*args, "--session-attribute", "session.id"])
    assert result.exit_code == 0, result.output
    assert "2 transcripts judged" in result.output
    store = Store.open(str(db))
    run = store.get_run("otel")
    verdicts = {(v.conversation_id.split(":")[1], v.evaluation_id): v for v in store.verdicts(run.id)}
    refund = verdicts[("sess-7f3a", "eligibility_checked_before_refund")]
    assert refund.outcome == Outcome.FAIL and "issue_refund on O-2002" in refund.reasoning
    assert verdicts[("sess-7f3a", "write_after_lookup")].outcome == Outcome.PASS
    assert verdicts[("sess-7f3a", "valid_tool_calls")].outcome == Outcome.PASS
    [conversation] = [c for c in store.conversations(run.id) if c.scenario_id == "sess-7f3a"]
    assert conversation.turns[3].tool_calls[0].error == "refund above the agent limit"


def test_eval_skips_a_bad_langsmith_line_and_counts_it(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    runs = tmp_path / "runs.jsonl"
    shutil.copy(TRACES / "langsmith_runs.jsonl", runs)
    with runs.open("a") as handle:
        handle.write('{"id": "r9", "name": "oops"}\n')
    with StubServer(passing_judge) as server:
        args = ["eval", str(runs), "--suite", str(example_suite.root), "--skip-bad", "--db", str(tmp_path / "e.db")]
        result = runner.invoke(app, [*args, "--judge-model", "openai:stub", "--base-url", server.base_url])
    assert result.exit_code == 0, result.output
    assert f"skipped {runs}:6: not a LangSmith run (no run_type)" in result.output.replace("\n", "")
    assert "2 transcripts judged (1 skipped)" in result.output


def test_extract_refuses_a_bad_span_before_any_model_call_and_writes_nothing(example_suite, tmp_path):
    spans = [{"traceId": "t1", "spanId": "ab12", "attributes": [{"key": "gen_ai.input.messages", "value": {}}]}]
    spans[0]["attributes"][0]["value"] = {"stringValue": json.dumps([{"role": "robot", "parts": []}])}
    traces = tmp_path / "traces.jsonl"
    traces.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n")
    out = tmp_path / "extracted"
    requests: list = []
    with StubServer(lambda body: requests.append(body) or {"content": "{}"}) as server:
        args = ["scenarios", "extract", str(traces), "--suite", str(example_suite.root), "--out", str(out)]
        result = runner.invoke(app, [*args, "--model", "openai:stub", "--base-url", server.base_url])
        unknown = runner.invoke(app, [*args, "--session-attribute", "tenant", "--model", "openai:stub"])
    assert result.exit_code == 2 and requests == [] and not out.exists()
    assert result.output.replace("\n", "").startswith(
        f"error: {traces}: span ab12: gen_ai.input.messages[0]: unknown role 'robot'"
    )
    assert unknown.exit_code == 2
    assert unknown.output.replace("\n", "") == f"error: {traces}: no span has 'tenant' (--session-attribute)"
