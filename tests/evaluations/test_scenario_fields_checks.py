"""expected_actions_taken and end_state_matches: argument matching, order, a maximum matching of actions to calls,
the listed records and the replay of the expected actions on a fresh backend — unit cases, and the real loop on
the demo suite's backend."""

import itertools
import random
from datetime import UTC, datetime

import pytest

from scripted_world import world_model
from sparring import ModelPool, Outcome, RoleOverrides, RunOptions
from sparring.backend.overlay import diff_views
from sparring.backend.snapshot import canonical_digest
from sparring.data_model import AgentTurn, Conversation, Scenario, ToolCall, ToolCallRecord
from sparring.data_model.run import TokenUsage
from sparring.data_model.scenario import ExpectedAction
from sparring.evaluations.check_functions import CheckContext
from sparring.evaluations.library import builtin_evaluations
from sparring.evaluations.library.scenario_checks import (
    end_state_matches,
    expected_actions_taken,
    unmatched_any_order,
)
from sparring.models import MeteredModel
from sparring.runner import build_context
from sparring.runner.conversation import simulate
from sparring.runner.plan import new_run
from sparring.simulator import ScriptedCustomer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
BASE = {"id": "s", "situation": "late", "desired_outcome": "refund"}
REFUND = {"tool": "issue_refund", "arguments": {"order_id": "O-1", "amount": 5.0, "reason": "late"}}
LOOKUP = {"tool": "lookup_order", "arguments": {"order_id": "O-1"}}


def call(name: str, error: str | None = None, **arguments) -> ToolCallRecord:
    return ToolCallRecord(id=f"c-{name}", name=name, arguments=arguments, error=error)


def context(calls, final_state=None, params=None, **fields) -> CheckContext:
    conversation = Conversation(id="r:s:0", run_id="r", scenario_id="s", final_state=final_state)
    conversation.turns.append(AgentTurn(content="done", tool_calls=calls))
    scenario = Scenario.model_validate({**BASE, **fields})
    return CheckContext(conversation, scenario, "policy", {}, NOW, params=params or {})


def test_not_applicable_without_the_field():
    ctx = context([call("lookup_order", order_id="O-1")])
    assert expected_actions_taken(ctx).outcome == Outcome.NOT_APPLICABLE
    assert end_state_matches(ctx).outcome == Outcome.NOT_APPLICABLE
    assert "sets no expected_actions" in expected_actions_taken(ctx).reasoning


def test_exact_arguments_must_be_equal_subset_only_the_listed_ones():
    calls = [call("issue_refund", order_id="O-1", amount=5.0, reason="late", note="x")]
    exact = context(calls, expected_actions={"actions": [REFUND]})
    subset = context(calls, expected_actions={"actions": [{**REFUND, "match": "subset"}]})
    assert expected_actions_taken(exact).outcome == Outcome.FAIL
    assert "issue_refund(order_id='O-1', amount=5.0, reason='late') [exact]" in expected_actions_taken(exact).reasoning
    assert expected_actions_taken(subset).outcome == Outcome.PASS
    wrong = context([call("issue_refund", order_id="O-1", amount=6.0)], expected_actions={"actions": [REFUND]})
    assert expected_actions_taken(wrong).outcome == Outcome.FAIL


def test_order_matters_only_when_ordered_and_other_calls_may_come_between():
    calls = [call("issue_refund", **REFUND["arguments"]), call("escalate"), call("lookup_order", order_id="O-1")]
    unordered = context(calls, expected_actions={"actions": [LOOKUP, REFUND]})
    ordered = context(calls, expected_actions={"actions": [LOOKUP, REFUND], "ordered": True})
    assert expected_actions_taken(unordered).outcome == Outcome.PASS
    result = expected_actions_taken(ordered)
    assert result.outcome == Outcome.FAIL and "1 of 2 expected actions not made in order" in result.reasoning
    reversed_calls = context(calls, expected_actions={"actions": [REFUND, LOOKUP], "ordered": True})
    assert expected_actions_taken(reversed_calls).outcome == Outcome.PASS


def test_two_identical_expected_actions_need_two_calls():
    once = context([call("issue_refund", **REFUND["arguments"])], expected_actions={"actions": [REFUND, REFUND]})
    assert expected_actions_taken(once).outcome == Outcome.FAIL


def test_a_refused_call_counts_only_with_count_failed_calls():
    calls = [call("issue_refund", error="amount too high", **REFUND["arguments"])]
    assert expected_actions_taken(context(calls, expected_actions={"actions": [REFUND]})).outcome == Outcome.FAIL
    counted = context(calls, params={"count_failed_calls": True}, expected_actions={"actions": [REFUND]})
    assert expected_actions_taken(counted).outcome == Outcome.PASS


def test_the_matching_is_maximum_where_a_greedy_one_is_not():
    # greedy would give the first call to the subset action and leave the exact one without a call
    subset = ExpectedAction(tool="t", arguments={"x": 1}, match="subset")
    exact = ExpectedAction(tool="t", arguments={"x": 1, "y": 2})
    calls = [call("t", x=1, y=2), call("t", x=1, y=3)]
    assert unmatched_any_order([subset, exact], calls) == []


def brute_force_unmatched(actions, calls) -> int:
    """The fewest expected actions left without a distinct call, over every assignment."""
    best = len(actions)
    for chosen in itertools.permutations(range(len(calls) + len(actions)), len(actions)):
        left = sum(
            1
            for action, index in zip(actions, chosen, strict=True)
            if index >= len(calls)
            or not (calls[index].name == action.tool and calls[index].arguments.items() >= action.arguments.items())
        )
        best = min(best, left)
    return best


def test_the_matching_agrees_with_brute_force_on_random_cases():
    rng = random.Random(7)
    for _ in range(200):
        actions = [
            ExpectedAction(tool=rng.choice("ab"), arguments={"x": rng.randint(0, 1)}, match="subset")
            for _ in range(rng.randint(1, 3))
        ]
        calls = [call(rng.choice("ab"), x=rng.randint(0, 1), y=rng.randint(0, 1)) for _ in range(rng.randint(0, 3))]
        assert len(unmatched_any_order(actions, calls)) == brute_force_unmatched(actions, calls)


def test_listed_records_missing_unwanted_or_different():
    final = {"orders": {"O-1": {"status": "refunded", "total": 20}}, "credits": {"CR-1": {"amount": 5}}}
    expected = {"records": {"orders": {"O-1": {"status": "refunded"}}, "credits": {"CR-1": None}}}
    result = end_state_matches(context([], final_state=final, expected_state=expected))
    assert result.outcome == Outcome.FAIL and result.reasoning.endswith("credits.CR-1 exists but should not")
    expected = {"records": {"orders": {"O-1": {"status": "cancelled"}, "O-2": {"status": "x"}}}}
    result = end_state_matches(context([], final_state=final, expected_state=expected))
    assert "orders.O-1.status is 'refunded', expected 'cancelled'" in result.reasoning
    assert "orders.O-2 does not exist" in result.reasoning
    expected = {"records": {"orders": {"O-1": {"status": "refunded", "total": 20}, "O-9": None}}}
    assert end_state_matches(context([], final_state=final, expected_state=expected)).outcome == Outcome.PASS


def test_the_digest_is_stable_and_ignores_listed_fields_of_every_record():
    a = {"refunds": {"RF-1": {"amount": 5, "issued_at": "12:00"}}, "orders": {"O-1": {"issued_at": "1"}}}
    b = {"orders": {"O-1": {"issued_at": "1"}}, "refunds": {"RF-1": {"issued_at": "13:00", "amount": 5}}}
    assert canonical_digest(a, frozenset()) != canonical_digest(b, frozenset())
    assert canonical_digest(a, frozenset(["refunds.issued_at"])) == canonical_digest(
        b, frozenset(["refunds.issued_at"])
    )
    assert canonical_digest(a, frozenset(["*.issued_at"])) == canonical_digest(b, frozenset(["*.issued_at"]))
    assert canonical_digest(a, frozenset(["orders.issued_at"])) != canonical_digest(b, frozenset(["orders.issued_at"]))
    nested = {"orders": {"O-1": {"meta": {"seen": "12:00", "by": "x"}}}}
    later = {"orders": {"O-1": {"meta": {"seen": "13:00", "by": "x"}}}}
    assert canonical_digest(nested, frozenset(["orders.meta.seen"])) == canonical_digest(
        later, frozenset(["orders.meta.seen"])
    )
    assert nested["orders"]["O-1"]["meta"]["seen"] == "12:00", "the state itself is left as it was"


def test_both_checks_are_in_the_library():
    library = builtin_evaluations()
    assert library["expected_actions_taken"].kind == library["end_state_matches"].kind == "check"
    assert library["expected_actions_taken"].params == {"count_failed_calls": False}


async def converse(suite, scenario: Scenario):
    """One conversation of `scenario` on the demo backend (scripted customer, scripted reference agent that
    looks the order up), judged by the two checks: (conversation, {evaluation id: verdict})."""
    pool = ModelPool()
    pool.add(world_model())
    options = RunOptions(scenario_ids=[scenario.id], models=RoleOverrides(model="scripted:world"))
    run = new_run(suite, options)
    lines = ["My order O-2002 never came."]
    run_context = build_context(suite, run, pool, lambda *_: ScriptedCustomer(lines))
    conversation, _ = await run_context.converse_and_judge(scenario, 0)
    library = builtin_evaluations()
    evaluator = suite.evaluator([library["expected_actions_taken"], library["end_state_matches"]])
    judge = MeteredModel(world_model(), TokenUsage())
    verdicts = await evaluator.evaluate(conversation, scenario, run_context.initial_state(scenario), judge, run.clock)
    return conversation, {v.evaluation_id: v for v in verdicts}


@pytest.mark.parametrize(
    ("actions", "outcome"),
    [
        ([{"tool": "lookup_order", "arguments": {"order_id": "O-2002"}}], Outcome.PASS),
        (
            [{"tool": "issue_refund", "arguments": {"order_id": "O-2002", "amount": 5.0, "reason": "late"}}],
            Outcome.FAIL,
        ),
    ],
)
async def test_replaying_the_expected_actions_on_the_real_demo_backend(example_suite, actions, outcome):
    demo = next(s for s in example_suite.scenarios if "O-2002" in s.backend_overrides.get("orders", {}))
    fields = {"expected_actions": {"actions": actions}, "expected_state": {"replay_expected_actions": True}}
    scenario = Scenario.model_validate({**demo.model_dump(), **fields})
    conversation, verdicts = await converse(example_suite, scenario)
    assert [c.name for c in conversation.tool_calls()] == ["lookup_order"]
    assert verdicts["expected_actions_taken"].outcome == outcome
    assert verdicts["end_state_matches"].outcome == outcome, verdicts["end_state_matches"].reasoning
    if outcome == Outcome.FAIL:
        assert "refunds.RF-" in verdicts["end_state_matches"].reasoning


class GoldAgent:
    """Makes the scenario's expected calls on the backend (skipping the write with `skip_write`), then answers."""

    name = "gold"

    def __init__(self, scenario: Scenario, skip_write: bool = False) -> None:
        assert scenario.expected_actions is not None
        self.actions = scenario.expected_actions.actions[: 1 if skip_write else None]

    async def respond(self, turns, backend) -> AgentTurn:
        calls = [
            backend.execute(ToolCall(id=f"g{i}", name=a.tool, arguments=a.arguments))
            for i, a in enumerate(self.actions)
        ]
        self.actions = []
        return AgentTurn(content="Your $2.49 delivery fee is refunded to your card.", tool_calls=calls)


@pytest.mark.parametrize(("skip_write", "outcome"), [(False, Outcome.PASS), (True, Outcome.FAIL)])
async def test_the_demo_scenario_with_the_new_fields_passes_its_gold_actions_only(example_suite, skip_write, outcome):
    scenario = next(s for s in example_suite.scenarios if s.id == "late-45min-refuses-credit-mid-chat")
    initial = example_suite.backend_factory()(scenario, NOW).view()
    backend = example_suite.backend_factory()(scenario, NOW)
    conversation = Conversation(id="r:s:0", run_id="r", scenario_id=scenario.id)
    customer = ScriptedCustomer(["Thanks."])
    await simulate(
        conversation, customer, GoldAgent(scenario, skip_write), backend, 5, [], True, scenario.opening_turns()
    )
    conversation.state_diff = diff_views(initial, backend.view())
    library = builtin_evaluations()
    evaluator = example_suite.evaluator([library["expected_actions_taken"], library["end_state_matches"]])
    judge = MeteredModel(world_model(), TokenUsage())
    verdicts = await evaluator.evaluate(conversation, scenario, initial, judge, NOW)
    assert [v.outcome for v in verdicts] == [outcome, outcome], [v.reasoning for v in verdicts]
    assert conversation.turns[0].content == "Hi, my order O-2090 came 45 minutes late."
