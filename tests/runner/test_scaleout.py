"""Scale-out: the Ray executor on a local 2-CPU cluster writing into a real PostgreSQL server gives the
same verdicts as a local run, loses nothing when a worker is killed mid-run, and resumes a run that a
local executor started."""

import asyncio
import os
import signal
import subprocess
import threading
import time

import pytest

from scripted_world import slow_world_pool, world_pool
from services import fresh_database
from sparring import RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import RunStatus

pytestmark = pytest.mark.real
EVALS = ["refund_only_when_eligible", "escalated_when_asked", "professional_tone", "no_invented_policy"]


def options(**extra) -> RunOptions:
    return RunOptions(
        label=extra.pop("label", "run"),
        evaluation_ids=EVALS,
        cache=False,
        models=RoleOverrides(model="scripted:world"),
        **extra,
    )


def verdict_rows(store: Store, run_id: str) -> set[tuple]:
    conversations = {c.id: c for c in store.conversations(run_id)}
    return {
        (
            conversations[v.conversation_id].scenario_id,
            conversations[v.conversation_id].trial,
            v.evaluation_id,
            v.outcome,
            v.reasoning,
        )
        for v in store.verdicts(run_id)
    }


def test_ray_into_postgres_gives_the_verdicts_of_a_local_run(example_suite, tmp_path, postgres_url, ray_cluster):
    local_store = Store.open(str(tmp_path / "local.db"))
    local = asyncio.run(run_suite(example_suite, local_store, options(trials=2), world_pool()))
    shared = Store(fresh_database(postgres_url, "same_results"))
    remote = asyncio.run(
        run_suite(example_suite, shared, options(trials=2, executor="ray", shards=2), pool_factory=world_pool)
    )
    assert remote.run.status == RunStatus.COMPLETED and remote.conversations == len(example_suite.scenarios) * 2
    rows = verdict_rows(shared, remote.run.id)
    assert len(rows) == len(example_suite.scenarios) * 2 * len(EVALS)
    assert rows == verdict_rows(local_store, local.run.id)
    assert [(s.evaluation_id, s.passed, s.failed) for s in remote.summaries] == [
        (s.evaluation_id, s.passed, s.failed) for s in local.summaries
    ]
    assert remote.run.usage["simulator"].calls == local.run.usage["simulator"].calls > 0


def _shard_pids() -> list[int]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in listing.splitlines() if "ray::_shard" in line]


def test_a_killed_worker_loses_no_conversation_and_leaves_no_duplicate(example_suite, postgres_url, ray_cluster):
    store = Store(fresh_database(postgres_url, "killed_worker"))
    result = {}
    on_ray = options(trials=3, executor="ray", shards=2)
    runner = threading.Thread(
        target=lambda: result.update(
            run=asyncio.run(run_suite(example_suite, store, on_ray, pool_factory=slow_world_pool))
        )
    )
    runner.start()
    deadline = time.time() + 120
    killed = None
    while killed is None and time.time() < deadline and runner.is_alive():
        runs = store.list_runs()
        if runs and store.conversation_count(runs[0].id) >= 5 and _shard_pids():
            killed = _shard_pids()[0]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.1)
    runner.join(timeout=300)
    assert killed is not None, "a shard was running and was killed"
    run = result["run"].run
    assert run.status == RunStatus.COMPLETED
    expected = {(s.id, t) for s in example_suite.scenarios for t in range(3)}
    stored = [(c.scenario_id, c.trial) for c in store.conversations(run.id)]
    assert sorted(stored) == sorted(expected), "every conversation exactly once"
    assert len(store.verdicts(run.id)) == len(expected) * len(EVALS)


def test_a_local_run_interrupted_is_finished_on_ray(example_suite, tmp_path, ray_cluster):
    store = Store.open(str(tmp_path / "resume.db"))

    async def interrupt_after_five() -> None:
        stop = asyncio.Event()

        class Watch:
            count = 0

            def started(self, run, pending):
                pass

            def finished(self, conversation, verdicts):
                self.count += 1
                if self.count == 5:
                    stop.set()

        task = asyncio.create_task(
            run_suite(example_suite, store, options(label="half", concurrency=1), world_pool(), Watch())
        )
        await stop.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupt_after_five())
    interrupted = store.get_run("half")
    assert interrupted.status == RunStatus.INTERRUPTED and 0 < store.conversation_count(interrupted.id) < 23
    finished = asyncio.run(
        run_suite(example_suite, store, options(resume="half", executor="ray", shards=2), pool_factory=world_pool)
    )
    assert finished.run.id == interrupted.id and finished.run.status == RunStatus.COMPLETED
    assert store.conversation_count(interrupted.id) == len(example_suite.scenarios)
