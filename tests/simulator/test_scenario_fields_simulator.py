"""The simulator side of the scenario fields: customer_rules reach the simulated customer's prompt (only when
set, so other scenarios' prompts and cache keys are unchanged), and given opening turns are played as given
before the simulator starts (through the real conversation loop and the demo backend)."""

from datetime import UTC, datetime

from scripted_world import world_reply
from sparring import ScriptedModel
from sparring.data_model import AgentTurn, Conversation, CustomerTurn, Scenario, ToolCall, Turn
from sparring.data_model.run import TokenUsage
from sparring.models import MeteredModel
from sparring.runner.conversation import simulate
from sparring.simulator import CustomerSimulator

RULE = "if the agent offers a voucher, refuse it and ask for the refund again"
BASE = {"id": "s1", "situation": "My order O-2002 was late.", "desired_outcome": "A refund."}
OPENING = [
    {"role": "customer", "content": "Hi, my order O-2002 was an hour late."},
    {"role": "agent", "content": "Sorry about that! Could you confirm the email on the account?"},
    {"role": "customer", "content": "sam@example.com"},
]


PUSH_BACK = [
    {
        "notes": "a voucher, not my refund",
        "issue_addressed": False,
        "progressing": True,
        "needs_to_provide_info": False,
        "going_in_circles": False,
        "frustration": 4,
    },
    "No voucher, thanks. I want the refund.",
]


def simulator(scenario: Scenario, script=world_reply) -> tuple[CustomerSimulator, ScriptedModel]:
    model = ScriptedModel(script)
    return CustomerSimulator(scenario, MeteredModel(model, TokenUsage())), model


async def test_customer_rules_are_in_the_brief_and_recalled_when_writing():
    sim, model = simulator(Scenario.model_validate({**BASE, "customer_rules": [RULE]}), PUSH_BACK)
    await sim.step([CustomerTurn(content="late"), AgentTurn(content="How about a $5 voucher?")], False)
    brief = model.requests[0].messages[0].content
    header = "Rules you always follow, whatever else you were told (when a rule's condition holds, do what it says):"
    assert f"{header}\n- {RULE}\n" in brief
    writing = model.requests[-1].messages[-1].content
    assert "If one of your rules applies to the agent's last message, follow that rule first." in writing


async def test_without_rules_the_prompts_say_nothing_of_rules():
    sim, model = simulator(Scenario.model_validate(BASE), PUSH_BACK)
    await sim.step([CustomerTurn(content="late"), AgentTurn(content="How about a voucher?")], False)
    assert all("rule" not in m.content.lower() for r in model.requests for m in r.messages)


class EchoAgent:
    """Answers with how many turns it was shown, looking the order up on the real backend each time."""

    name = "echo"

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    async def respond(self, turns: list[Turn], backend) -> AgentTurn:
        self.seen.append([t.content for t in turns])
        record = backend.execute(
            ToolCall(id=f"c{len(self.seen)}", name="lookup_order", arguments={"order_id": "O-2002"})
        )
        return AgentTurn(content=f"I see {len(turns)} turns.", tool_calls=[record])


async def test_the_opening_is_played_as_given_then_the_simulator_goes_on(example_suite):
    demo = next(s for s in example_suite.scenarios if "O-2002" in s.backend_overrides.get("orders", {}))
    scenario = Scenario.model_validate({**demo.model_dump(), "opening": OPENING})
    sim, model = simulator(scenario)
    agent = EchoAgent()
    backend = example_suite.backend_factory()(scenario, datetime(2026, 6, 1, 12, tzinfo=UTC))
    conversation = Conversation(id="r:s1:0", run_id="r", scenario_id=scenario.id)
    await simulate(conversation, sim, agent, backend, 5, [], opening=scenario.opening_turns())
    given = [t["content"] for t in OPENING]
    assert agent.seen[0] == given, "the agent answers the given opening, not a simulated first message"
    assert [t.content for t in conversation.turns[:3]] == given
    assert [t.intent for t in conversation.customer_turns()[:2]] == ["given", "given"]
    assert conversation.turns[3].tool_calls[0].error is None, "the real demo backend answered"
    first = model.requests[0]
    assert first.schema_name == "customer_analysis", "the simulator never wrote an opening of its own"
    roles = [(m.role, m.content) for m in first.messages[2:5]]
    assert roles == [("assistant", given[0]), ("user", given[1]), ("assistant", given[2])]


async def test_without_an_opening_the_simulator_opens():
    sim, model = simulator(Scenario.model_validate(BASE))
    conversation = Conversation(id="r:s1:0", run_id="r", scenario_id="s1")

    class Silent:
        name = "silent"

        async def respond(self, turns, backend) -> AgentTurn:
            return AgentTurn(content="ok")

    await simulate(conversation, sim, Silent(), None, 1, [])  # type: ignore[arg-type]
    assert conversation.turns[0].intent == "open" and model.requests[0].schema_name != "customer_analysis"
