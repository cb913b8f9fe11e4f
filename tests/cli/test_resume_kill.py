"""kill -9 of a real `sparring rejudge`, `sparring eval` and `sparring discover --accept` process in the middle of
its judging, then the run finished by `--resume` or by the same command again: one run, every conversation copied
once (never simulated), judged once. A real SQLite file; a scripted judge slow enough to be killed mid-run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discovery.test_discover_accept import LeakJudge, drafted  # noqa: F401 - the fixture is used below
from scripted_world import world_model, world_pool
from sparring import ChatRequest, ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.cli import app
from sparring.data_model import Run, RunStatus
from sparring.models import register_provider

runner = CliRunner(env={"COLUMNS": "250"})
FLIPPED = "no_invented_policy"
TESTS = str(Path(__file__).parents[1])
WORKER = """
import sys
sys.path.insert(0, sys.argv[1])
import cli.test_resume_kill  # registers the slow judge
from sparring.cli import app
app(sys.argv[2:])
"""


def _slow(reply):
    def slow(request: ChatRequest) -> dict:
        time.sleep(0.1)
        return reply(request)

    return slow


@register_provider("slowjudge")
def _slow_judge(model: str, base_url: str | None) -> ScriptedModel:
    strict = _slow(lambda request: {"reasoning": "strict judge", "verdict": "fail"})
    return ScriptedModel(_slow(LeakJudge.reply) if model == "leak" else strict, name=f"slowjudge:{model}")


def labelled(store: Store, label: str) -> list[Run]:
    return [r for r in store.list_runs(1000) if r.label == label]


def killed_midway(db: Path, args: list[str], label: str, at_least: int = 2) -> Run:
    """Start `sparring ARGS` in a process of its own, kill -9 it once the run labelled `label` holds
    `at_least` conversations; the run as the kill left it."""
    worker = subprocess.Popen([sys.executable, "-c", WORKER, TESTS, *args])
    store, deadline = Store.open(str(db)), time.monotonic() + 120
    while not (runs := labelled(store, label)) or store.conversation_count(runs[0].id) < at_least:
        assert worker.poll() is None and time.monotonic() < deadline, "the worker ended before it was killed"
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    [run] = labelled(store, label)
    return store.get_run(run.id)


def copied_unchanged(store: Store, origin: str, copy: str) -> bool:
    fields = {"id", "run_id", "usage"}
    old = {(c.scenario_id, c.trial): c.model_dump(exclude=fields) for c in store.conversations(origin)}
    new = {(c.scenario_id, c.trial): c.model_dump(exclude=fields) for c in store.conversations(copy)}
    return old == new


@pytest.mark.parametrize("finish", ["resume", "same command"])
def test_a_killed_rejudge_is_finished_by_copying_the_rest(example_suite, tmp_path, finish):
    db, suite = tmp_path / "r.db", str(example_suite.root)
    store = Store.open(str(db))
    options = RunOptions(label="v1", trials=2, models=RoleOverrides(model="scripted:world"))
    origin = asyncio.run(run_suite(example_suite, store, options, world_pool())).run
    total = store.conversation_count(origin.id)
    rejudge = ["rejudge", "v1", "--suite", suite, "--eval", FLIPPED, "--judge-model", "slowjudge:strict"]
    rejudge += ["--concurrency", "1", "--db", str(db)]
    killed = killed_midway(db, rejudge, "v1-rejudged")
    assert killed.status == RunStatus.RUNNING and 2 <= store.conversation_count(killed.id) < total, "premise"

    world = world_model()
    pool = ModelPool()
    pool.add(world)
    with pytest.raises(ValueError, match=f"run {killed.id} is a rejudge: finish it with `sparring rejudge --resume"):
        asyncio.run(run_suite(example_suite, store, RunOptions(resume=killed.id), pool))
    assert not world.requests, "nothing simulated"
    args = ["rejudge", "--resume", killed.id, "--suite", suite, "--db", str(db)] if finish == "resume" else rejudge
    result = runner.invoke(app, args)

    assert result.exit_code == 0, result.output
    [finished] = labelled(store, "v1-rejudged")
    assert finished.id == killed.id and finished.status == RunStatus.COMPLETED
    assert store.conversation_count(killed.id) == total and copied_unchanged(store, origin.id, killed.id)
    flipped = [v for v in store.verdicts(killed.id) if v.evaluation_id == FLIPPED]
    assert len(flipped) == total and all(v.outcome == Outcome.FAIL for v in flipped)
    assert finished.usage["simulator"].calls == 0 and finished.usage["agent"].calls == 0


def transcripts_file(path: Path, n: int) -> Path:
    lines = []
    for i in range(n):
        messages = [{"role": "user", "content": f"where is order {i}?"}, {"role": "assistant", "content": "Soon."}]
        lines.append(json.dumps({"id": f"chat/{i:02d}-客服", "messages": messages}))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("finish", ["resume", "same command"])
def test_a_killed_eval_is_finished_into_the_same_run(example_suite, tmp_path, finish):
    db, suite = tmp_path / "e.db", str(example_suite.root)
    file = transcripts_file(tmp_path / "prod.jsonl", 12)
    evaluate = ["eval", str(file), "--suite", suite, "--judge-model", "slowjudge:strict", "--eval", "professional_tone"]
    evaluate += ["--label", "prod", "--concurrency", "1", "--db", str(db)]
    killed = killed_midway(db, evaluate, "prod")
    store = Store.open(str(db))
    assert killed.status == RunStatus.RUNNING and 2 <= store.conversation_count(killed.id) < 12, "premise"

    args = ["eval", str(file), "--suite", suite, "--resume", killed.id, "--db", str(db)]
    result = runner.invoke(app, args if finish == "resume" else evaluate)

    assert result.exit_code == 0, result.output
    [finished] = labelled(store, "prod")
    assert finished.id == killed.id and finished.status == RunStatus.COMPLETED
    assert sorted(c.scenario_id for c in store.conversations(killed.id)) == [f"chat/{i:02d}-客服" for i in range(12)]
    assert [v.evaluation_id for v in store.verdicts(killed.id)] == ["professional_tone"] * 12, "each judged once"


def test_a_killed_discover_accept_is_finished_by_resume(drafted):  # noqa: F811 - the imported fixture
    suite, db, run_id, draft = drafted
    store = Store.open(db)
    total = store.conversation_count(run_id)
    accept = ["discover", "--accept", draft, "--suite", str(suite), "--no-label", "--judge-model", "slowjudge:leak"]
    accept += ["--db", db]
    killed = killed_midway(Path(db), accept, f"{draft}-labelling")
    assert killed.status == RunStatus.RUNNING and store.conversation_count(killed.id) < total, "premise"

    again = runner.invoke(app, accept)
    assert again.exit_code == 2 and "already accepted" in again.output and "--resume" in again.output
    result = runner.invoke(app, [*accept, "--resume"])

    assert result.exit_code == 0, result.output
    [finished] = labelled(store, f"{draft}-labelling")
    assert finished.id == killed.id and finished.status == RunStatus.COMPLETED
    assert store.conversation_count(killed.id) == total and copied_unchanged(store, run_id, killed.id)
    judged = [v for v in store.verdicts(killed.id) if v.evaluation_id == draft]
    assert len(judged) == total and {v.outcome for v in judged} == {Outcome.PASS, Outcome.FAIL}
    assert f"sparring label {killed.id}" in result.output
