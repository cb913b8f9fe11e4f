from sparring import CustomerAnalysis
from sparring.simulator import Action, EscalationPolicy

HELPFUL = CustomerAnalysis(progressing=True)
UNHELPFUL = CustomerAnalysis(progressing=False)
CIRCLES = CustomerAnalysis(progressing=True, going_in_circles=True)


def test_asks_for_human_only_after_patience_unhelpful_turns():
    policy = EscalationPolicy(patience=3)
    assert policy.decide(UNHELPFUL) == Action.PUSH_BACK
    assert policy.decide(CIRCLES) == Action.PUSH_BACK
    assert policy.decide(UNHELPFUL) == Action.ASK_FOR_HUMAN


def test_progress_resets_the_streak_and_calms_down():
    policy = EscalationPolicy(patience=2)
    assert policy.decide(UNHELPFUL) == Action.PUSH_BACK
    assert policy.decide(HELPFUL) == Action.CONTINUE
    assert policy.decide(UNHELPFUL) == Action.PUSH_BACK, "streak restarted after progress"
    assert policy.decide(UNHELPFUL) == Action.ASK_FOR_HUMAN
    assert policy.decide(HELPFUL) == Action.CONTINUE, "re-engages when progress resumes"
    assert not policy.asked_for_human


def test_gives_up_when_the_requested_handoff_never_comes():
    policy = EscalationPolicy(patience=1, give_up_after=2)
    assert policy.decide(UNHELPFUL) == Action.ASK_FOR_HUMAN
    assert policy.decide(UNHELPFUL) == Action.ASK_FOR_HUMAN
    assert policy.decide(UNHELPFUL) == Action.END_GAVE_UP


def test_resolution_handoff_and_information_requests():
    assert EscalationPolicy(patience=2).decide(CustomerAnalysis(issue_addressed=True)) == Action.END_RESOLVED
    assert EscalationPolicy(patience=2).decide(UNHELPFUL, agent_handed_off=True) == Action.END_ESCALATED
    asks = CustomerAnalysis(progressing=True, needs_to_provide_info=True)
    assert EscalationPolicy(patience=2).decide(asks) == Action.PROVIDE_INFO
    assert Action.END_GAVE_UP.ends and not Action.ASK_FOR_HUMAN.ends
