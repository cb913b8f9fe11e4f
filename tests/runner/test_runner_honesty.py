"""Runner honesty: empty replies stay empty, errors by cause and their retry on resume, usage summed over stored
conversations, fresh re-simulation, judge samples in the cost bound, judge-only `eval`. Real SQLite files."""

import random
from datetime import UTC, datetime

import pytest

from scripted_world import world_reply
from sparring import ChatResponse, ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.data_model import EndReason, RunStatus
from sparring.data_model.conversation import ErrorKind
from sparring.models.base import TransientModelError
from sparring.runner.cost import estimate_conversation
from sparring.runner.errors import ErrorSummary
from sparring.runner.imported import evaluate_transcripts
from sparring.runner.roles import model_settings
from sparring.runner.run import judge_answers
from sparring.suite import load_suite
from sparring.transcripts import read_transcripts

WORLD = RoleOverrides(model="scripted:world")


def pool_of(reply) -> ModelPool:
    pool = ModelPool()
    pool.add(ScriptedModel(reply, "scripted:world"))
    return pool


def with_evaluation(suite_copy, evaluation: str):
    yaml = suite_copy / "suite.yaml"
    yaml.write_text(yaml.read_text().replace("evaluations:\n", f"evaluations:\n  - use: {evaluation}\n", 1))
    return load_suite(suite_copy)


async def test_an_empty_chatbot_reply_is_stored_empty_and_fails_no_empty_replies(suite_copy, tmp_path):
    suite = with_evaluation(suite_copy, "no_empty_replies")

    def reply(request):
        return ChatResponse(content="") if request.tools else world_reply(request)

    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(scenario_ids=["late-40min-fee"], evaluation_ids=["no_empty_replies"], models=WORLD)
    result = await run_suite(suite, store, options, pool_of(reply))
    [conversation] = store.conversations(result.run.id)
    assert conversation.turns[1].role == "agent" and conversation.turns[1].content == ""
    assert [v.outcome for v in store.verdicts(result.run.id)] == [Outcome.FAIL]


async def test_model_faults_are_retried_on_resume_and_replaced_without_duplicates(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))

    def broken(request):
        if request.tools:
            raise TransientModelError("HTTP 503 from the agent's model server")
        return world_reply(request)

    options = RunOptions(scenarios=3, seed=2, models=WORLD, evaluation_ids=["no_invented_policy"], max_retries=0)
    first = await run_suite(example_suite, store, options, pool_of(broken))
    assert first.run.status == RunStatus.COMPLETED
    assert first.errors.by_cause == {"model_fault": 3} and first.errors.too_many(0.0)
    assert first.errors.line().startswith("3 of 3 conversations errored: model_fault 3 (ModelError: scripted:world")
    earlier = store.usage_totals(first.run.id)
    assert earlier["simulator"].calls == 3

    resumed = await run_suite(
        example_suite, store, RunOptions(resume=first.run.id, models=WORLD, retry_errors="model"), pool_of(world_reply)
    )
    assert resumed.conversations == 3 and resumed.errors.errored == 0
    conversations = store.conversations(first.run.id)
    assert len(conversations) == 3 and all(c.end_reason == EndReason.RESOLVED for c in conversations)
    assert len(store.verdicts(first.run.id)) == 3, "old error verdicts deleted, no duplicates"
    # The failed attempts' calls are still counted: nothing spent disappears from the totals.
    # (the new attempts' openings come from the cache; their analyses are new calls)
    assert resumed.run.usage["simulator"].calls == earlier["simulator"].calls + 3
    assert resumed.run.usage["simulator"].cached_calls == 3


async def test_chatbot_errors_are_not_retried_by_default(example_suite, tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "s.db"))
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "crashbot.py").write_text("def bot(messages, tools):\n    raise KeyError('session')\n")
    models = RoleOverrides(model="scripted:world", agent="crashbot:bot")
    options = RunOptions(scenarios=2, models=models, evaluation_ids=["no_invented_policy"])
    first = await run_suite(example_suite, store, options, pool_of(world_reply))
    assert first.errors.by_cause == {"chatbot_error": 2}
    assert {c.error_kind for c in store.conversations(first.run.id)} == {ErrorKind.CHATBOT_ERROR}
    with pytest.raises(ValueError, match="already completed, with no errored conversation for --retry-errors model"):
        await run_suite(example_suite, store, RunOptions(resume=first.run.id, models=WORLD), pool_of(world_reply))


async def test_a_crashing_suite_tool_is_a_backend_error(example_suite, tmp_path, monkeypatch):
    def crash(*_args, **_kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(example_suite.tools["lookup_order"], "function", crash)
    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(scenarios=1, models=WORLD, evaluation_ids=["no_invented_policy"])
    result = await run_suite(example_suite, store, options, pool_of(world_reply))
    assert result.errors.by_cause == {"backend_error": 1}
    assert "tool lookup_order crashed: ZeroDivisionError" in store.conversations(result.run.id)[0].error


def test_error_summary_threshold():
    summary = ErrorSummary(10, {"chatbot_error": 1}, {"chatbot_error": "HTTPError: 500"})
    assert summary.too_many(0.0) and not summary.too_many(0.1) and summary.too_many(0.05)
    assert summary.line() == "1 of 10 conversations errored: chatbot_error 1 (HTTPError: 500)"
    assert not ErrorSummary(10).too_many(0.0)


async def test_usage_and_call_stats_are_stored_with_every_commit(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    seen = []

    class Watch:
        def started(self, run, pending):
            pass

        def finished(self, conversation, verdicts):
            # What a kill -9 right now would leave: the run row must already agree with the stored conversations.
            # (read between two sums: the next group commit may land in the middle, then the sample is skipped)
            totals = store.usage_totals(conversation.run_id)
            row = store.get_run(conversation.run_id)
            if store.usage_totals(conversation.run_id) == totals:
                seen.append(row.usage["simulator"].calls == totals["simulator"].calls)
            seen.append(row.call_stats["scripted:world"].succeeded > 0)

    options = RunOptions(scenarios=3, models=WORLD, concurrency=1, evaluation_ids=["no_invented_policy"])
    result = await run_suite(example_suite, store, options, pool_of(world_reply), observer=Watch())
    assert seen and all(seen)
    stored = store.conversations(result.run.id)
    assert result.run.usage["judge"].calls == sum(c.usage["judge"].calls for c in stored) == 3


async def test_max_cost_on_resume_counts_what_was_already_spent(suite_copy, tmp_path):
    yaml = suite_copy / "suite.yaml"
    price = "openai:gpt-4o: {input: 2.50, output: 10.00}"
    yaml.write_text(yaml.read_text().replace(price, price + "\n    scripted:world: {input: 100, output: 100}"))
    suite = load_suite(suite_copy)
    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(scenarios=2, models=WORLD, evaluation_ids=["no_invented_policy"])
    first = await run_suite(suite, store, options, pool_of(world_reply))
    spent = sum(first.run.cost_usd.values())
    assert spent > 0
    # The run row loses its totals (as a kill -9 left it before usage was stored per conversation) and the
    # run is resumed with one more scenario: the budget still counts what the stored conversations cost.
    more = [*first.run.scenario_ids, "late-40min-fee"]
    store.save_run(first.run.model_copy(update={"usage": {}, "status": RunStatus.INTERRUPTED, "scenario_ids": more}))
    resume = RunOptions(resume=first.run.id, models=WORLD, max_cost_usd=spent)
    resumed = await run_suite(suite, store, resume, pool_of(world_reply))
    assert resumed.run.status == RunStatus.STOPPED and resumed.conversations == 0
    assert sum(resumed.run.cost_usd.values()) == pytest.approx(spent)


def seeded_world(request):
    """The scripted world, with the customer's wording drawn from the request's seed."""
    if not request.tools and not request.response_schema:  # the customer writing a message
        words = random.Random(request.seed).sample(["late", "cold", "missing", "wrong", "soggy", "lost", "odd"], 3)
        return f"{world_reply(request)} It was {' and '.join(words)}."
    return world_reply(request)


async def test_a_fresh_sampling_seed_simulates_anew_instead_of_replaying_the_cache(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    clock = datetime(2026, 6, 1, 12, tzinfo=UTC)
    options = RunOptions(scenarios=3, seed=5, models=WORLD, evaluation_ids=["no_invented_policy"], clock=clock)
    first = await run_suite(example_suite, store, options, pool_of(seeded_world))
    replay = await run_suite(example_suite, store, options, pool_of(seeded_world))
    assert replay.run.call_stats["scripted:world"].cache_misses == 0, "premise: same seed, all from the cache"
    fresh_options = RunOptions(**{**options.__dict__, "sampling_seed": 99})
    fresh = await run_suite(example_suite, store, fresh_options, pool_of(seeded_world))
    assert fresh.run.call_stats["scripted:world"].cache_misses > 0

    def openings(run_id):
        return [c.turns[0].content for c in store.conversations(run_id)]

    assert openings(replay.run.id) == openings(first.run.id)
    assert all(a != b for a, b in zip(openings(fresh.run.id), openings(first.run.id), strict=True))


# Two of these keep the order number until asked, which the scripted customer gives away at once.
FOUR = [
    "fraud-review-asks-credit",
    "high-value-party-order-late",
    "missing-item-two-days-later",
    "policy-question-refund-window",
]


async def test_suspect_scenarios_come_from_the_store(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(scenario_ids=FOUR, seed=3, models=WORLD)
    result = await run_suite(example_suite, store, options, pool_of(world_reply))
    suspects = store.suspect_scenario_ids(result.run.id, result.run.simulator_evaluation_ids)
    assert suspects == ["fraud-review-asks-credit", "missing-item-two-days-later"]


def test_the_cost_bound_counts_every_judge_sample(example_suite):
    settings = model_settings(example_suite, WORLD)
    judges = [e for e in example_suite.evaluations if e.kind == "judge"]
    once = estimate_conversation(example_suite, settings, 4, judge_answers(judges))["judge"]
    five = [e.model_copy(update={"judge_samples": 5}) for e in judges]
    assert judge_answers(five) == 5 * len(judges)
    assert estimate_conversation(example_suite, settings, 4, judge_answers(five))["judge"].calls == 5 * once.calls
    retries = example_suite.config.simulation.judge_retries
    assert once.calls == len(judges) * (retries + 1)


async def test_eval_needs_only_a_judge_model(example_suite, tmp_path, monkeypatch):
    from sparring.models import registry

    monkeypatch.setattr(registry, "embedded_model_available", lambda: False)
    transcripts = tmp_path / "t.jsonl"
    transcripts.write_text(
        '{"id": "a", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n'
    )
    imported = read_transcripts(transcripts, None, False, None, None)
    store = Store.open(str(tmp_path / "s.db"))
    options = RunOptions(models=RoleOverrides(judge="scripted:world"), evaluation_ids=["professional_tone"])
    result = await evaluate_transcripts(
        example_suite, store, imported.transcripts, str(transcripts), options, pool_of(world_reply)
    )
    assert result.run.settings.judge == "scripted:world" and result.run.settings.simulator == "none"
    assert [v.outcome for v in store.verdicts(result.run.id)] == [Outcome.PASS]


def test_resimulate_suspect_over_a_real_server_simulates_anew(example_suite, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli.test_cli import http_world
    from sparring.cli import app
    from sparring.testing import StubServer

    def seeded_http_world(body):
        answer = http_world(body)
        if not body.get("tools") and not body.get("response_format"):  # the customer writing a message
            words = random.Random(body.get("seed")).sample(["late", "cold", "missing", "wrong", "soggy", "lost"], 3)
            answer["content"] += f" It was {' and '.join(words)}."
        return answer

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = str(tmp_path / "s.db")
    cli = CliRunner()
    with StubServer(seeded_http_world) as server:
        common = ["--model", "openai:stub", "--base-url", server.base_url, "--db", db]
        first = cli.invoke(
            app,
            [
                "run",
                str(example_suite.root),
                *(a for s in FOUR for a in ("--scenario", s)),
                "--seed",
                "3",
                "--label",
                "v1",
            ]
            + common,
        )
        again = cli.invoke(app, ["run", str(example_suite.root), "--resimulate-suspect", "v1", *common])
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    assert "re-simulating 2 suspect scenario(s)" in again.output
    store = Store.open(db)
    new, old = store.list_runs()[:2]
    assert new.scenario_ids == ["fraud-review-asks-credit", "missing-item-two-days-later"]
    assert new.call_stats["openai:stub"].cache_misses > 0, "simulated, not replayed"
    before = {c.scenario_id: c.turns[0].content for c in store.conversations(old.id)}
    after = {c.scenario_id: c.turns[0].content for c in store.conversations(new.id)}
    assert all(after[s] != before[s] for s in new.scenario_ids)


def test_dry_run_counts_judge_samples(suite_copy, monkeypatch):
    from typer.testing import CliRunner

    from sparring.cli import app

    monkeypatch.setenv("COLUMNS", "200")

    def judge_calls() -> int:
        args = ["run", str(suite_copy), "--dry-run", "--model", "openai:x", "--base-url", "http://127.0.0.1:9/v1"]
        result = CliRunner().invoke(app, [*args, "--scenarios", "2"])
        assert result.exit_code == 0, result.output
        row = next(line for line in result.output.splitlines() if line.startswith("│ judge"))
        return int(row.split("│")[3].strip().replace(",", ""))

    once = judge_calls()
    yaml = suite_copy / "suite.yaml"
    yaml.write_text(yaml.read_text().replace("simulation:\n", "simulation:\n  judge_samples: 5\n", 1))
    assert judge_calls() == 5 * once
