"""The stub's world for one suite (`python -m sparring.testing --suite SUITE`): the customer plays the scenario
its request's brief describes, the agent calls the suite's tools with valid arguments.

The stub sees only OpenAI requests. A customer request's system prompt is the simulator's brief, whose
situation and desired outcome name the scenario; the customer opens with that situation, its upfront facts
and what it wants, gives a fact kept until asked when the agent's last message asks something, asks for a
human when its directive says so, and otherwise names only facts of its scenario. An agent request carries
the tool schemas; the agent makes one call per turn (see `IdIndex.choose`), then answers in text; a customer
offered its own tools makes one call of them the same way before each reply after its opening. Judges and
the customer's analysis answer as in `world_responder`. A brief that matches no scenario gets the generic
customer's text. Everything is a pure function of the request: deterministic, with no state between calls.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sparring.data_model import Scenario
from sparring.simulator import DIRECTIVES, Action
from sparring.testing.stub_arguments import IdIndex
from sparring.testing.world import generic_customer_text, is_customer_request, structured_answer, tool_call

if TYPE_CHECKING:
    from sparring.suite import Suite

SITUATION, WANT = "What happened (your view): ", "What you want: "
ASK_FOR_HUMAN = "I have run out of patience. Please let me talk to a human agent."
AGENT_FOLLOW_UP = "Thanks for waiting. I have looked this up and here is what I found."


def _normal(text: str) -> str:
    return " ".join(text.split())


def _brief_key(brief: str) -> str | None:
    """The situation and desired outcome a simulator brief states, whitespace-normalised."""
    start, want = brief.find(SITUATION), brief.find(WANT)
    if start < 0 or want < 0:
        return None
    end = brief.find("\n\n", want)
    return _normal(brief[start + len(SITUATION) : want]) + "\n" + _normal(brief[want + len(WANT) : end])


class SuiteWorld:
    """A responder (`body -> assistant message`) playing `scenarios` against tools whose ids `index` knows;
    tools in `writes` are called only when no other tool has valid arguments."""

    def __init__(self, scenarios: list[Scenario], index: IdIndex, writes: frozenset[str]) -> None:
        self.scenarios = {_normal(s.situation) + "\n" + _normal(s.desired_outcome): s for s in scenarios}
        self.index = index
        self.writes = writes

    @classmethod
    def from_suite(cls, suite: Suite) -> SuiteWorld:
        """The world of a loaded suite: ids of its backend at its first scenario plus every scenario's
        overrides; the suite's action and hand-off tools called last."""
        first = suite.scenarios[:1]
        views = [suite.backend_factory()(s, datetime.now(UTC)).view() for s in first]
        views += [s.backend_overrides for s in suite.scenarios]
        config = suite.config.backend
        index = IdIndex(views, config.references)
        return cls(suite.scenarios, index, frozenset(config.action_tools) | frozenset(config.handoff_tools))

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        """The answer to one chat-completion request body."""
        answer = structured_answer(body)
        if answer is not None:
            return answer
        messages = body.get("messages", [])
        tools = body.get("tools") or []
        customer = is_customer_request(messages)
        if tools and (not customer or messages[-1]["role"] != "tool"):
            return self._agent(messages, tools)
        scenario = self.scenarios.get(_brief_key(str(messages[0].get("content"))) or "")
        if scenario is None:
            return {"content": generic_customer_text(body)}
        said = [m for m in messages if m["role"] != "tool" and not m.get("tool_calls")]  # without its tool calls
        return {"content": customer_message(scenario, said)}

    def _agent(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        """One tool call (the agent's, or the customer's own), then the agent's text after its answer."""
        if messages[-1]["role"] == "tool":
            return {"content": AGENT_FOLLOW_UP}
        said = [str(m.get("content") or "") for m in messages if m["role"] != "system"]
        seed = zlib.crc32(said[0].encode()) if said else 0
        choice = self.index.choose(tools, " ".join(said), seed, self.writes)
        return tool_call(choice.name, choice.arguments)


def customer_message(scenario: Scenario, messages: list[dict[str, Any]]) -> str:
    """The customer's next message in a simulator request: [brief, scaffold greeting, turns..., directive]."""
    turns = messages[2:-1]
    if not turns:
        upfront = " ".join(f"My {f.key} is {f.value}." for f in scenario.facts_upfront())
        return f"Hi. {scenario.situation.strip()} {upfront} What I would like: {scenario.desired_outcome.strip()}"
    if DIRECTIVES[Action.ASK_FOR_HUMAN] in str(messages[-1].get("content")):
        return ASK_FOR_HUMAN
    conversation = " ".join(str(m.get("content") or "") for m in turns)
    agent_last = next((str(m.get("content") or "") for m in reversed(turns) if m["role"] == "user"), "")
    if "?" in agent_last:
        hidden = [f for f in scenario.facts_when_asked() if f.value not in conversation]
        return f"My {hidden[0].key} is {hidden[0].value}." if hidden else "Sorry, I don't know more than I said."
    given = [f for f in scenario.known_facts if f.reveal == "upfront" or f.value in conversation]
    about = f" about my {given[0].key} {given[0].value}" if given else ""
    if DIRECTIVES[Action.PUSH_BACK] in str(messages[-1].get("content")):
        return f"That does not solve my problem{about} yet. Please help me with what I asked."
    return f"Okay, thank you for your help{about}."
