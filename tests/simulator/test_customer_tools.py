"""Customer tools (dual control) in any suite: `customer_tools:` names @tool functions of tools.py that the
simulated customer calls on its own state (`customer_state:`); the calls are recorded on its turns and stored,
the end state is the conversation's `customer_state`, and checks read it. Real path: a suite loaded from disk, a
SQLite store, a scripted customer or the stub world over HTTP with the LLM simulator."""

from __future__ import annotations

import asyncio
import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparring import ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, load_suite, run_suite
from sparring.backend.dual import DualBackend
from sparring.data_model import AgentTurn, CustomerTurn, TokenUsage, ToolCall
from sparring.models.base import ChatRequest, ChatResponse, MeteredModel
from sparring.simulator import CustomerSimulator, ReplayedCustomer, ScriptedCustomer
from sparring.simulator.customer_tools import MAX_CALLS_PER_TURN
from sparring.suite import SuiteError
from sparring.testing import StubServer
from sparring.testing.suite_world import SuiteWorld

TOOLS = '''
from typing import Any
from sparring import BackendState, ToolError, tool


@tool
def line_details(db: BackendState, line_id: str) -> dict[str, Any]:
    """The customer's phone line: its status and plan."""
    if line_id not in db.data["lines"]:
        raise ToolError(f"no line {line_id!r}")
    return db.data["lines"][line_id]


@tool
def check_status_bar(db: BackendState) -> dict[str, Any]:
    """What the phone's status bar shows."""
    phone = db.data["device"]["phone"]
    return {"signal": "none" if phone["airplane_mode"] else "4G", "airplane_mode": phone["airplane_mode"]}


@tool
def toggle_airplane_mode(db: BackendState) -> dict[str, Any]:
    """Turn airplane mode on or off."""
    phone = db.data["device"]["phone"]
    phone["airplane_mode"] = not phone["airplane_mode"]
    return {"airplane_mode": phone["airplane_mode"]}
'''

CHECKS = '''
from sparring import CheckContext, CheckResult, check, failed, passed


@check(family="resolution")
def phone_back_online(ctx: CheckContext) -> CheckResult:
    """The customer's phone ends out of airplane mode (its own state, beside the agent's backend)."""
    phone = ctx.customer_state["device"]["phone"]
    lines = ctx.final_state["lines"]
    if phone["airplane_mode"]:
        return failed(f"still in airplane mode (line {sorted(lines)[0]} untouched)")
    return passed("airplane mode off")
'''

SCENARIOS = """
scenarios:
  - id: no-signal
    title: No signal on the phone
    persona: {traits: [calm], style: short, patience: 3}
    situation: Your phone has shown no signal since this morning.
    desired_outcome: Signal back on your phone.
    known_facts:
      - {key: line, value: L-100, reveal: upfront}
"""

SUITE = """name: phones
policy: policy.md
backend:
  snapshot: snapshot.json
  tools: tools.py
  customer_tools: [check_status_bar, toggle_airplane_mode]
  customer_state: device.json
scenarios: scenarios
agent: {kind: reference, max_tool_rounds: 2}
simulation: {max_turns: 3}
evaluations:
  - use: phone_back_online
"""


def write_suite(root: Path, suite_yaml: str = SUITE) -> Path:
    (root / "scenarios").mkdir(parents=True)
    (root / "evaluations").mkdir()
    (root / "suite.yaml").write_text(suite_yaml)
    (root / "policy.md").write_text("Help customers get their phone working.\n")
    (root / "tools.py").write_text(TOOLS)
    (root / "evaluations" / "checks.py").write_text(CHECKS)
    (root / "scenarios" / "phones.yaml").write_text(textwrap.dedent(SCENARIOS))
    (root / "snapshot.json").write_text(json.dumps({"lines": {"L-100": {"status": "active", "plan": "basic"}}}))
    (root / "device.json").write_text(json.dumps({"device": {"phone": {"airplane_mode": True}}}))
    return root


def scripted_run(tmp_path: Path, customer: ScriptedCustomer, name: str) -> tuple[Store, str]:
    suite = load_suite(write_suite(tmp_path / name))
    pool = ModelPool()
    pool.add(ScriptedModel(lambda request: "Please try turning airplane mode off.", name="scripted:agent"))
    store = Store.open(str(tmp_path / f"{name}.db"))
    options = RunOptions(models=RoleOverrides(model="scripted:agent"))
    result = asyncio.run(run_suite(suite, store, options, pool, customer=lambda *_: customer))
    return store, result.run.id


def test_the_customers_tool_calls_are_stored_and_checks_see_its_state(tmp_path: Path) -> None:
    toggle = ToolCall(id="u1", name="toggle_airplane_mode")
    look = ToolCall(id="u2", name="check_status_bar")
    customer = ScriptedCustomer(["My phone L-100 has no signal.", "It works now, thanks."], calls={1: [toggle, look]})
    store, run_id = scripted_run(tmp_path, customer, "fixed")
    [conversation] = store.conversations(run_id)
    second = conversation.customer_turns()[1]
    assert [(c.name, c.result) for c in second.tool_calls] == [
        ("toggle_airplane_mode", {"airplane_mode": False}),
        ("check_status_bar", {"signal": "4G", "airplane_mode": False}),
    ]
    assert conversation.customer_tool_calls() == second.tool_calls
    assert conversation.customer_state == {"device": {"phone": {"airplane_mode": False}}}
    assert conversation.tool_calls() == []  # the agent's calls: none of the customer's
    [verdict] = store.verdicts(run_id)
    assert verdict.outcome == Outcome.PASS, verdict.reasoning


def test_a_customer_that_does_not_act_fails_the_check(tmp_path: Path) -> None:
    store, run_id = scripted_run(tmp_path, ScriptedCustomer(["My phone L-100 has no signal.", "Still nothing."]), "no")
    [conversation] = store.conversations(run_id)
    assert conversation.customer_state == {"device": {"phone": {"airplane_mode": True}}}
    [verdict] = store.verdicts(run_id)
    assert verdict.outcome == Outcome.FAIL and "still in airplane mode" in verdict.reasoning


def test_the_agent_is_not_offered_the_customers_tools(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "suite"))
    backend = suite.backend_factory()(suite.scenarios[0], datetime.now(UTC))
    assert [s.name for s in backend.specs()] == ["line_details"]
    assert [s.name for s in backend.customer_specs()] == ["check_status_bar", "toggle_airplane_mode"]
    assert sorted(suite.tools) == ["line_details"]


def test_the_stub_world_drives_the_llm_customers_tools(tmp_path: Path) -> None:
    """The LLM simulator is offered its tools after its opening; the stub world's customer calls one before each
    reply, the agent never calls one."""
    suite = load_suite(write_suite(tmp_path / "suite"))
    store = Store.open(str(tmp_path / "runs.db"))
    with StubServer(SuiteWorld.from_suite(suite)) as server:
        options = RunOptions(models=RoleOverrides(model="openai:stub", base_url=server.base_url))
        result = asyncio.run(run_suite(suite, store, options, ModelPool()))
    [conversation] = store.conversations(result.run.id)
    assert conversation.end_reason is not None and conversation.error is None, conversation.error
    opening, *replies = conversation.customer_turns()
    assert opening.tool_calls == [] and replies
    assert all(len(turn.tool_calls) == 1 for turn in replies)
    customer_calls = conversation.customer_tool_calls()
    assert {c.name for c in customer_calls} <= {"check_status_bar", "toggle_airplane_mode"}
    assert all(c.error is None for c in customer_calls)
    assert {c.name for c in conversation.tool_calls()} <= {"line_details"}
    toggles = sum(c.name == "toggle_airplane_mode" for c in customer_calls)
    assert conversation.customer_state == {"device": {"phone": {"airplane_mode": toggles % 2 == 0}}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("customer_tools: [check_status_bar, toggle_airplane_mode]", "customer_tools: [reboot]"), "no tool named"),
        (("  customer_state: device.json\n", ""), "customer_tools and customer_state go together"),
        (("customer_state: device.json", "customer_state: missing.json"), "file not found"),
    ],
)
def test_bad_customer_tool_declarations_name_the_file_and_field(tmp_path: Path, change, message) -> None:
    root = write_suite(tmp_path / "suite", SUITE.replace(*change))
    with pytest.raises(SuiteError, match=message) as raised:
        load_suite(root)
    assert "suite.yaml" in str(raised.value)


def simulator_with(tmp_path: Path, reply) -> tuple[CustomerSimulator, ScriptedModel, DualBackend]:
    suite = load_suite(write_suite(tmp_path / "suite"))
    backend = suite.backend_factory()(suite.scenarios[0], datetime.now(UTC))
    assert isinstance(backend, DualBackend)
    model = ScriptedModel(reply)
    return CustomerSimulator(suite.scenarios[0], MeteredModel(model, TokenUsage())), model, backend


def test_the_llm_customer_calls_its_tools_then_writes_grounded_on_them(tmp_path: Path) -> None:
    def reply(request: ChatRequest) -> ChatResponse | dict:
        if request.schema_name == "customer_analysis":
            return {"progressing": True}
        if request.tools and request.messages[-1].role != "tool":
            return ChatResponse(tool_calls=[ToolCall(id="t1", name="toggle_airplane_mode")])
        return ChatResponse(content="I turned airplane mode off.")

    simulator, model, backend = simulator_with(tmp_path, reply)
    turns: list = [CustomerTurn(content="No signal on L-100."), AgentTurn(content="Please turn airplane mode off.")]
    step = asyncio.run(simulator.step(turns, False, backend))
    assert step.message is not None and step.message.content == "I turned airplane mode off."
    assert [(c.name, c.result) for c in step.message.tool_calls] == [("toggle_airplane_mode", {"airplane_mode": False})]
    assert backend.customer_view() == {"device": {"phone": {"airplane_mode": False}}}
    offered = [[t.name for t in r.tools] for r in model.requests]
    assert offered == [[], ["check_status_bar", "toggle_airplane_mode"], ["check_status_bar", "toggle_airplane_mode"]]
    assert model.requests[-1].messages[-1].role == "tool"  # the answer is shown to the model before it writes


def test_a_customer_that_keeps_calling_tools_is_stopped(tmp_path: Path) -> None:
    def reply(request: ChatRequest) -> ChatResponse | dict:
        if request.schema_name == "customer_analysis":
            return {"progressing": True}
        return ChatResponse(tool_calls=[ToolCall(id="t", name="check_status_bar")])

    simulator, _model, backend = simulator_with(tmp_path, reply)
    turns: list = [CustomerTurn(content="No signal."), AgentTurn(content="What does the status bar show?")]
    step = asyncio.run(simulator.step(turns, False, backend))
    assert step.message is not None and len(step.message.tool_calls) == MAX_CALLS_PER_TURN
    assert step.message.content == "Hello? Are you still there?"


def test_a_judge_reads_the_customers_tool_calls_apart_from_the_agents() -> None:
    from sparring.data_model import Conversation, ToolCallRecord
    from sparring.evaluations import render_transcript

    record = ToolCallRecord(id="u1", name="toggle_airplane_mode", result={"airplane_mode": False})
    conversation = Conversation(
        id="r:s:0",
        run_id="r",
        scenario_id="s",
        turns=[
            CustomerTurn(content="No signal."),
            AgentTurn(content="Turn airplane mode off."),
            CustomerTurn(content="Done.", tool_calls=[record]),
        ],
    )
    lines = render_transcript(conversation).text.splitlines()
    assert lines[2:] == [
        '[3] CUSTOMER TOOL CALL "toggle_airplane_mode" {}',
        '[3] CUSTOMER TOOL RESPONSE {"airplane_mode": false}',
        '[3] CUSTOMER: "Done."',
    ]


def test_a_replayed_customer_makes_its_recorded_calls_again(tmp_path: Path) -> None:
    toggle = ToolCall(id="u1", name="toggle_airplane_mode")
    customer = ScriptedCustomer(["My phone L-100 has no signal.", "It works now."], calls={1: [toggle]})
    store, run_id = scripted_run(tmp_path, customer, "first")
    [recorded] = store.conversations(run_id)
    again, again_id = scripted_run(tmp_path, ReplayedCustomer.of(recorded), "again")
    [replayed] = again.conversations(again_id)
    assert replayed.customer_tool_calls() == recorded.customer_tool_calls()
    assert replayed.customer_state == recorded.customer_state == {"device": {"phone": {"airplane_mode": False}}}


def test_customer_calls_without_customer_tools_are_refused_by_name() -> None:
    customer = ScriptedCustomer(["Hi.", "Done."], calls={1: [ToolCall(id="u1", name="reboot_device")]})
    asyncio.run(customer.open())
    turns: list = [CustomerTurn(content="Hi."), AgentTurn(content="Please reboot.")]
    with pytest.raises(ValueError, match="calls 'reboot_device', but the suite gives the customer no tools"):
        asyncio.run(customer.step(turns, False, None))
    with pytest.raises(ValueError, match=r"scripted tool calls \[3\] name messages beyond the 2 given"):
        ScriptedCustomer(["Hi.", "Done."], calls={3: []})


ONLINE = """
scenarios:
  - id: slow-data
    situation: Your phone's data is slow.
    desired_outcome: Faster data.
    customer_overrides:
      device: {phone: {airplane_mode: false}, sim: {status: active}}
"""


def test_a_scenarios_customer_overrides_set_its_own_starting_state(tmp_path: Path) -> None:
    root = write_suite(tmp_path / "suite")
    (root / "scenarios" / "online.yaml").write_text(textwrap.dedent(ONLINE))
    suite = load_suite(root)
    clock = datetime.now(UTC)
    starts = {s.id: suite.backend_factory()(s, clock).customer_view() for s in suite.scenarios}
    assert starts == {
        "no-signal": {"device": {"phone": {"airplane_mode": True}}},
        "slow-data": {"device": {"phone": {"airplane_mode": False}, "sim": {"status": "active"}}},
    }


def test_customer_overrides_without_a_customer_state_name_the_scenario_line(tmp_path: Path) -> None:
    root = write_suite(
        tmp_path / "suite",
        SUITE.replace("  customer_tools: [check_status_bar, toggle_airplane_mode]\n", "").replace(
            "  customer_state: device.json\n", ""
        ),
    )
    (root / "scenarios" / "online.yaml").write_text(textwrap.dedent(ONLINE))
    with pytest.raises(
        SuiteError, match=r"online.yaml:6: scenarios\[0\].customer_overrides: needs backend.customer_state"
    ):
        load_suite(root)
