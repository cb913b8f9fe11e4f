"""A command that produced none of what it was asked for exits 1 and lists why, item by item; partial
success exits 0 with the rejections listed (issue 23, item 2). The real CLI on real SQLite files; the model
is scripted (a provider registered here) or served over real HTTP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import discover_world  # noqa: F401  (registers the scripted describer, disco:describer)
from extraction.test_extraction import CHAT, answer, chats_file
from scripted_world import world_pool, world_reply
from sparring import ChatRequest, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.cli import app
from sparring.models import register_provider
from sparring.testing import StubServer

runner = CliRunner(env={"COLUMNS": "250"})
JUDGED = "no_invented_policy"
BROKEN = ["--judge-model", "emptyout:broken"]
WORKING = ["--judge-model", "emptyout:world"]
DESCRIBER = ["--judge-model", "disco:describer"]


def _broken(request: ChatRequest) -> str:
    return "I would rather not answer in JSON."


@register_provider("emptyout")
def _provider(model: str, base_url: str | None) -> ScriptedModel:
    return ScriptedModel(world_reply if model == "world" else _broken, name=f"emptyout:{model}")


def cli(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def stored_run(example_suite, tmp_path: Path) -> tuple[str, str]:
    """A run of two scenarios judged by the scripted world: (database file, run id)."""
    db = str(tmp_path / "runs.db")
    options = RunOptions(
        label="base", scenarios=2, evaluation_ids=[JUDGED], cache=False, models=RoleOverrides(model="scripted:world")
    )
    result = asyncio.run(run_suite(example_suite, Store.open(db), options, world_pool()))
    return db, result.run.id


def test_extract_with_every_transcript_rejected_exits_1_and_says_why(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    second = {"id": "h-2", "messages": [{"role": "user", "content": "Calmly: my order O-7001 is late, second time."}]}
    chats = chats_file(tmp_path, CHAT, second)
    working = {"on": False}

    def extractor(body):
        good = working["on"] and "second time" not in body["messages"][0]["content"]
        return {"content": json.dumps(answer()) if good else "not json at all"}

    with StubServer(extractor) as server:
        base = ["scenarios", "extract", str(chats), "--suite", str(example_suite.root)]
        model = ["--model", "openai:stub", "--base-url", server.base_url]
        none = cli(*base, "--out", str(tmp_path / "none"), *model)
        working["on"] = True
        some = cli(*base, "--out", str(tmp_path / "some"), *model)
    assert none.exit_code == 1, none.output
    assert "0 of 2 transcripts became scenarios" in none.output
    assert "rejected h-1: " in none.output and "rejected h-2: " in none.output and "no JSON object" in none.output
    assert "error: no scenario extracted: all 2 transcripts were rejected" in none.output
    assert not list((tmp_path / "none").glob("*.yaml"))
    assert some.exit_code == 0, some.output
    assert "1 of 2 transcripts became scenarios" in some.output and "rejected h-2: " in some.output
    assert [f.name for f in (tmp_path / "some").glob("*.yaml")] == ["x-h-1.yaml"]


def test_eval_with_every_verdict_an_error_exits_1_and_lists_them(example_suite, tmp_path):
    chats = chats_file(tmp_path, CHAT, {**CHAT, "id": "h-2"})
    common = ["eval", str(chats), "--suite", str(example_suite.root), "--eval", JUDGED, "--db", str(tmp_path / "e.db")]
    failed = cli(*common, *BROKEN, "--label", "broken")
    assert failed.exit_code == 1, failed.output
    assert "2 transcripts judged" in failed.output, "the run is still reported"
    run = Store.open(str(tmp_path / "e.db")).get_run("broken")
    for conversation in ("h-1", "h-2"):
        assert f"error {run.id}:{conversation}:0 {JUDGED}: judge failed after 3 attempts: no JSON" in failed.output
    assert f"error: run {run.id} has no pass or fail verdict (2 error)" in failed.output
    judged = cli(*common, *WORKING, "--label", "working")
    assert judged.exit_code == 0, judged.output
    assert "error:" not in judged.output


def test_eval_lists_the_first_errors_and_counts_the_rest_without_loading_the_verdicts(
    example_suite, tmp_path, monkeypatch
):
    """The check after `eval` reads counts and the first 20 errors from the database: loading every verdict of a
    20,000-conversation eval to say so pushed its peak memory from 457 MB to 579 MB (bench/import_scale.py)."""
    chats = chats_file(tmp_path, *({**CHAT, "id": f"h-{i}"} for i in range(23)))
    monkeypatch.setattr(Store, "verdicts", lambda self, run_id: pytest.fail("every verdict of the run was loaded"))
    args = ["eval", str(chats), "--suite", str(example_suite.root), "--eval", JUDGED, "--db", str(tmp_path / "e.db")]
    failed = cli(*args, *BROKEN, "--label", "broken")
    assert failed.exit_code == 1, failed.output
    assert failed.output.count(f" {JUDGED}: judge failed") == 20 and "... and 3 more" in failed.output
    assert "no pass or fail verdict (23 error)" in failed.output


def test_rejudge_with_every_verdict_an_error_exits_1(example_suite, stored_run):
    db, run_id = stored_run
    common = ["rejudge", run_id, "--suite", str(example_suite.root), "--eval", JUDGED, "--db", db]
    failed = cli(*common, *BROKEN, "--label", "broken")
    assert failed.exit_code == 1, failed.output
    assert failed.output.count(f" {JUDGED}: ") == 2 and "no pass or fail verdict (2 error)" in failed.output
    judged = cli(*common, *WORKING, "--label", "working")
    assert judged.exit_code == 0, judged.output


def test_labels_export_without_labels_exits_1_and_writes_nothing(stored_run, tmp_path):
    db, run_id = stored_run
    out = tmp_path / "labels.csv"
    empty = cli("labels", "export", str(out), "--db", db)
    assert empty.exit_code == 1
    assert "error: labels export: no human label stored for any evaluation; nothing was written" in empty.output
    assert not out.exists()
    _label_both(db, run_id, tmp_path)
    other = cli("labels", "export", str(out), "--eval", "professional_tone", "--db", db)
    assert other.exit_code == 1 and "for evaluation professional_tone" in other.output and not out.exists()
    written = cli("labels", "export", str(out), "--db", db)
    assert written.exit_code == 0, written.output
    assert "2 labels written" in written.output and out.exists()


def _label_both(db: str, run_id: str, tmp_path: Path) -> None:
    """A pass label on each conversation of the run, imported through the CLI."""
    conversations = sorted({v.conversation_id for v in Store.open(db).verdicts(run_id)})
    file = tmp_path / "import.csv"
    rows = "".join(f"{c},{JUDGED},pass,,ana\n" for c in conversations)
    file.write_text("conversation_id,evaluation_id,label,note,labeller\n" + rows)
    assert cli("labels", "import", str(file), "--db", db).exit_code == 0


def test_calibrate_with_no_comparable_conversation_exits_1_json_included(example_suite, stored_run, tmp_path):
    db, run_id = stored_run
    _label_both(db, run_id, tmp_path)
    common = ["calibrate", "--suite", str(example_suite.root), "--eval", JUDGED, "--split", "all", "--db", db]
    failed = cli(*common, *BROKEN)
    assert failed.exit_code == 1, failed.output
    assert "left out judge answered error: 2 labelled conversation(s)" in failed.output
    assert f"error: no labelled conversation of {JUDGED} could be compared with the judge (all split)" in failed.output
    as_json = runner.invoke(app, [*common, *BROKEN, "--json", "-"], catch_exceptions=False)
    assert as_json.exit_code == 1
    document = json.loads(as_json.stdout)
    assert document["report"]["n"] == 0 and document["report"]["excluded"] == {"judge answered error": 2}
    judged = cli(*common, *WORKING)
    assert judged.exit_code == 0, judged.output


def test_discover_with_no_candidate_described_exits_1_report_still_written(tmp_path):
    rows = [("a", "UNDESCRIBABLE reply.", "unresolved"), ("b", "UNDESCRIBABLE again.", "thumbs_down")]
    file = tmp_path / "chats.jsonl"
    lines = [
        {"id": cid, "messages": [{"role": "user", "content": "Order O-1234?"}, {"role": "assistant", "content": text}]}
        | {"metadata": {"resolution": outcome}}
        for cid, text, outcome in rows
    ]
    file.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "report.json"
    common = ["discover", "--transcripts", str(file), "--outcome-field", "resolution", "--json", str(out)]
    failed = cli(*common, *DESCRIBER, "--db", str(tmp_path / "d.db"))
    assert failed.exit_code == 1, failed.output
    assert "not described transcripts:a:0: " in failed.output and "not described transcripts:b:0: " in failed.output
    assert "error: no failure described: all 2 candidate conversations were left undescribed" in failed.output
    assert json.loads(out.read_text())["described"] == 0
    file.write_text(file.read_text().replace("UNDESCRIBABLE again.", "It went to 12 Elm Street, where Maria lives."))
    some = cli(*common, *DESCRIBER, "--db", str(tmp_path / "d2.db"))
    assert some.exit_code == 0, some.output
    assert "not described transcripts:a:0: " in some.output and json.loads(out.read_text())["described"] == 1
