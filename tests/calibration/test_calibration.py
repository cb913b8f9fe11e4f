"""Calibration end to end: labels in a real SQLite store (import with line errors, export, the terminal
labeller through a pseudo-terminal), stratified sampling, a scripted judge calibrated on the test split
with few-shot examples left out, prompt-version history and the warning in `sparring run`."""

import asyncio
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.calibration import calibrate, calibration_warnings, sample_for_labelling
from sparring.cli import app
from sparring.data_model import Label, Outcome, TokenUsage, Verdict, split_of
from sparring.models import MeteredModel
from sparring.testing import StubServer

runner = CliRunner(env={"COLUMNS": "250"})
EVAL = "professional_tone"
HUMAN_FAILS = {"late-40min-fee", "missing-item-garlic-bread", "wrong-item-vegan", "fraud-repeat-refunds"}


@pytest.fixture
async def labelled_store(example_suite, tmp_path):
    db = tmp_path / "cal.db"
    store = Store.open(str(db))
    pool = ModelPool()
    pool.add(ScriptedModel(world_reply, "scripted:world"))
    options = RunOptions(label="v1", evaluation_ids=[EVAL], cache=False, models=RoleOverrides(model="scripted:world"))
    result = await run_suite(example_suite, store, options, pool)
    labels = [
        Label(
            conversation_id=c.id,
            evaluation_id=EVAL,
            label="fail" if c.scenario_id in HUMAN_FAILS else "pass",
            note=f"note on {c.scenario_id}",
            labeller="ann",
        )
        for c in store.conversations(result.run.id)
    ]
    store.save_labels(labels)
    return store, db, result.run


def judge_failing(scenarios: set[str]):
    """A scripted judge that fails the conversations whose first customer message names these scenarios' orders."""

    def reply(request):
        prompt = request.messages[0].content
        return {"reasoning": "scripted", "verdict": "fail" if any(s in prompt for s in scenarios) else "pass"}

    return reply


async def test_calibrate_reports_the_test_split_against_the_majority_label(example_suite, labelled_store):
    store, _db, run = labelled_store
    spec = next(e for e in example_suite.evaluations if e.id == EVAL)
    conversations = {c.id: c for c in store.conversations(run.id)}
    orders = {}
    for c in conversations.values():
        text = c.turns[0].content
        orders[c.scenario_id] = next((w.strip(".,") for w in text.split() if w.startswith("O-")), c.scenario_id)
    judged_fail = {"late-40min-fee", "missing-item-garlic-bread", "late-20min-wants-refund"}
    model = MeteredModel(ScriptedModel(judge_failing({orders[s] for s in judged_fail})), TokenUsage())
    # A second labeller disagrees on one item: inter-labeller agreement is reported.
    first = next(iter(conversations))
    store.save_labels([Label(conversation_id=first, evaluation_id=EVAL, label="fail", labeller="bo")])
    report = await calibrate(spec, example_suite.policy, store, model, seed=1)

    expected = {"true_fail": 0, "missed_fail": 0, "false_flag": 0, "true_pass": 0}
    for cid, c in conversations.items():
        if split_of(cid) != "test" or cid == first and c.scenario_id not in HUMAN_FAILS:
            continue  # dev split; or a 1-1 tie between ann and bo
        human = c.scenario_id in HUMAN_FAILS
        judge = c.scenario_id in judged_fail
        key = ("true_fail" if judge else "missed_fail") if human else ("false_flag" if judge else "true_pass")
        expected[key] += 1
    assert report.confusion.model_dump() == expected
    assert report.n == sum(expected.values()) and report.split == "test"
    assert report.excluded.get("dev split", 0) == sum(split_of(cid) == "dev" for cid in conversations) - (
        split_of(first) == "dev" and conversations[first].scenario_id not in HUMAN_FAILS
    )
    assert report.inter_labeller is not None and report.inter_labeller.shared_items == 1
    assert len(report.prompt_hash) == 12 and report.judge_model == "scripted:test"
    for m in report.mismatches:
        assert m.human_note.startswith("ann: note on") and m.judge_reasoning == "scripted"


async def test_a_few_shot_example_in_the_prompt_is_left_out(example_suite, labelled_store, tmp_path):
    store, _db, run = labelled_store
    conversation_id = next(c.id for c in store.conversations(run.id) if split_of(c.id) == "test")
    template = tmp_path / "tone.j2"
    template.write_text(
        '{% extends "judge.j2" %}{% block question %}The AGENT is polite. Example of a pass: '
        f"conversation {conversation_id}.{{% endblock %}}"
    )
    spec = next(e for e in example_suite.evaluations if e.id == EVAL).model_copy(update={"template": str(template)})
    model = MeteredModel(ScriptedModel(judge_failing(set())), TokenUsage())
    report = await calibrate(spec, example_suite.policy, store, model, repeats=3)
    assert report.excluded["few-shot example in the prompt"] == 1
    assert conversation_id not in {m.conversation_id for m in report.mismatches}
    assert report.repeats == 3 and report.self_flip_rate == 0.0


def test_stratified_sampling_takes_the_rare_fails_and_is_reproducible():
    verdicts = [
        Verdict(evaluation_id="e", conversation_id=f"c{i:03}", outcome=Outcome.FAIL if i % 20 == 0 else Outcome.PASS)
        for i in range(200)
    ] + [Verdict(evaluation_id="e", conversation_id="na", outcome=Outcome.NOT_APPLICABLE)]
    chosen = sample_for_labelling(verdicts, 30, target_fails=8, seed=4)
    assert len(chosen) == 30 and sum(s.verdict.outcome == Outcome.FAIL for s in chosen) == 8
    probabilities = {(s.stratum, s.inclusion_probability) for s in chosen}
    assert probabilities == {("fail", 8 / 10), ("pass", 22 / 190)}, "taken / available in each stratum"
    assert chosen == sample_for_labelling(verdicts, 30, target_fails=8, seed=4)
    assert chosen != sample_for_labelling(verdicts, 30, target_fails=8, seed=5)
    everything = sample_for_labelling(verdicts, 30, target_fails=25, seed=4)
    assert sum(s.verdict.outcome == Outcome.FAIL for s in everything) == 10, "only 10 fails exist: the rest passes"
    assert {s.inclusion_probability for s in everything if s.stratum == "fail"} == {1.0}
    assert "na" not in {s.verdict.conversation_id for s in sample_for_labelling(verdicts, 500)}


def test_label_import_reports_the_bad_line_and_writes_nothing(labelled_store, tmp_path):
    store, db, run = labelled_store
    known = store.conversations(run.id)[0].id
    good = tmp_path / "labels.csv"
    good.write_text(f"conversation_id,eval_id,label,note,labeller\n{known},{EVAL},FAIL,rude,cy\n")
    imported = runner.invoke(app, ["labels", "import", str(good), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    assert any(lb.labeller == "cy" and lb.label == "fail" for lb in store.labels(EVAL))
    before = len(store.labels())
    cases = {
        f"{known},{EVAL},maybe,,dan\n": "label: Input should be 'pass' or 'fail'",
        f"nope:1:0,{EVAL},pass,,dan\n": "conversation 'nope:1:0' is not in the database",
        f",{EVAL},pass,,dan\n": "conversation_id: Field required",
    }
    for row, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(f"conversation_id,eval_id,label,note,labeller\n{known},{EVAL},pass,,dan\n{row}")
        result = runner.invoke(app, ["labels", "import", str(bad), "--db", str(db)])
        assert result.exit_code == 2 and f"{bad}:3: {message}" in result.output.replace("\n", "")
    assert len(store.labels()) == before, "all or nothing"
    exported = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["labels", "export", str(exported), "--eval", EVAL, "--db", str(db)]).exit_code == 0
    assert len(exported.read_text().splitlines()) == len(store.labels(EVAL))


def test_cli_calibrate_history_and_the_run_warning(example_suite, labelled_store, tmp_path):
    store, db, _run = labelled_store
    warnings = calibration_warnings(store, store.list_runs()[0].id, 0.6)
    assert warnings and f"no calibration against human labels for {EVAL}" in warnings[0]
    report_file = tmp_path / "report.json"
    args = ["calibrate", "--suite", str(example_suite.root), "--eval", EVAL, "--split", "all", "--db", str(db)]

    def judge_over_http(body):
        return {"content": json.dumps({"reasoning": "looks fine", "verdict": "pass"})}

    with StubServer(judge_over_http) as server:
        args += ["--judge-model", "openai:stub", "--base-url", server.base_url, "--json", str(report_file)]
        result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4 · 4.0 missed" in result.output and "Mismatches" in result.output
    assert "note on late-40min-fee" in result.output and "Sample (unweighted)" in result.output
    assert "no sampling design recorded for these labels: treated as a simple random sample" in result.output
    report = json.loads(report_file.read_text())
    assert report["confusion"] == {"true_fail": 0, "missed_fail": 4, "false_flag": 0, "true_pass": 20}
    # 4 human fails and no judged fail: recall and κ rest on too few labels to hold their 95% intervals.
    for figure in ("fail_recall", "kappa"):
        assert report["metrics"][figure]["value"] is None
        assert report["metrics"][figure]["withheld"].startswith("too few labels: need ≥ 10 labelled conversations")
    assert "withheld: too few labels" in result.output
    shown = runner.invoke(
        app, ["calibrate", "--suite", str(example_suite.root), "--eval", EVAL, "--history", "--db", str(db)]
    )
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if report["prompt_hash"] in line)
    assert "openai:stub" in row and "0.83" in row, "agreement 19/23"
    run_id = store.list_runs()[0].id
    [warning] = calibration_warnings(store, run_id, 0.6)
    assert f"no calibration against human labels for {EVAL} ({report['prompt_hash']}, scripted:world)" in warning, (
        "a κ measured with another judge model never clears the warning"
    )
    world_judge = MeteredModel(ScriptedModel(judge_failing(set()), "scripted:world"), TokenUsage())
    spec = next(e for e in example_suite.evaluations if e.id == EVAL)
    same = asyncio.run(calibrate(spec, example_suite.policy, store, world_judge, split="all"))
    assert same.prompt_hash == report["prompt_hash"]
    store.save_calibration(EVAL, same.prompt_hash, same.judge_model, same.model_dump(mode="json"))
    [warning] = calibration_warnings(store, run_id, 0.6)
    assert warning.startswith(
        f"{EVAL}: judge prompt {same.prompt_hash} with scripted:world has population κ withheld: too few labels"
    )


def _read_until(fd: int, marker: str, timeout: float = 60) -> str:
    seen = ""
    deadline = time.time() + timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
        if not ready:
            raise AssertionError(f"no {marker!r} in: {seen[-2000:]}")
        seen += os.read(fd, 65536).decode(errors="replace")
        seen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen)  # colours and cursor codes
    return seen


def test_terminal_labeller_through_a_pseudo_terminal(example_suite, labelled_store):
    store, db, run = labelled_store
    master, slave = pty.openpty()
    command = [sys.executable, "-m", "sparring.cli", "label", run.id, "--suite", str(example_suite.root)]
    command += ["--eval", EVAL, "--sample", "2", "--labeller", "pat", "--db", str(db)]
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=Path(__file__).parents[1])
    os.close(slave)
    try:
        screen = _read_until(master, "label: [p]ass, [f]ail, [s]kip, [q]uit")
        assert "policy" in screen and "CUSTOMER:" in screen and "tool lookup_order" in screen
        os.write(master, b"x\n")  # not an answer: asked again
        _read_until(master, "[q]uit")
        os.write(master, b"f\n")
        _read_until(master, "note (optional)")
        os.write(master, b"agent was curt\n")
        _read_until(master, "[q]uit")
        os.write(master, b"p\n")
        _read_until(master, "note (optional)")
        os.write(master, b"\n")
        _read_until(master, "2 label(s) saved")
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(master)
    mine = sorted((lb.label, lb.note) for lb in store.labels(EVAL) if lb.labeller == "pat")
    assert mine == [("fail", "agent was curt"), ("pass", "")]
    designs = {(lb.stratum, lb.inclusion_probability) for lb in store.labels(EVAL) if lb.labeller == "pat"}
    assert all(stratum in ("pass", "fail") and 0 < p <= 1 for stratum, p in designs), "the design is stored"
