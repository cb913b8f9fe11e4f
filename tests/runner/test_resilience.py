"""Fault injection, caching and resume against a real stub server on 127.0.0.1."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from sparring import RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import EndReason, RunStatus
from sparring.testing import StubConfig, StubServer

CLOCK = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EVALS = ["no_invented_policy", "professional_tone", "refund_only_when_eligible"]


def options(server, **extra) -> RunOptions:
    base = dict(
        scenarios=6,
        evaluation_ids=EVALS,
        clock=CLOCK,
        concurrency=6,
        models=RoleOverrides(model="openai:stub", base_url=server.base_url),
    )
    return RunOptions(**(base | extra))


async def test_injected_faults_are_retried_and_counted_exactly(example_suite, tmp_path, monkeypatch):
    """Each fault the stub injects is counted once, as its kind, and nothing else is. The client's timeout is far
    above any answer's time (milliseconds here; a 0.5 s timeout counted answers delayed by a stall under load as
    timeouts), and an injected hang lasts until the client gives up, so a timeout counted is always an injected one."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    faults = {"rate_limit": 0.08, "server_error": 0.08, "malformed": 0.06, "reset": 0.06, "timeout": 0.04}
    config = StubConfig(faults=faults, hang_s=60.0, retry_after_s=0.01, seed=11)  # the hang ends when the client quits
    store = Store.open(str(tmp_path / "f.db"))
    with StubServer(config=config) as server:
        result = await run_suite(example_suite, store, options(server, timeout_s=5.0, max_retries=10))
        counts = dict(server.counts)
    assert result.run.status == RunStatus.COMPLETED
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 6 and all(c.end_reason == EndReason.RESOLVED for c in conversations)
    assert len(store.verdicts(result.run.id)) == 6 * len(EVALS)
    [stats] = result.run.call_stats.values()
    assert stats.requests == counts["requests"]
    assert stats.rate_limited == counts.get("rate_limit", 0) > 0
    assert stats.server_errors == counts.get("server_error", 0) > 0
    assert stats.malformed == counts.get("malformed", 0) > 0
    assert stats.connection_errors == counts.get("reset", 0) > 0
    assert stats.timeouts == counts.get("timeout", 0) > 0
    assert stats.retries == stats.faults and stats.gave_up == 0
    assert stats.succeeded == counts["ok"]


async def test_rerun_of_unchanged_suite_is_answered_from_the_cache(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    store = Store.open(str(tmp_path / "c.db"))
    with StubServer() as server:
        first = await run_suite(example_suite, store, options(server))
        sent = len(server.requests)
        second = await run_suite(example_suite, store, options(server))
        assert len(server.requests) == sent, "no request reached the server on the re-run"
        uncached = await run_suite(example_suite, store, options(server, cache=False))
        calls = first.run.call_stats["openai:stub"].cache_hits + first.run.call_stats["openai:stub"].cache_misses
        assert first.run.call_stats["openai:stub"].cache_misses == sent
        assert len(server.requests) == sent + calls, "--no-cache sends every call"
    [stats] = second.run.call_stats.values()
    assert stats.cache_hits == calls and stats.cache_misses == 0 and stats.requests == 0
    assert second.run.usage["judge"].cached_calls > 0 and second.run.usage["judge"].calls == 0

    def outcomes(run_id):
        return sorted(
            (v.conversation_id.split(":", 1)[1], v.evaluation_id, v.outcome, v.reasoning)
            for v in store.verdicts(run_id)
        )

    assert outcomes(first.run.id) == outcomes(second.run.id)
    assert uncached.run.call_stats["openai:stub"].cache_hits == 0


async def test_trials_are_sampled_anew_not_served_from_one_cache_entry(example_suite, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    store = Store.open(str(tmp_path / "t.db"))
    with StubServer() as server:
        result = await run_suite(example_suite, store, options(server, scenarios=2, trials=3))
    assert result.conversations == 6
    assert result.run.call_stats["openai:stub"].cache_hits == 0
    assert sorted({c.trial for c in store.conversations(result.run.id)}) == [0, 1, 2]


def test_sigkill_mid_run_then_resume_stores_each_conversation_exactly_once(example_suite, tmp_path):
    db = tmp_path / "k.db"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    with StubServer(config=StubConfig(latency_s=0.05)) as server:
        command = [
            sys.executable,
            "-m",
            "sparring.cli",
            "run",
            str(example_suite.root),
            "--model",
            "openai:stub",
            "--base-url",
            server.base_url,
            "--eval",
            EVALS[0],
            "--eval",
            EVALS[2],
            "--concurrency",
            "2",
            "--label",
            "killed",
            "--db",
            str(db),
        ]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store = Store.open(str(db))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = store.list_runs() if db.exists() else []
            if runs and store.conversation_count(runs[0].id) >= 3:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        run = store.get_run("killed")
        at_kill = store.conversation_count(run.id)
        assert run.status == RunStatus.RUNNING and 3 <= at_kill < len(example_suite.scenarios)
        assert len(store.verdicts(run.id)) == 2 * at_kill, "only whole conversations survive a SIGKILL"

        resumed = subprocess.run(
            [*command[:-4], "--resume", "killed", "--db", str(db)], env=env, capture_output=True, text=True, timeout=120
        )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run = store.get_run("killed")
    conversations = store.conversations(run.id)
    assert run.status == RunStatus.COMPLETED
    assert sorted(c.scenario_id for c in conversations) == sorted(s.id for s in example_suite.scenarios)
    assert len(store.verdicts(run.id)) == 2 * len(example_suite.scenarios)
    assert f"{len(example_suite.scenarios) - at_kill} conversations" in resumed.stdout


async def test_each_trial_gets_its_own_sampling_seed():
    from sparring import ChatRequest, Message, ScriptedModel
    from sparring.data_model.run import TokenUsage
    from sparring.models import MeteredModel

    model = ScriptedModel(lambda request: "ok")
    for trial in range(3):
        await MeteredModel(model, TokenUsage(), trial).complete(
            ChatRequest(messages=[Message(role="user", content="x")], seed=7)
        )
    assert [(r.trial, r.seed) for r in model.requests] == [(0, 7), (1, 8), (2, 9)]
