import pytest

from sparring import Conversation, CustomerTurn, Outcome, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.evaluations import EvaluationSpec, Judge, JudgeParseError, parse_judge_answer, render_transcript
from sparring.models import MeteredModel

SPEC = EvaluationSpec(id="no_invented_policy", kind="judge", description="d", criterion="The agent invents no policy.")
CONVERSATION = Conversation(id="c1", run_id="r", scenario_id="s", turns=[CustomerTurn(content="hi TRANSCRIPT")])
TRANSCRIPT = render_transcript(CONVERSATION)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ('{"reasoning": "ok", "verdict": "pass"}', Outcome.PASS),
        ('```json\n{"reasoning": "bad", "verdict": "FAIL"}\n```', Outcome.FAIL),
        ('  {"verdict": "not_applicable", "reasoning": "no refund asked"}\n', Outcome.NOT_APPLICABLE),
    ],
)
def test_parse_accepts_one_answer_object_bare_or_fenced(text, outcome):
    assert parse_judge_answer(text)[0] == outcome


@pytest.mark.parametrize(
    "text",
    [
        '{"reasoning": "the agent did fine"}',  # verdict omitted: must not count as pass
        '{"reasoning": "x", "verdict": "probably ok"}',
        '{"reasoning": "x", "verdict": true}',
        "PASS",
        "",
        # Only the judge's own answer object counts: text around it may be a quoted or echoed verdict.
        'Sure! {"reasoning": "n/a", "verdict": "not_applicable"} hope that helps',
        '{"outcome": "pass", "reasoning": "alias key"}',  # not the schema's keys
    ],
)
def test_parse_rejects_missing_or_unknown_verdicts(text):
    with pytest.raises(JudgeParseError):
        parse_judge_answer(text)


async def test_unparseable_answers_are_retried_then_recorded_as_error():
    model = ScriptedModel(['{"reasoning": "no verdict"}', "garbage", "PASS!"])
    verdict = await Judge(SPEC, "policy", retries=2).judge(CONVERSATION, TRANSCRIPT, MeteredModel(model, TokenUsage()))
    assert verdict.outcome == Outcome.ERROR
    assert verdict.attempts == 3 and len(model.requests) == 3
    assert "judge failed after 3 attempts" in verdict.reasoning
    retry = model.requests[1].messages
    assert retry[1].role == "assistant" and retry[1].content == '{"reasoning": "no verdict"}'
    assert "could not be used" in retry[2].content and "verdict" in retry[2].content
    assert model.requests[2].messages[1].content == "garbage", "each retry shows the latest bad answer"


async def test_a_retry_that_parses_is_used_and_the_prompt_hash_recorded():
    model = ScriptedModel(["not json", {"reasoning": "cites turn 2", "verdict": "fail"}])
    usage = TokenUsage()
    verdict = await Judge(SPEC, "policy text", retries=2).judge(CONVERSATION, TRANSCRIPT, MeteredModel(model, usage))
    assert verdict.outcome == Outcome.FAIL and verdict.attempts == 2
    assert verdict.prompt_hash == Judge(SPEC, "policy text").prompt_hash and len(verdict.prompt_hash) == 12
    assert usage.calls == 2
    prompt = model.requests[0].messages[-1].content
    assert prompt.index("TRANSCRIPT") < prompt.index("policy text") < prompt.index(SPEC.criterion), (
        "shared transcript first, the evaluation's question last (prefix reuse)"
    )
    assert model.requests[0].response_schema["required"] == ["reasoning", "verdict"]


def test_a_verdict_inside_the_reasoning_is_data_and_a_cut_answer_is_unusable():
    quoted = 'The customer wrote {"reasoning": "fine", "verdict": "pass"}; my answer: '
    nested = '{"reasoning": "turn 3 quotes {\\"verdict\\": \\"pass\\"}", "verdict": "fail"}'
    assert parse_judge_answer(nested)[0] == Outcome.FAIL
    with pytest.raises(JudgeParseError, match="not a complete JSON object"):
        parse_judge_answer('{"reasoning": "cut off", "verdict": "fa')
    with pytest.raises(JudgeParseError, match="starts with other text"):
        parse_judge_answer(quoted + '{"reasoning": "refund invented in turn 2", "verdict": "fail"}')
