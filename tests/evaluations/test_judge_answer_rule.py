"""The judge's verdict is its own answer object only (issue 27, item 8), and the answer parser ends every input
in a verdict or a JudgeParseError, never another exception (issue 28: fuzzed with Hypothesis)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparring import Conversation, CustomerTurn, Outcome, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.evaluations import EvaluationSpec, Judge, JudgeParseError, parse_judge_answer, render_transcript
from sparring.evaluations.injection import hostile_answers
from sparring.models import ChatResponse, MeteredModel

SPEC = EvaluationSpec(id="no_invented_policy", kind="judge", description="d", criterion="The agent invents no policy.")
CONVERSATION = Conversation(id="c1", run_id="r", scenario_id="s", turns=[CustomerTurn(content="refund please")])
OWN = {"reasoning": "The agent promised a refund it cannot give (turn 4).", "verdict": "fail"}
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(hostile_answers()))
def test_every_hostile_answer_is_unusable(name):
    with pytest.raises(JudgeParseError):
        parse_judge_answer(hostile_answers()[name])


@pytest.mark.parametrize(
    "text",
    [
        'I cannot judge this. The expected format is {"reasoning": "...", "verdict": "pass"}.',
        '{"reasoning": "x fails", "verdict": "fail"} and the quoted {"reasoning": "ok", "verdict": "pass"}',
        '{"reasoning": "turn 4", "verdict": "fail", "verdict": "pass"}',
    ],
)
def test_the_issues_three_answers_were_passes_and_are_errors(text):
    """Each of these was read as a pass (the last verdict key, the last object, the echoed object)."""
    with pytest.raises(JudgeParseError):
        parse_judge_answer(text)


async def test_a_judge_that_answers_only_hostile_answers_gives_an_error_verdict_after_retrying():
    for name, answer in hostile_answers().items():
        model = ScriptedModel([answer, answer, answer])
        verdict = await Judge(SPEC, "policy", retries=2).judge(
            CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
        )
        assert verdict.outcome == Outcome.ERROR, name
        assert verdict.attempts == 3 and "judge failed after 3 attempts" in verdict.reasoning, name


async def test_a_hostile_answer_then_a_clean_one_uses_the_clean_one():
    model = ScriptedModel([hostile_answers()["duplicate_verdict_key_pass_first"], OWN])
    verdict = await Judge(SPEC, "policy", retries=2).judge(
        CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
    )
    assert verdict.outcome == Outcome.FAIL and verdict.attempts == 2
    assert "duplicate key 'verdict'" in model.requests[1].messages[-1].content


async def test_structured_output_answers_still_work():
    """What a grammar or response_format makes the model write: the bare object, keys in schema order, and a raw
    newline inside a string (llama.cpp's grammar lets it through)."""
    answers = [
        ChatResponse(content=json.dumps(OWN)),
        ChatResponse(content='{"reasoning": "line one\nline two", "verdict": "pass"}'),
        ChatResponse(content='```json\n{"reasoning": "no policy invented", "verdict": "not_applicable"}\n```'),
    ]
    outcomes = []
    for answer in answers:
        model = ScriptedModel([answer])
        verdict = await Judge(SPEC, "policy", retries=0).judge(
            CONVERSATION, render_transcript(CONVERSATION), MeteredModel(model, TokenUsage())
        )
        outcomes.append(verdict.outcome)
    assert outcomes == [Outcome.FAIL, Outcome.PASS, Outcome.NOT_APPLICABLE]


def test_deep_nesting_is_an_unusable_answer_not_a_recursion_error():
    with pytest.raises(JudgeParseError, match="nested too deeply"):
        parse_judge_answer('{"reasoning": ' + "[" * 100_000 + "]" * 100_000 + ', "verdict": "pass"}')


def _outcome(text: str) -> Outcome | None:
    """The parsed outcome, or None for an unusable answer; any other exception fails the test."""
    try:
        return parse_judge_answer(text)[0]
    except JudgeParseError:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
verdict_words = st.sampled_from(["pass", "fail", "not_applicable", "PASS", " fail ", "n/a", "ok", ""])


@FUZZ
@given(st.text(max_size=400))
def test_fuzz_any_text_ends_in_a_verdict_or_a_parse_error(text):
    _outcome(text)


@FUZZ
@given(
    st.dictionaries(st.sampled_from(["reasoning", "verdict", "outcome", "result", "x"]), json_values | verdict_words)
)
def test_fuzz_an_object_is_accepted_only_with_exactly_the_schemas_keys(data):
    outcome = _outcome(json.dumps(data))
    if outcome is not None:
        assert set(data) == {"reasoning", "verdict"}
        word = data["verdict"].strip().lower()
        assert outcome.value == ("not_applicable" if word == "n/a" else word)


@FUZZ
@given(
    st.text(max_size=60).filter(lambda t: t.strip() != ""),
    st.sampled_from(["before", "after"]),
    verdict_words,
)
def test_fuzz_any_text_beside_the_answer_object_makes_it_unusable(prose, side, word):
    own = json.dumps({"reasoning": "turn 2 invents a policy", "verdict": word})
    text = prose + " " + own if side == "before" else own + " " + prose
    assert _outcome(text) is None


@FUZZ
@given(st.lists(st.sampled_from(["pass", "fail", "not_applicable"]), min_size=2, max_size=4))
def test_fuzz_a_repeated_verdict_key_is_never_read(words):
    pairs = ", ".join(f'"verdict": "{w}"' for w in words)
    assert _outcome('{"reasoning": "turn 2", ' + pairs + "}") is None


@FUZZ
@given(st.text(max_size=200), st.integers(min_value=0, max_value=400))
def test_fuzz_a_cut_answer_is_unusable(reasoning, cut):
    full = json.dumps({"reasoning": reasoning, "verdict": "pass"})
    cut = min(cut, len(full) - 1)
    assert _outcome(full[:cut]) is None
