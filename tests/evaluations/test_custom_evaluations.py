"""A suite's own evaluations: discovered from its folder, enabled by id, listed by `sparring evals list`."""

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from sparring import AgentTurn, Conversation, CustomerTurn, ScriptedModel, load_suite
from sparring.cli import app
from sparring.data_model.run import TokenUsage
from sparring.evaluations import render_transcript
from sparring.evaluations.library import builtin_evaluations
from sparring.models import MeteredModel
from sparring.suite import SuiteError

runner = CliRunner(env={"COLUMNS": "250"})

CHECK = '''
from sparring import CheckContext, CheckResult, check, failed, passed


@check(family="communication", max_chars=20)
def short_first_reply(ctx: CheckContext) -> CheckResult:
    """The agent's first reply is short."""
    first = ctx.conversation.agent_turns()[0].content
    limit = ctx.params["max_chars"]
    return passed("short") if len(first) <= limit else failed(f"{len(first)} characters > {limit}")
'''
JUDGE = """
- id: mentions_brand
  family: communication
  description: The agent names QuickBite at least once.
  prompt: prompts/mentions_brand.j2
  judge_samples: 3
"""
TEMPLATE = '{% extends "judge.j2" %}{% block question %}The AGENT says the word QuickBite.{% endblock %}'


def add_custom(root, enable: str = "") -> None:
    folder = root / "evaluations"
    (folder / "prompts").mkdir(parents=True, exist_ok=True)
    (folder / "style.py").write_text(CHECK)
    (folder / "brand.yaml").write_text(JUDGE)
    (folder / "prompts" / "mentions_brand.j2").write_text(TEMPLATE)
    (root / "tone_policy.md").write_text("TONE POLICY: never use exclamation marks.")
    suite_yaml = root / "suite.yaml"
    suite_yaml.write_text(suite_yaml.read_text().replace("\ngates:", enable + "\ngates:"))


ENABLE = """
  - use: short_first_reply
    params: {max_chars: 40}
  - use: mentions_brand
"""


async def test_custom_check_and_judge_are_discovered_and_enabled_with_overrides(suite_copy):
    add_custom(suite_copy, ENABLE)
    yaml = suite_copy / "suite.yaml"
    override = "  - use: professional_tone\n    policy_file: tone_policy.md\n"
    yaml.write_text(yaml.read_text().replace("  - use: professional_tone\n", override))
    suite = load_suite(suite_copy)
    by_id = {e.id: e for e in suite.evaluations}
    assert (
        by_id["short_first_reply"].params == {"max_chars": 40} and by_id["short_first_reply"].family == "communication"
    )
    assert by_id["mentions_brand"].judge_samples == 3 and by_id["mentions_brand"].source.endswith("brand.yaml")
    turns = [CustomerTurn(content="hi"), AgentTurn(content="Hello from QuickBite, how can I help you today?")]
    conversation = Conversation(id="r:s:0", run_id="r", scenario_id="s", turns=turns)
    model = ScriptedModel(lambda request: {"reasoning": "r", "verdict": "pass"})
    evaluator = suite.evaluator([by_id["short_first_reply"], by_id["mentions_brand"], by_id["professional_tone"]])
    scenario = suite.scenarios[0].model_copy(update={"tags": []})
    verdicts = await evaluator.evaluate(
        conversation, scenario, {}, MeteredModel(model, TokenUsage()), datetime.now(UTC)
    )
    assert [v.outcome.value for v in verdicts] == ["fail", "pass", "pass"]
    assert "47 characters > 40" in verdicts[0].reasoning
    prompts = [r.messages[0].content for r in model.requests]
    assert len(prompts) == 4, "3 samples for mentions_brand, 1 for professional_tone"
    assert "The AGENT says the word QuickBite." in prompts[0] and render_transcript(conversation).boundary in prompts[0]
    assert "TONE POLICY: never use exclamation marks." in prompts[3] and "QuickBite support policy" not in prompts[3]


def test_an_id_that_clashes_with_the_library_is_refused(suite_copy):
    add_custom(suite_copy)
    (suite_copy / "evaluations" / "brand.yaml").write_text(JUDGE.replace("id: mentions_brand", "id: professional_tone"))
    with pytest.raises(
        SuiteError, match="brand.yaml: professional_tone: evaluation id 'professional_tone' is a built-in"
    ):
        load_suite(suite_copy)


def test_a_check_without_description_is_refused(suite_copy):
    add_custom(suite_copy)
    (suite_copy / "evaluations" / "style.py").write_text(
        CHECK.replace('    """The agent\'s first reply is short."""\n', "")
    )
    with pytest.raises(SuiteError, match="style.py: short_first_reply: a @check function needs a docstring"):
        load_suite(suite_copy)


def test_evals_list_shows_the_library_and_the_suites_own_with_what_is_enabled(suite_copy):
    listed = runner.invoke(app, ["evals", "list"])
    assert listed.exit_code == 0, listed.output
    assert f"{len(builtin_evaluations())} evaluations" in listed.output
    assert "│ status_read_correctly " in listed.output and "out for delivery is not delivered" in listed.output

    add_custom(suite_copy, ENABLE)
    listed = runner.invoke(app, ["evals", "list", "--suite", str(suite_copy), "--family", "communication"])
    assert listed.exit_code == 0, listed.output
    rows = {line.split("│")[1].strip(): line for line in listed.output.splitlines() if line.startswith("│")}
    assert "style.py" in rows["short_first_reply"] and "✓" in rows["short_first_reply"]
    assert "brand.yaml" in rows["mentions_brand"] and "The agent names QuickBite" in rows["mentions_brand"]
    assert "built-in" in rows["concise_replies"] and "✓" not in rows["concise_replies"]
    assert "no_invented_policy" not in rows, "filtered by family"
