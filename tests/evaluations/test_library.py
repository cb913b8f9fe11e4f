"""The built-in evaluation library: its size and families, and every entry against its own pass and fail
examples (real logic for checks; for judges, the prompt each one sends, with a scripted judge)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparring import Outcome, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.evaluations import Evaluator, SuiteFacts, build_evaluations
from sparring.evaluations.judge import DEFAULT_JUDGE_PROMPT, describe_scenario
from sparring.evaluations.library import (
    builtin_checks,
    builtin_evaluations,
    example_context,
    example_scenario,
    examples,
)
from sparring.evaluations.spec import FAMILIES
from sparring.evaluations.transcript import render_transcript
from sparring.models import MeteredModel
from sparring.prompts import load_prompt

LIBRARY = builtin_evaluations()
EXAMPLES = examples()
CONTEXT = example_context()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CASES = [
    (evaluation_id, outcome, conversation)
    for evaluation_id, by_outcome in sorted(EXAMPLES.items())
    for outcome, conversations in by_outcome.items()
    for conversation in conversations
]


def test_the_library_has_thirty_plus_evaluations_in_the_five_families():
    assert len(LIBRARY) >= 30
    assert {s.family for s in LIBRARY.values()} == set(FAMILIES)
    for family in FAMILIES:
        assert sum(s.family == family for s in LIBRARY.values()) >= 4, family
    assert sum(s.family != "simulator" for s in LIBRARY.values()) >= 30, "30+ evaluations of the chatbot itself"
    assert all(s.description and s.source == "builtin" for s in LIBRARY.values())


def test_every_evaluation_has_a_passing_and_a_failing_example():
    assert set(EXAMPLES) == set(LIBRARY)
    for evaluation_id, by_outcome in EXAMPLES.items():
        assert by_outcome.get("pass") and by_outcome.get("fail"), evaluation_id


def test_every_judge_has_its_own_template_and_every_check_its_function():
    hashes = set()
    for spec in LIBRARY.values():
        if spec.kind == "judge":
            template = load_prompt(spec.template, (str(Path(DEFAULT_JUDGE_PROMPT.origin).parent),))
            assert Path(spec.template).parent.name == spec.family
            hashes.add(template.hash)
        else:
            assert spec.id in builtin_checks()
    assert len(hashes) == sum(s.kind == "judge" for s in LIBRARY.values()), "each judge prompt is distinct"


def evaluator_for(evaluation_id: str) -> Evaluator:
    facts = SuiteFacts(CONTEXT["policy"], {}, CONTEXT["action_tools"], CONTEXT["handoff_tools"])
    return Evaluator(build_evaluations([LIBRARY[evaluation_id]], builtin_checks(), facts, judge_retries=0))


@pytest.mark.parametrize(
    ("evaluation_id", "outcome", "conversation"),
    [c for c in CASES if LIBRARY[c[0]].kind == "check"],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_check_decides_its_examples(evaluation_id, outcome, conversation):
    judge = MeteredModel(ScriptedModel([]), TokenUsage())  # a check never calls it
    scenario = example_scenario(LIBRARY[evaluation_id].family)
    [verdict] = await evaluator_for(evaluation_id).evaluate(conversation, scenario, {}, judge, NOW)
    assert verdict.outcome == Outcome(outcome), verdict.reasoning
    function = builtin_checks()[evaluation_id]
    assert verdict.check_name == f"{function.__module__}.{evaluation_id}"
    assert verdict.check_name.startswith("sparring.evaluations.library.")
    assert verdict.judge_model is None and verdict.prompt_hash is None, "a check is not a model"


@pytest.mark.parametrize(
    ("evaluation_id", "outcome", "conversation"),
    [c for c in CASES if LIBRARY[c[0]].kind == "judge"],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_judge_sends_its_question_the_transcript_and_the_policy(evaluation_id, outcome, conversation):
    spec = LIBRARY[evaluation_id]
    model = ScriptedModel([{"reasoning": "scripted", "verdict": outcome}])
    scenario = example_scenario(spec.family)
    [verdict] = await evaluator_for(evaluation_id).evaluate(
        conversation, scenario, {}, MeteredModel(model, TokenUsage()), NOW
    )
    assert verdict.outcome == Outcome(outcome) and verdict.prompt_hash
    prompt = model.requests[0].messages[0].content
    transcript = render_transcript(conversation)
    question = Path(spec.template).read_text().split("{% block question %}")[1].split("{% endblock %}")[0]
    question = question.replace("{{ scenario }}", describe_scenario(scenario))
    assert question.strip() in prompt, "the evaluation's own question"
    assert f"<{transcript.boundary}>\n{transcript.text}\n</{transcript.boundary}>" in prompt
    assert CONTEXT["policy"].strip() in prompt
    assert prompt.index(transcript.boundary) < prompt.index(question.strip()), "shared prefix first"
    assert "{%" not in prompt and "{{" not in prompt


def test_a_prompt_hash_covers_the_template_it_extends(tmp_path):
    (tmp_path / "frame.j2").write_text("Frame v1. {% block question %}{% endblock %}")
    child = tmp_path / "child.j2"
    child.write_text('{% extends "frame.j2" %}{% block question %}Q{% endblock %}')
    first = load_prompt(child)
    (tmp_path / "frame.j2").write_text("Frame v2. {% block question %}{% endblock %}")
    load_prompt.cache_clear()
    second = load_prompt(child)
    assert first.render() == "Frame v1. Q" and second.render() == "Frame v2. Q"
    assert first.hash != second.hash, "editing the shared frame is a new prompt version"
