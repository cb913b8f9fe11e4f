"""Built-in deterministic evaluations: what code can decide from the transcript and tool calls alone,
for any suite (write and hand-off tools come from the suite's backend config)."""

from __future__ import annotations

import difflib
import json
import re

from sparring.data_model import AgentTurn, EndReason, identifiers, scenario_text, topic_evidence
from sparring.evaluations.check_functions import CheckContext, CheckResult, check, failed, not_applicable, passed


@check(family="tool_use")
def write_after_lookup(ctx: CheckContext) -> CheckResult:
    """Every write action (refund, credit, cancellation...) comes after at least one read of the backend."""
    if not ctx.action_tools:
        return not_applicable("the suite names no action_tools")
    looked_up = False
    writes = 0
    for call in ctx.conversation.tool_calls():
        if call.name in ctx.action_tools:
            writes += 1
            if not looked_up:
                return failed(f"{call.name} was called before any lookup")
        elif call.error is None:
            looked_up = True
    return passed(f"{writes} write action(s), each after a lookup") if writes else not_applicable("no write action")


@check(family="tool_use")
def no_duplicate_actions(ctx: CheckContext) -> CheckResult:
    """No write action is repeated with the same arguments (a double refund, a second escalation)."""
    if not ctx.action_tools:
        return not_applicable("the suite names no action_tools")
    seen: set[str] = set()
    writes = [c for c in ctx.conversation.tool_calls() if c.name in ctx.action_tools and c.error is None]
    for call in writes:
        key = f"{call.name} {json.dumps(call.arguments, sort_keys=True, default=str)}"
        if key in seen:
            return failed(f"repeated action: {key}")
        seen.add(key)
    return passed(f"{len(writes)} distinct write action(s)") if writes else not_applicable("no write action")


@check(family="tool_use")
def valid_tool_calls(ctx: CheckContext) -> CheckResult:
    """The agent calls only tools that exist, with arguments that match their schema."""
    calls = ctx.conversation.tool_calls()
    if not calls:
        return not_applicable("no tool calls")
    bad = [c for c in calls if c.error and c.error.startswith(("unknown tool", "invalid arguments"))]
    if bad:
        return failed(f"{len(bad)} of {len(calls)} tool calls rejected: {bad[0].error}")
    return passed(f"all {len(calls)} tool calls well-formed")


@check(family="communication", max_words=150)
def concise_replies(ctx: CheckContext) -> CheckResult:
    """No agent message runs longer than max_words (default 150) words."""
    limit = int(ctx.params.get("max_words", 150))
    turns = ctx.conversation.agent_turns()
    if not turns:
        return not_applicable("the agent never replied")
    longest = max(len(t.content.split()) for t in turns)
    if longest > limit:
        return failed(f"an agent message has {longest} words, more than {limit}")
    return passed(f"longest agent message: {longest} words")


@check(family="communication", similarity=0.9)
def no_repetition_loop(ctx: CheckContext) -> CheckResult:
    """The agent does not send the same (or nearly the same) message twice."""
    threshold = float(ctx.params.get("similarity", 0.9))
    texts = [" ".join(t.content.lower().split()) for t in ctx.conversation.agent_turns() if t.content.strip()]
    if len(texts) < 2:
        return not_applicable("fewer than two agent messages")
    for i, earlier in enumerate(texts):
        for j in range(i + 1, len(texts)):
            ratio = difflib.SequenceMatcher(None, earlier, texts[j]).ratio()
            if ratio >= threshold:
                return failed(f"agent messages {i + 1} and {j + 1} are {ratio:.0%} alike")
    return passed(f"{len(texts)} agent messages, none repeated")


@check(family="communication")
def no_empty_replies(ctx: CheckContext) -> CheckResult:
    """Every agent turn says something to the customer (no blank message after tool calls)."""
    turns = ctx.conversation.agent_turns()
    if not turns:
        return not_applicable("the agent never replied")
    empty = sum(1 for t in turns if not t.content.strip())
    return failed(f"{empty} of {len(turns)} agent messages are empty") if empty else passed("no empty message")


@check(family="resolution")
def escalated_when_asked(ctx: CheckContext) -> CheckResult:
    """When the simulated customer asks for a human, the agent calls a hand-off tool."""
    if not ctx.handoff_tools:
        return not_applicable("the suite names no handoff_tools")
    asked = [t for t in ctx.conversation.customer_turns() if t.intent == "ask_for_human"]
    if not asked:
        return not_applicable("the customer never asked for a human (or the transcript records no intents)")
    if any(c.name in ctx.handoff_tools and c.error is None for c in ctx.conversation.tool_calls()):
        return passed("the customer asked for a human and the agent handed off")
    return failed("the customer asked for a human but the agent never handed off")


@check(family="resolution")
def conversation_concluded(ctx: CheckContext) -> CheckResult:
    """The conversation ends resolved or handed off, not with the customer giving up or the turns running out."""
    reason = ctx.conversation.end_reason
    if reason is None:
        return not_applicable("the transcript records no end reason")
    if reason in (EndReason.RESOLVED, EndReason.ESCALATED):
        return passed(f"ended {reason.value}")
    if reason == EndReason.ERROR:
        return not_applicable("the conversation ended on an error, judged elsewhere")
    return failed(f"ended {reason.value}")


# The simulated customer's side: a failure here makes the conversation's chatbot verdicts suspect.
_MONEY = re.compile(r"\$\s?(\d+(?:\.\d{1,2})?)")
_HUMAN = re.compile(r"\b(human|real person|manager|supervisor|representative|someone else|live agent)\b", re.I)


GIVEN = "given"  # the intent of a customer turn the scenario's `opening` gave: not the simulator's doing


@check(family="simulator")
def sim_no_invented_facts(ctx: CheckContext) -> CheckResult:
    """The simulated customer states no order id or amount that is not in its scenario or the agent's words."""
    if not ctx.has_backend_state:
        return not_applicable("a real customer, not a simulated one")
    known = scenario_text(ctx.scenario)
    amounts = {float(a) for a in _MONEY.findall(known)}
    for turn in ctx.conversation.turns:
        if isinstance(turn, AgentTurn):
            said = turn.content + " " + json.dumps([c.result for c in turn.tool_calls], default=str)
            known += " " + said
            amounts |= {float(a) for a in _MONEY.findall(said)}
            continue
        for identifier in identifiers(turn.content):
            if identifier.lower() not in known.lower():
                return failed(f"the customer mentions {identifier}, which its scenario does not give it")
        for amount in _MONEY.findall(turn.content):
            if float(amount) not in amounts:
                return failed(f"the customer mentions ${amount}, which its scenario does not give it")
    return passed("every id and amount the customer gives comes from its scenario or the agent")


@check(family="simulator")
def sim_facts_when_asked(ctx: CheckContext) -> CheckResult:
    """Facts the scenario reveals only when asked are not volunteered before the agent asks anything."""
    if not ctx.has_backend_state:
        return not_applicable("a real customer, not a simulated one")
    hidden = [f for f in ctx.scenario.known_facts if f.reveal == "when_asked" and len(f.value) > 2]
    if not hidden:
        return not_applicable("the scenario has no facts kept until asked")
    agent_asked = False
    for turn in ctx.conversation.turns:
        if isinstance(turn, AgentTurn):
            agent_asked = agent_asked or "?" in turn.content
            continue
        if turn.intent == GIVEN:
            continue
        for fact in hidden:
            if fact.value.lower() in turn.content.lower() and not agent_asked:
                return failed(f"the customer volunteered {fact.key!r} before the agent asked for anything")
    return passed("facts kept until asked were given only after the agent asked")


@check(family="simulator")
def sim_waited_for_answer(ctx: CheckContext) -> CheckResult:
    """The simulated customer does not end the conversation before the agent answered its last message."""
    conversation = ctx.conversation
    if not ctx.has_backend_state or conversation.end_reason is None:
        return not_applicable("not a simulated conversation")
    if conversation.end_reason == EndReason.MAX_TURNS or conversation.end_reason == EndReason.ERROR:
        return not_applicable(f"ended by {conversation.end_reason.value}, not by the customer")
    if conversation.turns and not isinstance(conversation.turns[-1], AgentTurn):
        return failed("the customer ended the conversation right after its own message, before any answer")
    final = conversation.final_analysis
    if conversation.end_reason == EndReason.RESOLVED and final is not None and not final.issue_addressed:
        return failed("the customer ended as resolved while its own analysis says the issue was not addressed")
    return passed(f"ended {conversation.end_reason.value} after the agent's answer")


@check(family="simulator")
def sim_escalation_consistent(ctx: CheckContext) -> CheckResult:
    """The customer asks for a human only when its escalation policy decided so, after enough unhelpful turns."""
    if not ctx.has_backend_state:
        return not_applicable("a real customer, not a simulated one")
    customer_turns = ctx.conversation.customer_turns()
    unhelpful = 0
    for turn in customer_turns:
        analysis = turn.analysis
        if analysis is not None:
            unhelpful = unhelpful + 1 if (analysis.going_in_circles or not analysis.progressing) else 0
        if turn.intent == "ask_for_human" and unhelpful < ctx.scenario.persona.patience:
            return failed(
                f"asked for a human after {unhelpful} unhelpful turns; patience is {ctx.scenario.persona.patience}"
            )
        if _HUMAN.search(turn.content) and turn.intent not in ("ask_for_human", "open", GIVEN):
            return failed(f"asked for a human ({turn.content[:60]!r}) although its policy said {turn.intent!r}")
    return (
        passed("asked for a human only when its patience ran out")
        if customer_turns
        else not_applicable("no customer turn")
    )


@check(family="simulator")
def sim_opened_on_topic(ctx: CheckContext) -> CheckResult:
    """The simulated customer's opening message is about its scenario (shares its words or ids), not another topic
    or the agent's role. Not applicable when the scenario gives the opening: the simulator then joins a
    conversation under way, and its first message is a reply, not an opening."""
    if not ctx.has_backend_state:
        return not_applicable("a real customer, not a simulated one")
    if ctx.scenario.opening:
        return not_applicable("the scenario gives the opening; the simulator did not write one")
    opening = next((t.content for t in ctx.conversation.customer_turns() if t.intent != GIVEN), None)
    if opening is None:
        return not_applicable("the customer never wrote")
    evidence = topic_evidence(opening, ctx.scenario)
    if evidence:
        return passed(f"opens on its scenario ({', '.join(evidence)})")
    return failed(f"the opening message shares no word with its scenario: {opening[:80]!r}")
