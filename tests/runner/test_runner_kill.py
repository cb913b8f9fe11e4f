"""kill -9 in the middle of a run, then resume: nothing spent is forgotten. A real process, a real SQLite file."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scripted_world import world_pool
from sparring import RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import RunStatus, TokenUsage

WORKER = """
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from scripted_world import slow_world_pool
from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite

class Announce:
    def started(self, run, pending):
        print(run.id, flush=True)

    def finished(self, conversation, verdicts):
        pass

options = RunOptions(concurrency=2, label="killed", models=RoleOverrides(model="scripted:world"))
store = Store.open(sys.argv[1])
asyncio.run(run_suite(load_suite(sys.argv[2]), store, options, slow_world_pool(), observer=Announce()))
"""


def summed(store: Store, run_id: str) -> dict[str, TokenUsage]:
    totals: dict[str, TokenUsage] = {}
    for conversation in store.conversations(run_id):
        for role, usage in conversation.usage.items():
            totals.setdefault(role, TokenUsage()).add(usage)
    return totals


async def test_kill_9_then_resume_keeps_every_token_and_call_statistic(example_suite, tmp_path):
    db = tmp_path / "s.db"
    tests = str(Path(__file__).parents[1])
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(db), str(example_suite.root), tests], stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    run_id = worker.stdout.readline().strip()
    store = Store.open(str(db))
    while store.conversation_count(run_id) < 3:
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()

    killed = store.get_run(run_id)
    assert killed.status == RunStatus.RUNNING, "premise: the run never reached its end"
    stored = store.conversation_count(run_id)
    assert 3 <= stored < len(example_suite.scenarios)
    # What the report shows after the kill is what the stored conversations used (to the last group commit).
    assert killed.usage["simulator"].calls == summed(store, run_id)["simulator"].calls > 0
    assert killed.call_stats["scripted:world"].succeeded > 0

    time.sleep(1.2)  # the dead process's lease goes stale
    options = RunOptions(resume=run_id, models=RoleOverrides(model="scripted:world"), lease_timeout_s=1.0)
    result = await run_suite(example_suite, store, options, world_pool())
    assert result.run.status == RunStatus.COMPLETED
    assert store.conversation_count(run_id) == len(example_suite.scenarios)
    totals = summed(store, run_id)
    for role in ("simulator", "agent", "judge"):
        assert result.run.usage[role] == totals[role]
    assert result.run.call_stats["scripted:world"].succeeded > killed.call_stats["scripted:world"].succeeded
    assert store.lease_holder(run_id) is None, "released at the end"
