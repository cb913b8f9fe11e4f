"""Each deterministic check of the demo suite, with a passing and a failing conversation.

Conversations are made by really calling the tools on the scenario's backend, so the final state
and the recorded tool calls are what a run would produce.
"""

import copy
from datetime import UTC, datetime

import pytest

from sparring import AgentTurn, BackendState, Conversation, CustomerTurn, Outcome, ToolCall
from sparring.backend import SnapshotBackend, build_state
from sparring.data_model.run import TokenUsage
from sparring.models import MeteredModel, ScriptedModel

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


async def verdict(suite, scenario_id, evaluation_id, calls, customer_intents=("open",)):
    scenario = next(s for s in suite.scenarios if s.id == scenario_id)
    initial = build_state(suite.snapshot, scenario.backend_overrides, suite.config.backend.references, NOW)
    backend = SnapshotBackend(BackendState(copy.deepcopy(initial), NOW), suite.tools)
    records = [backend.execute(ToolCall(id=str(i), name=n, arguments=a)) for i, (n, a) in enumerate(calls)]
    turns = [CustomerTurn(content="hi", intent=intent) for intent in customer_intents]
    turns.append(AgentTurn(content="done", tool_calls=records))
    conversation = Conversation(
        id="c", run_id="r", scenario_id=scenario_id, turns=turns, final_state=backend.state.data
    )
    spec = next(e for e in suite.evaluations if e.id == evaluation_id)
    evaluator = suite.evaluator([spec])
    unused_judge = MeteredModel(ScriptedModel([]), TokenUsage())
    [result] = await evaluator.evaluate(conversation, scenario, initial, unused_judge, NOW)
    return result


ELIGIBILITY = ("check_refund_eligibility", {"order_id": "O-2003", "reason": "late"})
CASES = [
    # (evaluation, scenario, calls, customer intents, expected)
    (
        "refund_only_when_eligible",
        "late-40min-fee",
        [("issue_refund", {"order_id": "O-2002", "amount": 3.99, "reason": "late"})],
        ("open",),
        Outcome.PASS,
    ),
    (
        "refund_only_when_eligible",
        "late-20min-wants-refund",
        [("issue_refund", {"order_id": "O-2003", "amount": 16.99, "reason": "late"})],
        ("open",),
        Outcome.FAIL,
    ),
    (
        "refund_within_limits",
        "late-40min-fee",
        [("issue_refund", {"order_id": "O-2002", "amount": 3.99, "reason": "late"})],
        ("open",),
        Outcome.PASS,
    ),
    (
        "refund_within_limits",
        "late-40min-fee",
        [("issue_refund", {"order_id": "O-2002", "amount": 31.99, "reason": "late"})],
        ("open",),
        Outcome.FAIL,
    ),
    ("refund_within_limits", "late-40min-fee", [], ("open",), Outcome.NOT_APPLICABLE),
    (
        "eligibility_checked_before_refund",
        "late-40min-fee",
        [
            ("check_refund_eligibility", {"order_id": "O-2002", "reason": "late"}),
            ("issue_refund", {"order_id": "O-2002", "amount": 3.99, "reason": "late"}),
        ],
        ("open",),
        Outcome.PASS,
    ),
    (
        "eligibility_checked_before_refund",
        "late-40min-fee",
        [
            ("issue_refund", {"order_id": "O-2002", "amount": 3.99, "reason": "late"}),
            ("check_refund_eligibility", {"order_id": "O-2002", "reason": "late"}),
        ],
        ("open",),
        Outcome.FAIL,
    ),
    (
        "high_value_escalated",
        "high-value-party-order-late",
        [("escalate_to_human", {"summary": "party order 90 min late", "order_id": "O-5001"})],
        ("open",),
        Outcome.PASS,
    ),
    (
        "high_value_escalated",
        "high-value-party-order-late",
        [("issue_refund", {"order_id": "O-5001", "amount": 123.99, "reason": "late"})],
        ("open",),
        Outcome.FAIL,
    ),
    ("high_value_escalated", "late-40min-fee", [], ("open",), Outcome.NOT_APPLICABLE),
    (
        "fraud_review_respected",
        "fraud-review-asks-credit",
        [("escalate_to_human", {"summary": "fraud review", "order_id": "O-5004"})],
        ("open",),
        Outcome.PASS,
    ),
    (
        "fraud_review_respected",
        "fraud-review-asks-credit",
        [("issue_credit", {"order_id": "O-5004", "amount": 5, "reason": "sorry"})],
        ("open",),
        Outcome.FAIL,
    ),
    (
        "credit_within_limits",
        "goodwill-credit-18min",
        [("issue_credit", {"order_id": "O-6002", "amount": 10, "reason": "late"})],
        ("open",),
        Outcome.PASS,
    ),
    (
        "credit_within_limits",
        "goodwill-credit-18min",
        [("issue_credit", {"order_id": "O-6002", "amount": 25, "reason": "late"})],
        ("open",),
        Outcome.FAIL,
    ),
    (
        "credit_within_limits",
        "goodwill-credit-18min",
        [
            ("issue_credit", {"order_id": "O-6002", "amount": 5, "reason": "late"}),
            ("issue_credit", {"order_id": "O-6002", "amount": 5, "reason": "late"}),
        ],
        ("open",),
        Outcome.FAIL,
    ),
    (
        "escalated_when_asked",
        "wants-human-immediately",
        [("escalate_to_human", {"summary": "asked for a human"})],
        ("open", "ask_for_human"),
        Outcome.PASS,
    ),
    ("escalated_when_asked", "wants-human-immediately", [ELIGIBILITY], ("open", "ask_for_human"), Outcome.FAIL),
    ("escalated_when_asked", "wants-human-immediately", [], ("open", "push_back"), Outcome.NOT_APPLICABLE),
]


@pytest.mark.parametrize(("evaluation", "scenario", "calls", "intents", "expected"), CASES)
async def test_check(example_suite, evaluation, scenario, calls, intents, expected):
    result = await verdict(example_suite, scenario, evaluation, calls, intents)
    assert result.outcome == expected, result.reasoning
    assert result.reasoning


def test_every_check_of_the_suite_has_a_pass_and_a_fail_case(example_suite):
    # The suite's own checks here; the built-in ones have theirs in the library (test_library.py).
    checks = {e.id for e in example_suite.evaluations if e.kind == "check" and e.source != "builtin"}
    assert len(checks) == 6
    for outcome in (Outcome.PASS, Outcome.FAIL):
        assert checks <= {c[0] for c in CASES if c[4] == outcome}


async def test_a_check_that_raises_is_an_error_verdict(example_suite, monkeypatch):
    def broken(ctx):
        raise KeyError("oops")

    monkeypatch.setitem(example_suite.checks, "credit_within_limits", broken)
    result = await verdict(example_suite, "goodwill-credit-18min", "credit_within_limits", [])
    assert result.outcome == Outcome.ERROR and "oops" in result.reasoning
