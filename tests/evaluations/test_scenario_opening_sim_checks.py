"""Given opening turns are the scenario's, not the simulator's: the simulator's own checks never blame them."""

from __future__ import annotations

from datetime import UTC, datetime

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, EndReason, Outcome, Scenario
from sparring.evaluations.check_functions import CheckContext
from sparring.evaluations.library.checks import (
    sim_escalation_consistent,
    sim_facts_when_asked,
    sim_no_invented_facts,
    sim_opened_on_topic,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SCENARIO = {
    "id": "mid",
    "title": "Late order refund",
    "situation": "Order O-2090 arrived 45 minutes late; the customer wants the delivery fee back",
    "desired_outcome": "the delivery fee refunded",
    "known_facts": [{"key": "email", "value": "priya.r@example.com", "reveal": "when_asked"}],
    "opening": [
        {"role": "customer", "content": "Get me a manager. Invoice INV-7781 was charged $12.99 twice, O-2090."},
        {"role": "agent", "content": "I can help with that."},
        {"role": "customer", "content": "My email is priya.r@example.com."},
    ],
}


def context(later: list[CustomerTurn | AgentTurn]) -> CheckContext:
    scenario = Scenario.model_validate(SCENARIO)
    conversation = Conversation(id="r:mid:0", run_id="r", scenario_id="mid", end_reason=EndReason.RESOLVED)
    conversation.turns.extend([*scenario.opening_turns(), AgentTurn(content="Let me look at order O-2090."), *later])
    return CheckContext(conversation, scenario, "policy", {"orders": {}}, NOW)


def test_the_simulators_checks_do_not_blame_the_given_opening():
    ctx = context([CustomerTurn(content="Thanks, that sounds about my late order O-2090.", intent="continue")])
    assert sim_no_invented_facts(ctx).outcome == Outcome.PASS  # INV-7781 and $12.99 come from the opening
    assert sim_facts_when_asked(ctx).outcome == Outcome.PASS  # the email was given in the opening, not volunteered
    assert sim_escalation_consistent(ctx).outcome == Outcome.PASS  # "manager" was in the given opening
    # the simulator joined a conversation under way: its first message is a reply, not an opening (the demo's
    # "What's your next question?" after a given mid-chat opening was failed as an off-topic opening)
    assert sim_opened_on_topic(ctx).outcome == Outcome.NOT_APPLICABLE


def test_the_simulators_own_turns_are_still_checked_after_an_opening():
    ctx = context([CustomerTurn(content="Also refund order Z-9999 for $40.", intent="continue")])
    assert sim_no_invented_facts(ctx).outcome == Outcome.FAIL
    reply = context([CustomerTurn(content="What's your next question?", intent="continue")])
    assert sim_opened_on_topic(reply).outcome == Outcome.NOT_APPLICABLE


def test_an_invented_identifier_in_any_format_is_caught():
    """Ids are not only the demo's O-2002: a customer inventing "case 48a335fa" or "#L77012" is caught."""
    for invented in ("Please look at case 48a335fa.", "My loan #L77012 is overdue.", "Ticket 8812345 again."):
        ctx = context([CustomerTurn(content=invented, intent="continue")])
        assert sim_no_invented_facts(ctx).outcome == Outcome.FAIL, invented
    said = context([CustomerTurn(content="At 10am on the 21st I paid $12.99 for O-2090.", intent="continue")])
    assert sim_no_invented_facts(said).outcome == Outcome.PASS  # times, ordinals and its own order are no invention
