"""Rejudging a stored run: new verdicts from the judge alone, the conversations copied as they were, a new run."""

import pytest

from scripted_world import world_model
from sparring import ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.analysis import compare_outcomes, scenario_outcomes
from sparring.data_model import RunStatus
from sparring.runner import rejudge_run

FLIPPED = "no_invented_policy"


def always_fail(request):
    """A judge that fails every conversation."""
    assert request.schema_name == "verdict", "only the judge may be called when rejudging"
    return {"reasoning": "strict judge", "verdict": "fail"}


async def stored_run(suite, store, pool):
    options = RunOptions(label="v1", scenarios=3, seed=2, models=RoleOverrides(model="scripted:world"))
    return (await run_suite(suite, store, options, pool)).run


def outcomes(store, run_id):
    return {(v.conversation_id.split(":", 1)[1], v.evaluation_id): v.outcome for v in store.verdicts(run_id)}


@pytest.fixture
def world():
    pool, world, strict = ModelPool(), world_model(), ScriptedModel(always_fail, name="scripted:strict")
    pool.add(world)
    pool.add(strict)
    return pool, world, strict


async def test_rejudging_one_evaluation_calls_only_the_judge_and_keeps_the_rest(example_suite, tmp_path, world):
    pool, world_calls, strict = world
    store = Store.open(str(tmp_path / "r.db"))
    origin = await stored_run(example_suite, store, pool)
    calls_before = len(world_calls.requests)

    result = await rejudge_run(store, example_suite, "v1", [FLIPPED], "scripted:strict", pool=pool)

    assert len(world_calls.requests) == calls_before, "no simulator, agent or old judge call"
    assert strict.requests, "the new judge judged"
    new = result.run
    assert new.id != origin.id and new.label == "v1-rejudged" and new.status == RunStatus.COMPLETED
    assert new.settings.judge == "scripted:strict" and new.settings.simulator == origin.settings.simulator
    assert new.evaluation_ids == [e for e in origin.evaluation_ids if e != FLIPPED] + [FLIPPED]
    before, after = outcomes(store, origin.id), outcomes(store, new.id)
    assert before.keys() == after.keys()
    changed = {key for key in before if before[key] != after[key]}
    assert changed and all(evaluation == FLIPPED for _, evaluation in changed)
    assert all(after[key] == Outcome.FAIL for key in after if key[1] == FLIPPED)
    assert new.usage["simulator"].calls == 0 and new.usage["agent"].calls == 0 and new.usage["judge"].calls == 3
    summary = {s.evaluation_id: s for s in result.summaries}
    assert summary[FLIPPED].pass_rate == 0.0 and set(summary) == set(new.evaluation_ids)


async def test_conversations_are_copied_unchanged_and_compare_pairs_them(example_suite, tmp_path, world):
    pool, _, _ = world
    store = Store.open(str(tmp_path / "r.db"))
    origin = await stored_run(example_suite, store, pool)
    new = (
        await rejudge_run(store, example_suite, origin.id, [FLIPPED], "scripted:strict", label="strict", pool=pool)
    ).run
    old_conversations = {(c.scenario_id, c.trial): c for c in store.conversations(origin.id)}
    new_conversations = {(c.scenario_id, c.trial): c for c in store.conversations(new.id)}
    assert old_conversations.keys() == new_conversations.keys()
    fields = {"id", "run_id", "usage"}
    for key, old in old_conversations.items():
        copy = new_conversations[key]
        assert copy.run_id == new.id and copy.id.startswith(new.id + ":")
        assert copy.model_dump(exclude=fields) == old.model_dump(exclude=fields)
    a = scenario_outcomes(store.scenario_outcome_rows(origin.id))
    b = scenario_outcomes(store.scenario_outcome_rows(new.id))
    by_evaluation = {c.evaluation_id: c for c in compare_outcomes(a, b, 0.05, 0)}
    assert by_evaluation[FLIPPED].pass_rate_b == 0.0 and by_evaluation[FLIPPED].pass_rate_a == 1.0
    assert by_evaluation["valid_tool_calls"].pass_rate_a == by_evaluation["valid_tool_calls"].pass_rate_b


async def test_the_rejudged_run_names_its_origin(example_suite, tmp_path, world):
    pool, _, _ = world
    store = Store.open(str(tmp_path / "r.db"))
    origin = await stored_run(example_suite, store, pool)
    new = (await rejudge_run(store, example_suite, "v1", pool=pool)).run
    assert store.get_run(new.id).rejudged_from == origin.id


async def test_bad_input_raises_before_any_call_and_writes_nothing(example_suite, tmp_path, world):
    pool, world_calls, strict = world
    store = Store.open(str(tmp_path / "r.db"))
    await stored_run(example_suite, store, pool)
    calls = len(world_calls.requests)
    with pytest.raises(ValueError, match="unknown evaluation ids: bogus"):
        await rejudge_run(store, example_suite, "v1", ["bogus"], "scripted:strict", pool=pool)
    with pytest.raises(LookupError, match="no run with id or label 'nope'"):
        await rejudge_run(store, example_suite, "nope", pool=pool)
    assert store.count_runs() == 1 and len(world_calls.requests) == calls and not strict.requests


async def test_an_imported_run_is_rejudged_as_imported(example_suite, tmp_path, world):
    from sparring.runner.imported import evaluate_transcripts
    from sparring.transcripts import read_transcripts

    pool, _, strict = world
    transcripts = tmp_path / "t.jsonl"
    transcripts.write_text(
        '{"id": "a", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello!"}]}\n'
    )
    imported = read_transcripts(transcripts, None, False, None, None)
    store = Store.open(str(tmp_path / "r.db"))
    options = RunOptions(label="prod", models=RoleOverrides(judge="scripted:world"))
    origin = (await evaluate_transcripts(example_suite, store, imported.transcripts, "t.jsonl", options, pool)).run
    new = (
        await rejudge_run(
            store, example_suite, "prod", ["professional_tone", "sim_facts_when_asked"], "scripted:strict", pool=pool
        )
    ).run
    assert new.source == origin.source == "t.jsonl" and new.label == "prod-rejudged"
    after = {v.evaluation_id: v.outcome for v in store.verdicts(new.id)}
    assert after["professional_tone"] == Outcome.FAIL and len(strict.requests) == 1
    assert after["sim_facts_when_asked"] == Outcome.NOT_APPLICABLE, "no simulated customer to check"
    assert len(after) == len(origin.evaluation_ids)


async def test_rejudging_everything_with_the_same_judge_reproduces_every_verdict_from_the_cache(
    example_suite, tmp_path, world
):
    pool, world_calls, _ = world
    store = Store.open(str(tmp_path / "r.db"))
    origin = await stored_run(example_suite, store, pool)
    calls = len(world_calls.requests)
    new = (await rejudge_run(store, example_suite, "v1", pool=pool)).run
    assert outcomes(store, new.id) == outcomes(store, origin.id), "checks see the same backend state and clock"
    assert len(world_calls.requests) == calls, "an unchanged judge answers from the cache"
    assert new.usage["judge"].calls == 0 and new.usage["judge"].cached_calls > 0
