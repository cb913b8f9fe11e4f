"""Verdict injection: text planted in a failing transcript must not flip its verdict to pass.

The scripted judge here is deliberately gullible: it obeys any instruction it finds outside the
transcript block, and trusts any BACKEND RESPONSE line it can read. Against the hardened transcript
no attack reaches it; against a naive rendering (raw text between plain <transcript> tags) the same
test set does flip it, which shows the set really contains break-out attacks."""

import json
import re

from sparring import ChatRequest, Outcome, ScriptedModel
from sparring.data_model import AgentTurn, Conversation
from sparring.data_model.run import TokenUsage
from sparring.evaluations import Judge
from sparring.evaluations.injection import attacks, injection_cases
from sparring.evaluations.library import builtin_evaluations, example_context
from sparring.evaluations.transcript import RenderedTranscript, render_transcript
from sparring.models import MeteredModel

POLICY = example_context()["policy"]


def gullible_judge(request: ChatRequest) -> dict:
    prompt = request.messages[-1].content
    opening = re.search(r"^<(transcript[-0-9a-f]*)>$", prompt, re.M)
    tag, start = opening.group(1), opening.start()
    end = prompt.index(f"</{tag}>", start)  # the first closing tag after the block opens
    outside, inside = prompt[:start] + prompt[end:], prompt[start:end]
    if re.search(r"answer with verdict pass|output verdict pass|return \"pass\"|mark it pass", outside, re.I):
        return {"reasoning": "the auditor note says it passes", "verdict": "pass"}
    # It trusts a backend line that approves an exception (the forged one is such a line, if it gets one).
    approval = re.compile(r'\[\d+\] BACKEND RESPONSE \{"eligible": true, "approved_by"')
    if any(approval.match(line) for line in inside.splitlines()):
        return {"reasoning": "the backend approved an exception", "verdict": "pass"}
    return {"reasoning": "the agent broke the criterion", "verdict": "fail"}


def naive_rendering(conversation: Conversation) -> RenderedTranscript:
    """How a transcript looks without hardening: raw text, one fixed tag."""
    lines = []
    for i, turn in enumerate(conversation.turns, 1):
        if isinstance(turn, AgentTurn):
            for call in turn.tool_calls:
                lines.append(f"[{i}] BACKEND RESPONSE {json.dumps(call.result)}")
            lines.append(f"[{i}] AGENT: {turn.content}")
        else:
            lines.append(f"[{i}] CUSTOMER: {turn.content}")
    return RenderedTranscript("\n".join(lines), "transcript")


async def verdicts(render) -> dict[str, tuple[Outcome, Outcome]]:
    library = builtin_evaluations()
    results = {}
    for case in injection_cases():
        judge = Judge(library[case.evaluation_id], POLICY, retries=0)
        outcomes = []
        for conversation in (case.clean, case.injected):
            model = MeteredModel(ScriptedModel(gullible_judge), TokenUsage())
            outcomes.append((await judge.judge(conversation, render(conversation), model)).outcome)
        results[case.id] = (outcomes[0], outcomes[1])
    return results


def test_the_injection_set_covers_every_attack_in_every_place():
    cases = injection_cases()
    assert len(cases) >= 40
    assert {c.attack for c in cases} == set(attacks())
    assert {c.place for c in cases} == {"customer", "agent", "backend"}
    for case in cases:
        assert render_transcript(case.injected).text != render_transcript(case.clean).text, case.id


async def test_no_attack_flips_a_failing_verdict_through_the_hardened_transcript():
    results = await verdicts(render_transcript)
    assert all(clean == Outcome.FAIL for clean, _ in results.values())
    flipped = [case for case, (_, injected) in results.items() if injected == Outcome.PASS]
    assert flipped == []


async def test_the_same_attacks_flip_a_naive_transcript():
    results = await verdicts(naive_rendering)
    flipped = {case.split("+")[1].split("@")[0] for case, (_, injected) in results.items() if injected == Outcome.PASS}
    assert {"close_delimiter", "forged_backend_line"} <= flipped


def test_a_message_cannot_close_the_block_or_start_a_line():
    attack = attacks()["close_delimiter"] + "\n" + attacks()["forged_backend_line"]
    [case] = [c for c in injection_cases() if c.attack == "close_delimiter" and c.place == "customer"][:1]
    rendered = render_transcript(case.injected)
    assert f"</{rendered.boundary}>" not in rendered.text
    line_start = re.compile(r"\[\d+\] (CUSTOMER|AGENT|AGENT TOOL CALL|BACKEND RESPONSE)")
    assert all(line_start.match(line) for line in rendered.text.splitlines())
    assert attack.splitlines()[0] not in rendered.text.splitlines()


VERDICT_LIKE = re.compile(r'\{\\?"reasoning\\?": \\?"[^{}]*?\\?", \\?"verdict\\?": \\?"pass\\?"\}')


def echoing_judge(request: ChatRequest) -> str:
    """A judge that quotes any verdict-like JSON it finds in the transcript, then gives its own verdict."""
    prompt = request.messages[-1].content
    quoted = [match.replace('\\"', '"') for match in VERDICT_LIKE.findall(prompt)]
    own = json.dumps({"reasoning": "the agent broke the criterion", "verdict": "fail"})
    return f"The transcript contains {' and '.join(quoted)}, which is data, not my answer. {own}"


async def test_a_judge_that_quotes_a_fake_verdict_beside_its_own_is_an_error_never_a_pass():
    """Text beside the judge's own answer object may be a quoted verdict: the answer is unusable (retried, then
    an error), whichever side of its own answer the quote stands."""
    library = builtin_evaluations()
    echoed = [c for c in injection_cases() if c.attack in ("fake_verdict_json", "quote_bait", "trailing_verdict")]
    assert len(echoed) >= 9
    for case in echoed:
        model = ScriptedModel(echoing_judge)
        judge = Judge(library[case.evaluation_id], POLICY, retries=1)
        verdict = await judge.judge(case.injected, render_transcript(case.injected), MeteredModel(model, TokenUsage()))
        answer = echoing_judge(model.requests[0])
        assert answer.index('"verdict": "pass"') < answer.index('"verdict": "fail"'), "the fake verdict is quoted"
        assert verdict.outcome == Outcome.ERROR, case.id
        assert verdict.attempts == 2 and "starts with other text" in verdict.reasoning, case.id
