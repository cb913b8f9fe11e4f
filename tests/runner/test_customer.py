"""The Customer protocol: the LLM simulator, a scripted customer and a replayed one, each through the real
conversation loop (reference agent, mock backend, evaluations) built by the runner's public build function."""

import pytest

from scripted_world import world_model
from sparring import EndReason, ModelPool, RoleOverrides, RunOptions, Store, run_suite
from sparring.data_model import AgentTurn, CustomerTurn
from sparring.runner import build_context
from sparring.runner.plan import new_run
from sparring.simulator import Action, Customer, CustomerSimulator, ReplayedCustomer, ScriptedCustomer

SCENARIO = "missing-item-two-days-later"


def is_simulator_call(request) -> bool:
    return not request.tools and request.schema_name != "verdict"


def world():
    pool, model = ModelPool(), world_model()
    pool.add(model)
    return pool, model


async def converse(suite, make_customer):
    """One conversation of SCENARIO with this customer, built and run as the runner does."""
    pool, model = world()
    run = new_run(suite, RunOptions(scenario_ids=[SCENARIO], models=RoleOverrides(model="scripted:world")))
    context = build_context(suite, run, pool, make_customer)
    scenario = next(s for s in suite.scenarios if s.id == SCENARIO)
    conversation, verdicts = await context.converse_and_judge(scenario, 0)
    return conversation, verdicts, model


async def test_scripted_customer_says_exactly_its_lines_and_never_calls_a_model_for_them(example_suite):
    lines = ["My order O-2002 came without the fries.", "Thanks, that is all."]
    conversation, verdicts, model = await converse(example_suite, lambda *_: ScriptedCustomer(lines))
    assert [t.content for t in conversation.customer_turns()] == lines
    assert [type(t) for t in conversation.turns] == [CustomerTurn, AgentTurn, CustomerTurn, AgentTurn]
    assert conversation.turns[1].tool_calls[0].arguments == {"order_id": "O-2002"}, "the agent used the real backend"
    assert conversation.end_reason == EndReason.RESOLVED and conversation.snapshot_digest
    assert not [r for r in model.requests if is_simulator_call(r)]
    assert len(verdicts) == len(example_suite.evaluations)


async def test_replayed_customer_repeats_a_stored_conversation_and_ends_as_it_ended(example_suite):
    recorded, _, _ = await converse(example_suite, lambda s, t, m, seed: CustomerSimulator(s, m, seed))
    assert recorded.end_reason == EndReason.RESOLVED and recorded.customer_turns()
    replay, _, model = await converse(example_suite, lambda *_: ReplayedCustomer.of(recorded))
    assert [t.content for t in replay.customer_turns()] == [t.content for t in recorded.customer_turns()]
    assert replay.end_reason == recorded.end_reason
    assert not [r for r in model.requests if is_simulator_call(r)]


async def test_llm_simulator_is_a_customer_and_calls_its_model(example_suite):
    conversation, _, model = await converse(example_suite, lambda s, t, m, seed: CustomerSimulator(s, m, seed))
    assert conversation.end_reason == EndReason.RESOLVED
    assert [r.schema_name for r in model.requests if is_simulator_call(r)] == ["answer", "customer_analysis"]


async def test_a_hand_off_ends_a_replayed_customer_escalated():
    customer: Customer = ScriptedCustomer(["hello", "more"], end=Action.END_GAVE_UP)
    opening = await customer.open()
    step = await customer.step([opening, AgentTurn(content="transferring")], agent_handed_off=True)
    assert opening.content == "hello" and step.action == Action.END_ESCALATED and step.message is None
    later = await customer.step([opening, AgentTurn(content="ok")], agent_handed_off=False)
    end = await customer.step([opening, AgentTurn(content="ok")], agent_handed_off=False)
    assert later.message is not None and later.message.content == "more"
    assert end.action == Action.END_GAVE_UP and end.message is None


def test_bad_customers_are_refused_in_one_line():
    with pytest.raises(ValueError, match="at least one customer message"):
        ScriptedCustomer([])
    with pytest.raises(ValueError, match="continue does not end a conversation"):
        ScriptedCustomer(["hi"], end=Action.CONTINUE)


def scripted_customer(_scenario, _trial, _model, _seed):
    return ScriptedCustomer(["Where is my order O-2002?"])


async def test_run_suite_takes_any_customer(example_suite, tmp_path):
    pool, model = world()
    store = Store.open(str(tmp_path / "c.db"))
    options = RunOptions(scenarios=2, models=RoleOverrides(model="scripted:world"))
    result = await run_suite(example_suite, store, options, pool, customer=scripted_customer)
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 2
    played = [[t.content for t in c.customer_turns() if t.intent != "given"] for c in conversations]
    assert played == [["Where is my order O-2002?"]] * 2  # after any opening the scenario gives
    assert not [r for r in model.requests if is_simulator_call(r)] and result.run.usage["simulator"].calls == 0
