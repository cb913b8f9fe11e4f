"""What evaluating a conversation costs when it needs nothing more: the transcript is rendered only when a judge
reads it (once for every judge), and `expected_actions_taken` computes a maximum matching (scipy) only when a
simple one leaves an action without its call."""

import subprocess
import sys
import textwrap

import pytest

from evaluations.test_evaluation_protocol import CHECK_SPEC, CONVERSATION, FACTS, JUDGE_SPEC, NOW, SCENARIO, judge_model
from evaluations.test_evaluation_protocol import short as short_check
from sparring.evaluations import Evaluator, build_evaluations


@pytest.fixture
def renders(monkeypatch):
    """How often the evaluation context renders a transcript."""
    import sparring.evaluations.protocol as protocol

    calls: list[str] = []
    real = protocol.render_transcript

    def counted(conversation, **kwargs):
        calls.append(conversation.id)
        return real(conversation, **kwargs)

    monkeypatch.setattr(protocol, "render_transcript", counted)
    return calls


async def test_checks_alone_render_no_transcript(renders):
    [check] = build_evaluations([CHECK_SPEC], {"short": short_check}, FACTS)
    [verdict] = await Evaluator([check]).evaluate(CONVERSATION, SCENARIO, {}, judge_model(), NOW)
    assert verdict.outcome.value == "pass"
    assert renders == []


async def test_judges_share_one_rendering(renders):
    second = JUDGE_SPEC.model_copy(update={"id": "answers_again"})
    evaluations = build_evaluations([JUDGE_SPEC, CHECK_SPEC, second], {"short": short_check}, FACTS)
    verdicts = await Evaluator(evaluations).evaluate(CONVERSATION, SCENARIO, {}, judge_model("fail"), NOW)
    assert [v.outcome.value for v in verdicts] == ["fail", "pass", "fail"]
    assert renders == [CONVERSATION.id]


MATCHED = textwrap.dedent(
    """
    import sys
    from sparring.data_model import ExpectedAction, ToolCallRecord
    from sparring.evaluations.library.scenario_checks import unmatched_any_order

    def action(tool, match="subset", **arguments):
        return ExpectedAction(tool=tool, arguments=arguments, match=match)

    calls = [ToolCallRecord(id=str(i), name="refund", arguments={"order": o}) for i, o in enumerate("ABA")]
    actions = [action("refund", order="A"), action("refund", order="B"), action("refund", order="A")]
    assert unmatched_any_order(actions, calls) == []
    print("scipy" in sys.modules)
    missing = unmatched_any_order([*actions, action("refund", order="A")], calls)
    print(len(missing), "scipy" in sys.modules)
    """
)


def test_a_full_match_needs_no_maximum_matching():
    out = subprocess.run([sys.executable, "-c", MATCHED], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "1", "True"], "scipy only once an action is left without a call"
