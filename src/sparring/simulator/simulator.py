"""The simulated customer: analyses each agent turn, lets the escalation policy decide, then writes.

Roles are swapped in the simulator's own prompt (the agent's words are the "user" side, the
customer's are "assistant") so that the simulator's model never slips into playing the agent. When the suite gives
the customer tools, its model is offered them while it writes each reply after the opening: it may call them (up to
`MAX_CALLS_PER_TURN`) before its message, and the calls are recorded on the turn.
"""

from __future__ import annotations

import json

from sparring.data_model import (
    AgentTurn,
    CustomerAnalysis,
    CustomerAnalysisAnswer,
    CustomerTurn,
    Message,
    Scenario,
    ToolCall,
    ToolCallRecord,
    Turn,
)
from sparring.models import ChatRequest, MeteredModel, answer_schema, ask_until_valid, token_budget
from sparring.parsing import parse_model
from sparring.prompts import package_prompt
from sparring.simulator.customer import CustomerStep
from sparring.simulator.customer_tools import MAX_CALLS_PER_TURN, CustomerTools
from sparring.simulator.escalation import DIRECTIVES, Action, EscalationPolicy
from sparring.simulator.opening import grounded_opening, rephrase_directive, rephrasing_problem

BRIEF = package_prompt(__file__, "brief.j2")
ANALYSIS = package_prompt(__file__, "analysis.j2")
MESSAGE = package_prompt(__file__, "message.j2")
ANALYSIS_RETRY = package_prompt(__file__, "analysis_retry.j2")
TOOLS = package_prompt(__file__, "customer_tools.j2")
REPHRASING_KEPT = "rephrasing kept: it carries every upfront fact, is on topic and keeps the grounded opening's gist"
GROUNDED_SENT = "the grounded opening was sent as written"
# Not part of the transcript: it gives the customer's opening message something to answer, so the
# simulator's model replies as the customer instead of greeting like an agent.
SCAFFOLD_GREETING = "Hi, you're chatting with customer support. How can I help you today?"

ANALYSIS_SCHEMA = answer_schema(CustomerAnalysisAnswer)
ANALYSIS_BUDGET = token_budget(ANALYSIS_SCHEMA)


class CustomerSimulator:
    """The LLM customer (a `Customer`): plays a scenario's persona, analyses each agent turn, lets the
    escalation policy decide what to do, then writes the message. `seed` fixes its model's sampling."""

    def __init__(self, scenario: Scenario, model: MeteredModel, seed: int | None = None) -> None:
        self.scenario = scenario
        self.model = model
        self.seed = seed
        self.policy = EscalationPolicy(patience=scenario.persona.patience)
        self.brief = BRIEF.render(
            scenario=scenario,
            persona=scenario.persona,
            upfront=scenario.facts_upfront(),
            when_asked=scenario.facts_when_asked(),
        )

    def _prefix(self, turns: list[Turn]) -> list[Message]:
        """The shared start of both calls of a turn, so a local model reuses its KV cache."""
        messages = [Message(role="system", content=self.brief), Message(role="user", content=SCAFFOLD_GREETING)]
        for turn in turns:
            if isinstance(turn, CustomerTurn) and turn.tool_calls:
                messages.append(Message(role="system", content=_tools_used(turn.tool_calls)))
            role = "assistant" if isinstance(turn, CustomerTurn) else "user"
            messages.append(Message(role=role, content=turn.content or "(no reply)"))
        return messages

    async def analyse(self, turns: list[Turn]) -> CustomerAnalysis:
        """The customer's view of the conversation so far; an unreadable answer counts as no progress."""
        request = ChatRequest(
            messages=[*self._prefix(turns), Message(role="system", content=ANALYSIS.render())],
            response_schema=ANALYSIS_SCHEMA,
            schema_name="customer_analysis",
            max_tokens=ANALYSIS_BUDGET,
            seed=self.seed,
        )
        answer = await ask_until_valid(
            self.model,
            request,
            _parse_analysis,
            ANALYSIS_RETRY,
            retries=1,
            retry_role="system",
            retry_model_errors=False,
        )
        # An unreadable self-assessment must not end the conversation: count the turn as unhelpful.
        return answer.value or CustomerAnalysis(progressing=False, notes="(analysis could not be parsed)")

    async def write(self, turns: list[Turn], directive: str) -> str:
        """The customer's next message, following `directive` (never empty)."""
        content, _calls = await self.write_with_tools(turns, directive, None)
        return content

    async def write_with_tools(
        self, turns: list[Turn], directive: str, tools: CustomerTools | None
    ) -> tuple[str, list[ToolCallRecord]]:
        """The customer's next message (never empty) and the tool calls it made on `tools` before writing it."""
        guidance = MESSAGE.render(opening=not turns, directive=directive, rules=bool(self.scenario.customer_rules))
        specs = tools.customer_specs() if tools is not None else []
        offer = [Message(role="system", content=TOOLS.render(names=", ".join(s.name for s in specs)))] if specs else []
        messages = [*self._prefix(turns), *offer, Message(role="system", content=guidance)]
        calls: list[ToolCallRecord] = []
        while True:
            request = ChatRequest(messages=messages, tools=specs, max_tokens=120, temperature=0.7, seed=self.seed)
            response = await self.model.complete(request)
            if tools is None or not response.tool_calls or len(calls) >= MAX_CALLS_PER_TURN:
                return response.content.strip() or "Hello? Are you still there?", calls
            made = [tools.execute_customer(call) for call in response.tool_calls]
            calls += made
            messages += _tool_messages(made)

    async def open(self, tools: CustomerTools | None = None) -> CustomerTurn:
        """The opening message: the scenario's grounded opening in the customer's own words, or as written when
        the model's rephrasing leaves out an upfront fact or goes off topic (the directive records which). The
        customer uses no tools before it (they are offered from its first reply on)."""
        grounded = grounded_opening(self.scenario)
        directive = rephrase_directive(grounded)
        rephrased = await self.write([], directive)
        problem = rephrasing_problem(rephrased, self.scenario, grounded)
        if problem is None:
            return CustomerTurn(content=rephrased, intent="open", directive=f"{directive}\n[{REPHRASING_KEPT}]")
        note = f"the rephrasing {problem}: {rephrased[:80]!r}; {GROUNDED_SENT}"
        return CustomerTurn(content=grounded, intent="open", directive=f"{directive}\n[{note}]")

    async def step(self, turns: list[Turn], agent_handed_off: bool, tools: CustomerTools | None = None) -> CustomerStep:
        """React to the agent's last turn (the last element of `turns`), calling its own `tools` first if it will."""
        assert turns and isinstance(turns[-1], AgentTurn), "the simulator reacts to an agent turn"
        if agent_handed_off:
            return CustomerStep(Action.END_ESCALATED, None, None)
        analysis = await self.analyse(turns)
        action = self.policy.decide(analysis)
        if action.ends:
            return CustomerStep(action, analysis, None)
        directive = DIRECTIVES[action]
        content, calls = await self.write_with_tools(turns, directive, tools)
        turn = CustomerTurn(
            content=content, analysis=analysis, intent=action.value, directive=directive, tool_calls=calls
        )
        return CustomerStep(action, analysis, turn)


def _answer(call: ToolCallRecord) -> str:
    return call.error or json.dumps(call.result, default=str)


def _tools_used(calls: list[ToolCallRecord]) -> str:
    """Earlier turns' customer tool calls, as a note in the simulator's history (no tool messages outside the
    turn that made them, so a request without tools stays valid for every chat API)."""
    return "(Before that message you used your tools: " + "; ".join(f"{c.name} -> {_answer(c)}" for c in calls) + ")"


def _tool_messages(calls: list[ToolCallRecord]) -> list[Message]:
    """The customer's tool calls of this turn as its model made them: one assistant message asking, one answer per
    call."""
    asked = Message(role="assistant", tool_calls=[ToolCall(id=c.id, name=c.name, arguments=c.arguments) for c in calls])
    answers = [Message(role="tool", tool_call_id=c.id, name=c.name, content=_answer(c)) for c in calls]
    return [asked, *answers]


def _parse_analysis(text: str) -> CustomerAnalysis:
    return parse_model(text, CustomerAnalysis)
