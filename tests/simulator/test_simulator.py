from sparring import AgentTurn, CustomerTurn, Fact, Persona, Scenario, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.models import MeteredModel
from sparring.simulator import Action, CustomerSimulator

SCENARIO = Scenario(
    id="s1",
    persona=Persona(traits=["frustrated"], patience=2),
    situation="My pizza is late.",
    desired_outcome="A refund.",
    known_facts=[Fact(key="order number", value="O-1", reveal="upfront"), Fact(key="email", value="a@b.c")],
    unknown_facts=["the courier's name"],
)
UNHELPFUL = {
    "notes": "meh",
    "issue_addressed": False,
    "progressing": False,
    "needs_to_provide_info": False,
    "going_in_circles": True,
    "frustration": 7,
}


def simulator(script) -> tuple[CustomerSimulator, ScriptedModel]:
    model = ScriptedModel(script)
    return CustomerSimulator(SCENARIO, MeteredModel(model, TokenUsage())), model


async def test_roles_are_swapped_so_the_simulator_never_plays_the_agent():
    sim, model = simulator([UNHELPFUL, "Where is my refund?"])
    turns = [CustomerTurn(content="My pizza is late"), AgentTurn(content="AGENT SAYS: please wait")]
    step = await sim.step(turns, agent_handed_off=False)
    assert step.action == Action.PUSH_BACK and step.message.content == "Where is my refund?"
    for request in model.requests:
        roles = {m.content: m.role for m in request.messages}
        assert roles["AGENT SAYS: please wait"] == "user"
        assert roles["My pizza is late"] == "assistant"
    assert step.message.analysis.going_in_circles and step.message.intent == "push_back"


async def test_brief_separates_upfront_facts_from_facts_given_only_when_asked():
    sim, model = simulator(["Hi, order O-1 is late"])
    opening = await sim.open()
    brief = model.requests[0].messages[0].content
    assert brief.index("order number: O-1") < brief.index("ONLY if the agent asks") < brief.index("email: a@b.c")
    assert "the courier's name" in brief and "never make them up" in brief
    assert opening.intent == "open"


async def test_escalates_after_patience_then_ends_on_handoff():
    sim, _ = simulator([UNHELPFUL, "push", UNHELPFUL, "human please"])
    turns = [CustomerTurn(content="late"), AgentTurn(content="hmm")]
    assert (await sim.step(turns, False)).action == Action.PUSH_BACK
    second = await sim.step(turns, False)
    assert second.action == Action.ASK_FOR_HUMAN and second.message.intent == "ask_for_human"
    handoff = await sim.step(turns, True)
    assert handoff.action == Action.END_ESCALATED and handoff.message is None


async def test_unparseable_analysis_counts_as_unhelpful_not_resolved():
    sim, model = simulator(["not json", "still not", "What?"])
    step = await sim.step([CustomerTurn(content="late"), AgentTurn(content="...")], False)
    assert step.action == Action.PUSH_BACK and not step.analysis.issue_addressed
    assert len(model.requests) == 3, "two analysis attempts, then the message"
