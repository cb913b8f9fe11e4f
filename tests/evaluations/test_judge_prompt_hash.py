"""A calibration belongs to exactly what it measured: the judge prompt hash changes with every input that
changes the prompt (template and the frame it extends, criterion, policy, few-shot examples, answer schema)."""

import pytest

from sparring.evaluations import EvaluationSpec, Judge
from sparring.evaluations import judge as judge_module

BASE = EvaluationSpec(id="tone", kind="judge", description="d", criterion="The agent is polite.")


def hash_of(spec: EvaluationSpec = BASE, policy: str = "Refunds need a lookup.") -> str:
    return Judge(spec, policy).prompt_hash


def template(tmp_path, name: str, body: str) -> str:
    file = tmp_path / name
    file.write_text(body)
    return str(file)


def test_the_same_inputs_give_the_same_hash():
    assert hash_of() == hash_of() and len(hash_of()) == 12


@pytest.mark.parametrize(
    "change",
    [
        {"criterion": "The agent is polite and brief."},
        {"policy": "Refunds above 50 need a supervisor."},
    ],
)
def test_criterion_and_policy_change_the_hash(change):
    spec = BASE.model_copy(update=change)
    assert hash_of(spec) != hash_of(), f"{change} changes the prompt"


def test_the_suite_policy_changes_the_hash_of_a_judge_without_its_own():
    assert hash_of(policy="another policy") != hash_of()


def test_few_shot_examples_and_the_extended_frame_change_the_hash(tmp_path):
    def with_examples(text: str) -> str:
        body = '{% extends "judge.j2" %}{% block guidance %}' + text + "{% endblock %}"
        return template(tmp_path, f"t{abs(hash(text))}.j2", body)

    one = hash_of(BASE.model_copy(update={"template": with_examples("Example: c1 fails.")}))
    two = hash_of(BASE.model_copy(update={"template": with_examples("Example: c2 passes.")}))
    assert one != two != hash_of()
    frame = tmp_path / "judge.j2"  # a frame of its own beside the template, extended instead of the built-in
    frame.write_text("Frame A {{ transcript }} {% block question %}{% endblock %}")
    child = template(tmp_path, "child.j2", '{% extends "judge.j2" %}{% block question %}Q{% endblock %}')
    first = hash_of(BASE.model_copy(update={"template": child}))
    frame.write_text("Frame B {{ transcript }} {% block question %}{% endblock %}")
    judge_module.load_prompt.cache_clear()
    assert hash_of(BASE.model_copy(update={"template": child})) != first, "the extended frame is covered"


def test_the_answer_schema_changes_the_hash(monkeypatch):
    before = hash_of()
    schema = {**judge_module.VERDICT_SCHEMA, "required": ["verdict"]}
    monkeypatch.setattr(judge_module, "VERDICT_SCHEMA", schema)
    assert hash_of() != before
