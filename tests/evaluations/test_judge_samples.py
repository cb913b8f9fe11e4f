"""Repeated judging: k samples, majority vote, every sample kept, disagreement flagged, stored in SQLite."""

import pytest

from sparring import Conversation, CustomerTurn, Outcome, ScriptedModel, Store
from sparring.data_model import JudgeSample
from sparring.data_model.run import TokenUsage
from sparring.evaluations import EvaluationSpec, Judge, render_transcript
from sparring.evaluations.judge import SAMPLING_TEMPERATURE, majority
from sparring.models import MeteredModel

CONVERSATION = Conversation(id="r:s:0", run_id="r", scenario_id="s", turns=[CustomerTurn(content="hi")])


def spec(k: int) -> EvaluationSpec:
    return EvaluationSpec(id="polite", kind="judge", description="d", criterion="The AGENT is polite.", judge_samples=k)


def answers(*verdicts: str) -> list:
    return [{"reasoning": f"sample {i}", "verdict": v} if v != "junk" else "junk" for i, v in enumerate(verdicts)]


@pytest.mark.parametrize(
    ("outcomes", "winner", "agreement"),
    [
        (["pass", "pass", "fail"], Outcome.PASS, 2 / 3),
        (["pass", "fail"], Outcome.FAIL, 0.5),  # a tie is never a pass
        (["pass", "not_applicable"], Outcome.NOT_APPLICABLE, 0.5),
        (["error", "error", "pass"], Outcome.ERROR, 1 / 3),  # one usable answer of three is not a pass
        (["error", "pass", "pass"], Outcome.PASS, 2 / 3),
        (["error", "error"], Outcome.ERROR, 0.0),
        (["fail"] * 5, Outcome.FAIL, 1.0),
    ],
)
def test_majority(outcomes, winner, agreement):
    assert majority([JudgeSample(outcome=Outcome(o)) for o in outcomes]) == (winner, pytest.approx(agreement))


async def test_three_samples_vote_and_a_split_is_flagged_unstable():
    model = ScriptedModel(answers("fail", "pass", "fail"))
    verdict = await Judge(spec(3), "policy").judge(
        CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
    )
    assert verdict.outcome == Outcome.FAIL and [s.outcome for s in verdict.samples] == ["fail", "pass", "fail"]
    assert verdict.agreement == pytest.approx(2 / 3) and verdict.unstable
    assert "[votes: fail 2, pass 1]" in verdict.reasoning
    assert [r.sample for r in model.requests] == [0, 1, 2], "each sample is a distinct request (and cache key)"
    assert {r.temperature for r in model.requests} == {SAMPLING_TEMPERATURE}


async def test_unanimous_samples_are_stable_and_a_junk_sample_is_retried():
    model = ScriptedModel(answers("pass", "junk", "pass", "pass"))
    verdict = await Judge(spec(3), "policy", retries=1).judge(
        CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
    )
    assert verdict.outcome == Outcome.PASS and verdict.agreement == 1.0 and not verdict.unstable
    assert verdict.attempts == 4


async def test_one_sample_is_greedy_and_records_no_vote():
    model = ScriptedModel(answers("pass"))
    verdict = await Judge(spec(1), "policy").judge(
        CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
    )
    assert verdict.samples == [] and verdict.agreement is None and model.requests[0].temperature == 0.0


async def test_samples_survive_the_database(tmp_path):
    from datetime import UTC, datetime

    from sparring import Run
    from sparring.data_model.run import ModelSettings

    model = ScriptedModel(answers("fail", "pass", "fail"))
    verdict = await Judge(spec(3), "policy").judge(
        CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
    )
    store = Store.open(str(tmp_path / "s.db"))
    now = datetime.now(UTC)
    settings = ModelSettings(simulator="a", agent="b", judge="c")
    store.save_run(Run(id="r", label="l", suite="s", settings=settings, clock=now, started_at=now))
    store.save_conversation(CONVERSATION, [verdict])
    [loaded] = store.verdicts("r")
    assert loaded == verdict
