"""Imports at scale (issue 20): a large import holds a bounded number of conversation tasks and never the
whole file twice (unredacted and redacted at once); the bench itself is bench/import_scale.py."""

import asyncio
import json

import pytest

import sparring.transcripts as transcripts_module
from sparring import RoleOverrides, RunOptions, Store
from sparring.data_model import Outcome
from sparring.models import ModelPool
from sparring.models.scripted import ScriptedModel
from sparring.runner.imported import evaluate_transcripts
from sparring.runner.local_executor import InFlight
from sparring.transcripts import read_transcripts


def chats(path, count):
    """`count` JSONL conversations whose customer gives an email address (PII to redact)."""
    lines = []
    for index in range(count):
        messages = [
            {"role": "user", "content": f"Order O-{index} is late, I'm at person{index}@example.com"},
            {"role": "assistant", "content": "Sorry, let me check that for you."},
        ]
        lines.append(json.dumps({"id": f"chat-{index}", "messages": messages}))
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_tasks_in_flight_stay_bounded_by_the_concurrency(example_suite, tmp_path):
    seen_tasks = []

    def judge(request):
        seen_tasks.append(len(asyncio.all_tasks()))
        return {"reasoning": "fine", "verdict": "pass"}

    pool = ModelPool()
    pool.add(ScriptedModel(judge, "scripted:judge"))
    imported = read_transcripts(chats(tmp_path / "chats.jsonl", 120))
    store = Store.open(str(tmp_path / "s.db"))  # a real SQLite file
    options = RunOptions(
        concurrency=4, evaluation_ids=["professional_tone"], models=RoleOverrides(judge="scripted:judge")
    )
    result = await evaluate_transcripts(example_suite, store, imported.transcripts, "chats.jsonl", options, pool)
    assert result.conversations == 120 and len(seen_tasks) == 120
    assert [v.outcome for v in store.verdicts(result.run.id)] == [Outcome.PASS] * 120
    # 4 judging, some waiting for their commit, the test's own task: never one per conversation (was 121).
    assert max(seen_tasks) <= 4 * 2 + 2, max(seen_tasks)


async def test_in_flight_raises_the_first_failure_when_waited_for():
    running = InFlight()

    async def fail():
        raise ValueError("first")

    async def slow():
        await asyncio.sleep(10)

    running.start(slow())
    running.start(fail())
    with pytest.raises(ValueError, match="first"):
        await running.wait()
    await running.cancel()
    assert not running.tasks, "cancel stops the tasks still running"


def test_transcripts_are_redacted_in_batches_in_file_order(tmp_path, monkeypatch):
    file = chats(tmp_path / "chats.jsonl", 25)
    whole = read_transcripts(file)
    monkeypatch.setattr(transcripts_module, "REDACT_BATCH", 4)
    batched = read_transcripts(file)
    assert [t.id for t in batched.transcripts] == [f"chat-{i}" for i in range(25)]
    assert batched.transcripts == whole.transcripts
    assert all("@example.com" not in t.turns[0].content for t in batched.transcripts)
    assert [t.id for t in read_transcripts(file, limit=6).transcripts] == [f"chat-{i}" for i in range(6)]
