"""The library entry points `sparring run` calls, on their own: `estimate_run` (the --dry-run figures),
`check_models` (a spec that cannot work, before anything is opened), and `record_run`, the one skeleton every
`Executor` runs under (the status it records for each way an execution ends), on a real SQLite file."""

import asyncio

import pytest

from sparring.data_model import CallStats, RunStatus
from sparring.models import ModelError
from sparring.runner import RoleOverrides, RunOptions, RunPlan, check_models, estimate_run, record_run
from sparring.runner.cost import estimate_conversation
from sparring.runner.plan import judge_answers, new_run, select_evaluations
from sparring.runner.roles import model_settings
from sparring.store import Store

WORLD = RoleOverrides(model="scripted:world")


def test_the_estimate_is_one_conversations_bound_times_the_conversations(example_suite):
    options = RunOptions(trials=3, scenarios=2, models=WORLD, max_turns=4)
    estimate = estimate_run(example_suite, options)
    one = estimate_conversation(
        example_suite, model_settings(example_suite, WORLD), 4, judge_answers(select_evaluations(example_suite, []))
    )
    assert estimate.conversations == 2 * 3
    for role, bound in one.items():
        assert estimate.per_role[role].calls == bound.calls * 6
        assert estimate.per_role[role].prompt_tokens == bound.prompt_tokens * 6
    assert estimate.cost_usd == pytest.approx(sum(b.cost_usd for b in one.values()) * 6)
    assert estimate.unpriced == ["scripted:world"]  # the suite prices no scripted model: counted as free


def test_the_estimate_refuses_an_unknown_evaluation_as_the_run_would(example_suite):
    with pytest.raises(ValueError, match="unknown evaluation ids: nope"):
        estimate_run(example_suite, RunOptions(evaluation_ids=["nope"], models=WORLD))


def test_a_model_spec_that_cannot_work_fails_the_check(example_suite):
    with pytest.raises(ModelError):
        check_models(example_suite, RoleOverrides(judge="nosuchprovider:x"))
    check_models(example_suite, RoleOverrides(model="openai:gpt-4o-mini"))  # a known provider: nothing loaded


class Ending:
    """An executor that ends as told: refusing some conversations, cancelled, or failing."""

    def __init__(self, refused: int = 0, error: BaseException | None = None) -> None:
        self.refused, self.error = refused, error

    async def execute(self, plan, store, observer) -> int:
        if self.error is not None:
            raise self.error
        return self.refused

    def call_stats(self) -> list[dict[str, CallStats]]:
        return [{"scripted:world": CallStats(requests=3, succeeded=3)}]


@pytest.mark.parametrize(
    ("executor", "status"),
    [
        (Ending(), RunStatus.COMPLETED),
        (Ending(refused=2), RunStatus.STOPPED),
        (Ending(error=asyncio.CancelledError()), RunStatus.INTERRUPTED),
        (Ending(error=RuntimeError("boom")), RunStatus.FAILED),
    ],
)
def test_record_run_stores_how_the_execution_ended(example_suite, tmp_path, executor, status):
    store = Store.open(str(tmp_path / "runs.db"))
    run = new_run(example_suite, RunOptions(models=WORLD))
    plan = RunPlan(run, [], select_evaluations(example_suite, run.evaluation_ids))
    if executor.error is None:
        result = asyncio.run(record_run(executor, store, plan, {}))
        assert result.run.status == status
    else:
        with pytest.raises(type(executor.error)):
            asyncio.run(record_run(executor, store, plan, {}))
    stored = store.get_run(run.id)
    assert stored.status == status and stored.finished_at is not None
    assert stored.call_stats["scripted:world"].requests == 3
