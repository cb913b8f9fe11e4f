"""The LLM customer goes on from a given history that ends with the agent's turn: it reads the agent's given reply as
the message it answers, and never the agent's tool calls (the customer does not see the backend)."""

from sparring import Scenario, ScriptedModel
from sparring.data_model.run import TokenUsage
from sparring.models import MeteredModel
from sparring.simulator import Action, CustomerSimulator

SCENARIO = Scenario.model_validate(
    {
        "id": "history",
        "situation": "You asked for a task for the project review; now the review is done.",
        "desired_outcome": "The task marked completed.",
        "opening": [
            {"role": "customer", "content": "I need a task for the project review meeting."},
            {
                "role": "agent",
                "content": "I've created task_2, 'Project Review'.",
                "tool_calls": [{"name": "create_task", "arguments": {"title": "Project Review"}, "result": {"id": 2}}],
            },
        ],
    }
)
PROGRESSING = {
    "notes": "the task exists",
    "issue_addressed": False,
    "progressing": True,
    "needs_to_provide_info": False,
    "going_in_circles": False,
    "frustration": 0,
}


async def test_the_customer_answers_the_given_agent_turn_without_seeing_its_tool_calls():
    model = ScriptedModel([PROGRESSING, "The review is done: please mark task_2 completed."])
    simulator = CustomerSimulator(SCENARIO, MeteredModel(model, TokenUsage()))
    step = await simulator.step(SCENARIO.opening_turns(), agent_handed_off=False)
    assert step.action == Action.CONTINUE
    assert step.message is not None and step.message.content == "The review is done: please mark task_2 completed."
    for request in model.requests:
        spoken = [m for m in request.messages if m.role != "system"]
        assert (spoken[-1].role, spoken[-1].content) == ("user", "I've created task_2, 'Project Review'.")
        assert spoken[-2].content == "I need a task for the project review meeting."
        assert not any(m.tool_calls or m.role == "tool" or "create_task" in m.content for m in request.messages)
