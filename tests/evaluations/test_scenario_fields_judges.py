"""communicated_required_info and scenario_assertions: not applicable (no model call) on scenarios that do not
set their field; otherwise the judge is shown the scenario's listed facts or criteria."""

from datetime import UTC, datetime

import pytest

from sparring import Outcome, ScriptedModel
from sparring.data_model import AgentTurn, Conversation, CustomerTurn, Scenario
from sparring.data_model.run import TokenUsage
from sparring.evaluations import Evaluator, SuiteFacts, build_evaluations
from sparring.evaluations.judge import describe_scenario
from sparring.evaluations.library import builtin_checks, builtin_evaluations
from sparring.models import MeteredModel

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
BASE = {"id": "s1", "situation": "My order O-45 was late.", "desired_outcome": "The fee back."}
FIELDS = {
    "communicated_required_info": ("must_communicate", ["the $3.99 delivery fee is refunded"], "Must communicate"),
    "scenario_assertions": ("assertions", ["the agent never offers credit instead"], "Assertions"),
}


def conversation() -> Conversation:
    found = Conversation(id="r:s1:0", run_id="r", scenario_id="s1")
    found.turns += [CustomerTurn(content="O-45 was late"), AgentTurn(content="I refunded your $3.99 fee.")]
    return found


async def judge(evaluation_id: str, scenario: Scenario, script: list) -> tuple[Outcome, str, ScriptedModel]:
    model = ScriptedModel(script)
    facts = SuiteFacts("policy", {}, [], [])
    evaluator = Evaluator(build_evaluations([builtin_evaluations()[evaluation_id]], builtin_checks(), facts))
    [verdict] = await evaluator.evaluate(conversation(), scenario, {}, MeteredModel(model, TokenUsage()), NOW)
    return verdict.outcome, verdict.reasoning, model


@pytest.mark.parametrize("evaluation_id", sorted(FIELDS))
async def test_not_applicable_without_the_field_and_no_model_call(evaluation_id):
    outcome, reasoning, model = await judge(evaluation_id, Scenario.model_validate(BASE), [])
    assert outcome == Outcome.NOT_APPLICABLE and model.requests == []
    assert reasoning == f"the scenario sets no {FIELDS[evaluation_id][0]}"


@pytest.mark.parametrize("evaluation_id", sorted(FIELDS))
async def test_the_judge_is_shown_the_listed_items(evaluation_id):
    field, items, label = FIELDS[evaluation_id]
    scenario = Scenario.model_validate({**BASE, field: items})
    outcome, _, model = await judge(evaluation_id, scenario, [{"reasoning": "turn 2 says it", "verdict": "fail"}])
    assert outcome == Outcome.FAIL
    prompt = model.requests[0].messages[0].content
    assert f"{label}:\n- {items[0]}" in prompt
    assert f'listed under "{label}"' in prompt


def test_briefs_of_scenarios_without_lists_are_unchanged():
    brief = describe_scenario(Scenario.model_validate(BASE))
    assert brief.endswith("Does not know: nothing listed")
    rules = describe_scenario(Scenario.model_validate({**BASE, "customer_rules": ["if offered credit, refuse"]}))
    assert rules == brief + "\nCustomer rules:\n- if offered credit, refuse"
