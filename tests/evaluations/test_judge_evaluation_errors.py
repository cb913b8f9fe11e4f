"""One broken evaluation of one conversation is an `error` verdict naming the exception; the run goes on
(a real run into a real SQLite file, with a judge whose model raises on one scenario's transcript)."""

from scripted_world import world_reply
from sparring import ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.data_model import Outcome

JUDGE = "professional_tone"
CHECK = "credit_within_limits"


def exploding_on(order_id: str):
    """The world, except that the judge raises a non-model exception on one order's transcript."""

    def reply(request):
        if request.schema_name == "verdict" and order_id in request.messages[-1].content:
            raise RuntimeError("judge exploded")
        return world_reply(request)

    return reply


async def test_an_exception_in_one_evaluation_is_an_error_verdict_and_the_run_completes(
    example_suite, tmp_path, monkeypatch
):
    def broken(ctx):
        raise KeyError("oops")

    monkeypatch.setitem(example_suite.checks, CHECK, broken)
    store = Store.open(str(tmp_path / "errors.db"))
    pool = ModelPool()
    pool.add(ScriptedModel(exploding_on("O-2001"), "scripted:world"))
    options = RunOptions(
        label="e", evaluation_ids=[JUDGE, CHECK], cache=False, models=RoleOverrides(model="scripted:world")
    )
    result = await run_suite(example_suite, store, options, pool)
    verdicts = store.verdicts(result.run.id)
    conversations = store.conversations(result.run.id)
    assert len(conversations) == len(example_suite.scenarios)
    judged = [v for v in verdicts if v.evaluation_id == JUDGE]
    errors = [v for v in judged if v.outcome == Outcome.ERROR]
    assert errors and "RuntimeError: judge exploded" in errors[0].reasoning
    assert any(v.outcome == Outcome.PASS for v in judged), "the other conversations are still judged"
    checked = [v for v in verdicts if v.evaluation_id == CHECK and v.outcome != Outcome.NOT_APPLICABLE]
    assert checked and all(v.outcome == Outcome.ERROR and "KeyError" in v.reasoning for v in checked)
