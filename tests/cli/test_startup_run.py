"""`sparring run` start-up and teardown: the gate and JUnit code load only with --gate or --junit, and the store
is closed (its WAL checkpointed) before the process exits. Real processes, a real HTTP model server, a real
SQLite file."""

import gc
import json
import subprocess
import sys
import time

from typer.testing import CliRunner

from sparring.cli import app
from sparring.cli.process import RUN_GEN0_THRESHOLD, collector_for_a_run, imported_meanwhile
from sparring.testing import StubServer

# The command line in this process, reporting at exit which of the watched modules were imported.
COMMAND = """
import atexit, json, sys
WATCHED = ("sparring.analysis.gate", "sparring.analysis.junit", "alembic")
atexit.register(lambda: print(json.dumps([m for m in WATCHED if m in sys.modules]), file=sys.stderr))
from sparring.cli import app
sys.argv = ["sparring", *sys.argv[1:]]
app()
"""


def sparring_run(suite, db, base_url, *extra) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`sparring run` on one scenario in a fresh process: the finished process and the watched modules it loaded."""
    args = ["run", str(suite), "--model", "openai:stub", "--base-url", base_url, "--scenario", "late-70min-full-refund"]
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, *args, "--db", str(db), *extra], capture_output=True, text=True, timeout=120
    )
    return done, json.loads(done.stderr.strip().splitlines()[-1])


def test_a_run_without_gate_or_junit_loads_neither_and_leaves_no_wal(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer() as server:
        done, loaded = sparring_run(example_suite.root, tmp_path / "s.db", server.base_url)
        assert done.returncode == 0, done.stderr
        assert "Pass rate per evaluation" in done.stdout and "stored in sqlite" in done.stdout
        assert loaded == []  # nor Alembic: a new store is created without it
        assert (tmp_path / "s.db").exists() and not (tmp_path / "s.db-wal").exists()

        done, loaded = sparring_run(example_suite.root, tmp_path / "s.db", server.base_url, "--gate")
        assert done.returncode in (0, 1, 3), done.stderr  # 3: a gate is inconclusive
        assert "Gates" in done.stdout and "sparring.analysis.gate" in loaded

        done, loaded = sparring_run(
            example_suite.root, tmp_path / "s.db", server.base_url, "--junit", str(tmp_path / "j.xml")
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "j.xml").exists() and "sparring.analysis.junit" in loaded


def test_during_a_run_start_up_objects_are_frozen_and_young_ones_collected_less_often():
    before = gc.get_threshold()
    with collector_for_a_run():
        assert gc.get_freeze_count() > 1000 and gc.get_threshold() == (RUN_GEN0_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before


def test_the_reports_modules_are_imported_during_the_block_unless_it_ends_first(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    with imported_meanwhile(["colorsys"], delay_s=60):
        pass  # ends first: cancelled, nothing imported
    assert "colorsys" not in sys.modules
    with imported_meanwhile(["colorsys"], delay_s=0.01):
        time.sleep(0.5)
        assert "colorsys" in sys.modules  # imported on the background thread while the block ran


def test_a_run_in_process_leaves_the_collector_as_it_was(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    thresholds = gc.get_threshold()
    with StubServer() as server:
        args = ["run", str(example_suite.root), "--model", "openai:stub", "--base-url", server.base_url]
        result = CliRunner().invoke(
            app, [*args, "--scenario", "late-70min-full-refund", "--db", str(tmp_path / "s.db")]
        )
    assert result.exit_code == 0, result.output
    assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds
    assert not (tmp_path / "s.db-wal").exists()
