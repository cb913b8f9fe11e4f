"""Context strategies: the case state is built by code from tool results, bounded, and used end to end."""

from pathlib import Path

import pytest

from scripted_world import world_reply
from sparring import AgentTurn, CustomerTurn, ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.agents import CaseStateContext, RawContext, build_case_state, load_context_strategy, render_case_state
from sparring.data_model import ToolCallRecord
from sparring.suite import SuiteError, load_agent_config

FIXTURES = Path(__file__).parents[1] / "fixtures"
ACTIONS = {"issue_refund", "escalate_to_human"}


def record(name, arguments, result=None, error=None):
    return ToolCallRecord(id=name, name=name, arguments=arguments, result=result, error=error)


RECORDS = [
    record("lookup_order", {"order_id": "O-1"}, {"order_id": "O-1", "status": "out_for_delivery", "total": 20.5}),
    record(
        "delivery_status",
        {"order_id": "O-1"},
        {
            "order_id": "O-1",
            "current_status": "delivered",
            "events": [
                {"status": s, "at": f"10:0{i}"}
                for i, s in enumerate(["placed", "picked_up", "out", "near", "delivered"])
            ],
        },
    ),
    record("lookup_order", {"order_id": "O-1"}, {"order_id": "O-1", "status": "delivered", "total": 20.5}),
    record("lookup_order", {"order_id": "O-404"}, error="no order 'O-404'"),
    record("issue_refund", {"order_id": "O-1", "amount": 3.99}, {"refund_id": "RF-1", "status": "issued"}),
]


def test_case_state_merges_entities_keeps_conflicts_actions_and_open_questions():
    state = build_case_state(RECORDS, ACTIONS)
    [order] = state.entities
    assert (order.kind, order.key) == ("order", "O-1")
    assert order.facts["status"] == "delivered", "a later answer updates the fact"
    assert order.conflicts["status"] == ["out_for_delivery", "delivered"], "a disagreement is kept, not hidden"
    assert order.facts["current_status"] == "delivered" and "(+1 earlier)" in order.facts["events"]
    assert state.actions == ["issue_refund(order_id=O-1, amount=3.99) → refund_id=RF-1, status=issued"]
    assert state.open_questions == ["lookup_order(order_id=O-404) failed: no order 'O-404'"]
    assert state == build_case_state(RECORDS, ACTIONS), "deterministic"


def test_missing_data_and_results_without_ids():
    state = build_case_state(
        [record("opening_hours", {}, "9 to 5"), record("find", {"email": "a@b"}, {"orders": []})], set()
    )
    assert [(e.kind, e.facts) for e in state.entities] == [
        ("opening_hours", {"result": "9 to 5"}),
        ("find", {"orders": ""}),
    ]
    assert "Actions already taken: none" in render_case_state(state)


def test_rendering_is_bounded():
    many = [
        record("lookup_order", {"order_id": f"O-{i}"}, {"order_id": f"O-{i}", "note": "x" * 5000}) for i in range(200)
    ]
    text = render_case_state(build_case_state(many, set()), max_chars=3000)
    assert len(text) <= 3000 and text.endswith("(case state truncated)")
    assert all(len(line) < 220 for line in text.splitlines()), "each value is cut to a bounded length"


async def test_case_state_context_replaces_raw_tool_messages():
    turns = [
        CustomerTurn(content="where is O-1?"),
        AgentTurn(content="Looking.", tool_calls=RECORDS[:2]),
        CustomerTurn(content="and?"),
    ]
    raw = await RawContext().messages("policy", turns, RECORDS[2:3])
    assert [m.role for m in raw].count("tool") == 3
    distilled = await CaseStateContext(ACTIONS).messages("policy", turns, RECORDS[2:3])
    assert "tool" not in [m.role for m in distilled]
    assert distilled[-1].role == "system" and distilled[-1].content.startswith("CASE STATE")
    assert "CONFLICT in status" in distilled[-1].content


async def test_both_strategies_run_end_to_end(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "s.db"))
    requests = {}
    for variant in ("raw", "case-state"):
        model = ScriptedModel(world_reply, "scripted:world")
        pool = ModelPool()
        pool.add(model)
        config = load_agent_config(example_suite.root / "agents" / f"{variant}.yaml")
        options = RunOptions(
            label=variant,
            scenario_ids=["late-40min-fee"],
            evaluation_ids=["no_invented_policy"],
            cache=False,
            models=RoleOverrides(model="scripted:world", agent_config=config),
        )
        result = await run_suite(example_suite, store, options, pool)
        assert result.run.settings.agent_config["context"] == variant
        [conversation] = store.conversations(result.run.id)
        assert conversation.turns[1].tool_calls[0].name == "lookup_order"
        requests[variant] = [r for r in model.requests if r.tools or any(m.role == "tool" for m in r.messages)]
    assert any(m.role == "tool" for r in requests["raw"] for m in r.messages)
    second_call = requests["case-state"][1].messages
    assert "tool" not in [m.role for m in second_call] and "CASE STATE" in second_call[-1].content
    assert "O-2002" in second_call[-1].content, "the looked-up order reaches the model through the case state"


def test_custom_strategy_and_bad_specs(tmp_path):
    strategy = load_context_strategy("my_context:OnlyLastMessage", set(), FIXTURES)
    assert strategy.name == "only-last"
    with pytest.raises(ValueError, match="raw, case-state or module:Class"):
        load_context_strategy("summarised", set())
    with pytest.raises(ValueError, match="no_such_module"):
        load_context_strategy("no_such_module:X", set())
    bad = tmp_path / "agent.yaml"
    bad.write_text("kind: reference\nmax_tool_rounds: many\n")
    with pytest.raises(SuiteError) as info:
        load_agent_config(bad)
    assert info.value.line == 2 and info.value.field == "max_tool_rounds"


async def test_optional_llm_summary_of_free_text_fields():
    from sparring.data_model.run import TokenUsage
    from sparring.models import MeteredModel

    note = "Customer called twice about the order; the courier reported that the gate code did not work " * 3
    records = [record("lookup_order", {"order_id": "O-1"}, {"order_id": "O-1", "status": "delivered", "note": note})]
    model = ScriptedModel(["Courier could not get in: gate code failed."])
    usage = TokenUsage()
    strategy = CaseStateContext(ACTIONS, summarise=True)
    turns = [CustomerTurn(content="hi")]
    first = await strategy.messages("p", turns, records, MeteredModel(model, usage))
    again = await strategy.messages("p", turns, records, MeteredModel(model, usage))
    assert "note: Courier could not get in: gate code failed." in first[-1].content
    assert "status: delivered" in first[-1].content, "structured fields stay built by code"
    assert first[-1].content == again[-1].content and len(model.requests) == 1, "each text summarised once"
    assert "gate code did not work" in model.requests[0].messages[0].content and usage.calls == 1
