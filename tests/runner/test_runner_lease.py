"""Run leases (one process per run; stale ones taken over) on SQLite with two real processes and on a real
PostgreSQL server; output paths of `sparring run` refused before any model call."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.data_model import ModelSettings, Run, RunStatus
from sparring.store.leases import RunLeased
from sparring.store.tables import RunLeaseRow

runner = CliRunner()

HOLDER = """
import sys, time
from sparring import Store
store = Store.open(sys.argv[1])
store.acquire_lease(sys.argv[2], "other-host:4242", 60)
print("held", flush=True)
while True:
    time.sleep(0.5)
    store.renew_lease(sys.argv[2], "other-host:4242")
"""


def stored_run(store: Store, run_id: str = "r1", status: RunStatus = RunStatus.INTERRUPTED) -> Run:
    now = datetime.now(UTC)
    url = "http://127.0.0.1:9/v1"
    settings = ModelSettings(simulator="openai:x", agent="openai:x", judge="openai:x", base_url=url)
    run = Run(
        id=run_id, label=run_id, suite="food-delivery", settings=settings, clock=now, started_at=now, status=status
    )
    store.save_run(run)
    return run


def check_leases(store: Store) -> None:
    stored_run(store)
    store.acquire_lease("r1", "a:1", 60)
    with pytest.raises(RunLeased, match=r"run r1 is being worked on by a:1 since .* \(heartbeat 0s ago\); wait, or"):
        store.acquire_lease("r1", "b:2", 60)
    assert store.renew_lease("r1", "a:1") and not store.renew_lease("r1", "b:2")
    with store.engine.begin() as connection:  # a minute and a half without a heartbeat: stale
        old = datetime.now(UTC) - timedelta(seconds=90)
        connection.execute(update(RunLeaseRow).values(heartbeat_at=old))
    store.acquire_lease("r1", "b:2", 60)
    assert store.lease_holder("r1") == "b:2" and not store.renew_lease("r1", "a:1"), "the old holder lost it"
    store.release_lease("r1", "a:1")
    assert store.lease_holder("r1") == "b:2", "only the holder releases"
    store.release_lease("r1", "b:2")
    assert store.lease_holder("r1") is None


def test_leases_on_sqlite(tmp_path):
    check_leases(Store.open(str(tmp_path / "s.db")))


def test_leases_on_postgresql(postgres_url):
    from services import fresh_database

    check_leases(Store(fresh_database(postgres_url, "leases")))


def test_a_second_process_resuming_a_held_run_gets_one_line_and_exit_2(example_suite, tmp_path):
    db = tmp_path / "s.db"
    store = Store.open(str(db))
    stored_run(store)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), "r1"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = runner.invoke(
            app,
            ["run", str(example_suite.root), "--resume", "r1", "--model", "openai:x", "--base-url",
             "http://127.0.0.1:9/v1", "--db", str(db)],
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2, result.output
    assert "run r1 is being worked on by other-host:4242 since" in result.output
    assert "Traceback" not in result.output
    assert store.get_run("r1").status == RunStatus.INTERRUPTED, "the loser wrote nothing"
    assert store.lease_holder("r1") == "other-host:4242"


def test_a_lease_without_heartbeat_is_taken_over_after_the_timeout(tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    stored_run(store)
    store.acquire_lease("r1", "gone:1", 1)  # its process died: no heartbeat follows
    time.sleep(1.5)
    store.acquire_lease("r1", "me:2", 1)
    assert store.lease_holder("r1") == "me:2"


@pytest.mark.parametrize("option", ["--junit", "--db"])
def test_an_output_under_a_file_is_refused_before_any_model_call(example_suite, tmp_path, option):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = blocker / "out.xml"
    args = ["run", str(example_suite.root), "--model", "openai:x", "--base-url", "http://127.0.0.1:9/v1"]
    if option == "--junit":
        args += ["--db", str(tmp_path / "s.db")]
    result = runner.invoke(app, [*args, option, str(target)])
    assert result.exit_code == 2
    assert f"{option} {target}: {blocker} is a file, not a folder" in result.output.replace("\n", "")
    assert not (tmp_path / "s.db").exists(), "nothing written"


def test_a_run_whose_chatbot_crashes_exits_1_with_a_summary_by_cause(example_suite, tmp_path, monkeypatch):
    from cli.test_cli import http_world
    from sparring.testing import StubServer

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "crashbot.py").write_text("def bot(messages, tools):\n    raise KeyError('session')\n")
    with StubServer(http_world) as server:
        result = runner.invoke(
            app,
            ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", server.base_url,
             "--agent", "crashbot:bot", "--scenarios", "2", "--eval", "no_invented_policy",
             "--db", str(tmp_path / "s.db")],
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "2 of 2 conversations errored: chatbot_error 2 (KeyError: 'session')" in output
    assert "more errored conversations than the suite's max_error_rate (0%) allows" in output


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(tmp_path):
    import socket

    store = Store.open(str(tmp_path / "s.db"))
    stored_run(store)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store.acquire_lease("r1", f"{socket.gethostname()}:{gone.stdout.strip()}", 60)
    store.acquire_lease("r1", "me:2", 60)  # its heartbeat is fresh, but its process is gone
    assert store.lease_holder("r1") == "me:2"
    store.release_lease("r1", "me:2")
    store.acquire_lease("r1", f"{socket.gethostname()}:{os.getpid()}", 60)
    with pytest.raises(RunLeased):  # a live process of this host keeps its lease
        store.acquire_lease("r1", "someone:3", 60)


async def test_a_process_whose_lease_was_taken_over_stops_and_leaves_the_run_alone(example_suite, tmp_path):
    import asyncio

    from scripted_world import slow_world_pool
    from sparring import RoleOverrides, RunOptions, run_suite

    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(concurrency=1, models=RoleOverrides(model="scripted:world"), lease_timeout_s=1.5)
    task = asyncio.create_task(run_suite(example_suite, store, options, slow_world_pool()))
    while not store.list_runs() or store.lease_holder(store.list_runs()[0].id) is None:
        await asyncio.sleep(0.05)
    run_id = store.list_runs()[0].id
    with store.engine.begin() as connection:  # another process finds the lease stale and takes it over
        connection.execute(update(RunLeaseRow).values(owner="thief:1", heartbeat_at=datetime.now(UTC)))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert store.get_run(run_id).status == RunStatus.RUNNING, "the run row is the new owner's"
    assert store.lease_holder(run_id) == "thief:1"


def test_an_unknown_retry_errors_choice_is_refused_before_anything_is_written(example_suite, tmp_path):
    db = tmp_path / "s.db"
    args = ["run", str(example_suite.root), "--model", "openai:x", "--base-url", "http://127.0.0.1:9/v1"]
    result = runner.invoke(app, [*args, "--retry-errors", "some", "--db", str(db)])
    assert result.exit_code == 2
    assert "error: --retry-errors 'some': one of model, all, none" in result.output
    assert Store.open(str(db)).list_runs() == [], "no run row"
