"""A scenario that starts from a conversation history: its opening carries the agent's tool calls with their answers.
Checked at load (one line naming file, line and field), made on the scenario's backend before the conversation (its
state follows the history), recorded in the transcript as given, and seen by the reference agent as its history."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring import (
    ChatRequest,
    ChatResponse,
    ModelPool,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    SuiteError,
    ToolCall,
    load_suite,
    run_suite,
)
from sparring.data_model import AgentTurn
from sparring.simulator import ScriptedCustomer
from sparring.suite import HistoryBackendFactory

HISTORY = """\
id: credit-given
situation: Your order O-1000 came late. The agent already gave you account credit; you want your money back instead.
desired_outcome: The delivery fee refunded to your card.
known_facts:
  - {key: order number, value: O-1000, reveal: upfront}
opening:
  - {role: customer, content: "My order O-1000 was late."}
  - role: agent
    content: "I've added $5 of credit to your account."
    tool_calls:
      - id: call-credit
        name: issue_credit
        arguments: {order_id: O-1000, amount: 5, reason: late}
        result: {credit_id: CR-0001, amount: 5, status: issued}
expected_actions:
  actions:
    - {tool: issue_refund, arguments: {order_id: O-1000, amount: 3.99, reason: late}}
expected_state:
  replay_expected_actions: true
"""


def with_history(suite: Path, text: str = HISTORY) -> Path:
    """Make `text` the suite's only scenario file (and enable the checks of its expected actions and state)."""
    config = suite / "suite.yaml"
    checks = "  - use: end_state_matches\n  - use: expected_actions_taken\n"
    config.write_text(config.read_text().replace("  - use: refund_only_when_eligible\n", checks, 1))
    for file in (suite / "scenarios").glob("*.yaml"):
        file.unlink()
    file = suite / "scenarios" / "history.yaml"
    file.write_text(text)
    return file


def load_error(suite: Path, old: str, new: str) -> tuple[str, Path]:
    file = with_history(suite, HISTORY.replace(old, new, 1))
    with pytest.raises(SuiteError) as info:
        load_suite(suite)
    return str(info.value), file


def line_of(file: Path, needle: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if needle in line)


PHONES = """name: phones
policy: policy.md
backend: {snapshot: snapshot.json, tools: tools.py, customer_tools: [toggle_airplane_mode], customer_state: device.json}
scenarios: scenarios
evaluations: [{use: no_empty_replies}]
"""
PHONE_TOOLS = '''
from sparring import BackendState, tool


@tool
def line_details(db: BackendState, line_id: str) -> dict:
    """The customer's phone line."""
    return db.data["lines"][line_id]


@tool
def toggle_airplane_mode(db: BackendState) -> dict:
    """Turn airplane mode on or off."""
    phone = db.data["device"]["phone"]
    phone["airplane_mode"] = not phone["airplane_mode"]
    return {"airplane_mode": phone["airplane_mode"]}
'''
PHONE_SCENARIO = """id: no-signal
situation: Your phone has shown no signal since this morning.
desired_outcome: Signal back on your phone.
opening:
  - role: customer
    content: "I turned airplane mode off; still nothing on line L-100."
    tool_calls:
      - {name: toggle_airplane_mode, result: {airplane_mode: false}}
"""


def test_the_backend_starts_after_the_history(suite_copy: Path) -> None:
    with_history(suite_copy)
    suite = load_suite(suite_copy)
    [scenario] = suite.scenarios
    factory = suite.backend_factory()
    assert isinstance(factory, HistoryBackendFactory)
    backend = factory(scenario, suite.config.simulation.clock or __import__("datetime").datetime.now())
    assert backend.view()["credits"]["CR-0001"]["amount"] == 5  # the given issue_credit was made
    assert factory.inner(scenario, __import__("datetime").datetime.now()).view()["credits"] == {}
    [customer, agent] = scenario.opening_turns()
    assert isinstance(agent, AgentTurn) and agent.given and agent.tool_calls[0].result["credit_id"] == "CR-0001"


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        (
            "name: issue_credit",
            "name: issue_credits",
            "issue_credits",
            "no tool 'issue_credits' in this suite (did you mean 'issue_credit'?)",
        ),
        (
            "reason: late}\n        result",
            "why: late}\n        result",
            "why: late",
            "issue_credit takes no argument 'why'",
        ),
        ("amount: 5, status", "amount: 6, status", "id: call-credit", "issue_credit answers"),
        ("status: issued}", "status: issued}\n        error: refused", "id: call-credit", "either result or error"),
        ("role: agent", "role: bot", "role: bot", "customer"),
        (
            '{role: customer, content: "My order O-1000 was late."}',
            "{role: customer, content: hi, tool_calls: [{name: lookup_order, result: {}}]}",
            "role: customer",
            "no customer tool 'lookup_order' in this suite (the suite gives the customer no tools)",
        ),
    ],
    ids=["unknown-tool", "unknown-argument", "other-answer", "result-and-error", "bad-role", "customer-tool-calls"],
)
def test_a_bad_history_is_one_line_naming_file_line_and_field(
    suite_copy: Path, old: str, new: str, needle: str, words: str
) -> None:
    message, file = load_error(suite_copy, old, new)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{file}:{line_of(file, needle)}:"), message
    assert words in message and "opening" in message, message


def test_the_answer_check_names_what_the_backend_said(suite_copy: Path) -> None:
    message, _file = load_error(suite_copy, "amount: 5, status", "amount: 6, status")
    assert '"amount": 5' in message and '"amount": 6' in message and "scenario 'credit-given'" in message


def agent_reply(seen: list[ChatRequest]):
    """The reference agent's scripted model: it must see the given issue_credit call and its answer; then it refunds
    the delivery fee and says so."""

    def reply(request: ChatRequest) -> ChatResponse | str | dict:
        if request.schema_name == "verdict":
            return {"reasoning": "scripted", "verdict": "pass"}
        seen.append(request)
        asked = [c for m in request.messages for c in m.tool_calls if c.name == "issue_credit"]
        answered = [m for m in request.messages if m.role == "tool" and "CR-0001" in m.content]
        if not (asked and asked[0].arguments == {"order_id": "O-1000", "amount": 5, "reason": "late"} and answered):
            return "I cannot see any earlier conversation."
        if request.messages[-1].role == "tool":
            return "I've refunded the $3.99 delivery fee to your card."
        refund = {"order_id": "O-1000", "amount": 3.99, "reason": "late"}
        return ChatResponse(tool_calls=[ToolCall(id="r1", name="issue_refund", arguments=refund)])

    return reply


async def test_a_run_records_the_history_as_given_and_the_agent_sees_it(suite_copy: Path, tmp_path: Path) -> None:
    """Real path: load, run on a SQLite store with the reference agent on a scripted model, read the store back.
    The opening ends with the agent's turn, so the customer speaks first; the end state has the given credit and the
    agent's refund, and end_state_matches passes (its replay starts after the history too)."""
    with_history(suite_copy)
    suite = load_suite(suite_copy)
    seen: list[ChatRequest] = []
    pool = ModelPool()
    pool.add(ScriptedModel(agent_reply(seen), name="scripted:history"))
    options = RunOptions(
        models=RoleOverrides(model="scripted:history"), evaluation_ids=["end_state_matches", "expected_actions_taken"]
    )
    store = Store.open(str(tmp_path / "runs.db"))
    customer = ScriptedCustomer(["I'd rather have my money back, please."])
    result = await run_suite(suite, store, options, pool, customer=lambda *_: customer)
    [conversation] = store.conversations(result.run.id)
    roles = [(t.role, getattr(t, "given", False) or getattr(t, "intent", "") == "given") for t in conversation.turns]
    assert roles == [("customer", True), ("agent", True), ("customer", False), ("agent", False)]
    assert conversation.turns[1].tool_calls[0].result == {"credit_id": "CR-0001", "amount": 5, "status": "issued"}
    assert [c.name for c in conversation.turns[3].tool_calls] == ["issue_refund"]
    assert conversation.turns[3].content == "I've refunded the $3.99 delivery fee to your card."
    assert seen and seen[0].messages[-1].content == "I'd rather have my money back, please."
    assert "credits" not in conversation.state_diff.created  # the given credit is the conversation's start
    assert list(conversation.state_diff.created["refunds"]) == ["RF-0001"]
    verdicts = {v.evaluation_id: (v.outcome.value, v.reasoning) for v in store.verdicts(result.run.id)}
    assert {e: outcome for e, (outcome, _why) in verdicts.items()} == {
        "end_state_matches": "pass",
        "expected_actions_taken": "pass",
    }, verdicts


async def test_the_customers_own_given_calls_set_its_state(tmp_path: Path) -> None:
    """Customer tools (dual control): a given customer turn's calls are made on the customer's side before the
    conversation, so the conversation's customer_state starts from them; an unknown customer tool is one line."""
    root = tmp_path / "phones"
    (root / "scenarios").mkdir(parents=True)
    (root / "suite.yaml").write_text(PHONES)
    (root / "policy.md").write_text("Help customers get their phone working.\n")
    (root / "tools.py").write_text(PHONE_TOOLS)
    (root / "snapshot.json").write_text('{"lines": {"L-100": {"status": "active"}}}')
    (root / "device.json").write_text('{"device": {"phone": {"airplane_mode": true}}}')
    scenarios = root / "scenarios" / "phones.yaml"
    scenarios.write_text(PHONE_SCENARIO)
    suite = load_suite(root)
    pool = ModelPool()
    pool.add(ScriptedModel(lambda request: "Let me look into it.", name="scripted:agent"))
    store = Store.open(str(tmp_path / "phones.db"))
    options = RunOptions(models=RoleOverrides(model="scripted:agent"))
    result = await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer(["Thanks."]))
    [conversation] = store.conversations(result.run.id)
    given = conversation.turns[0]
    assert given.intent == "given" and [(c.name, c.result) for c in given.tool_calls] == [
        ("toggle_airplane_mode", {"airplane_mode": False})
    ]
    assert conversation.customer_state == {"device": {"phone": {"airplane_mode": False}}}  # device.json says True

    scenarios.write_text(scenarios.read_text().replace("name: toggle_airplane_mode", "name: reboot_phone"))
    with pytest.raises(SuiteError) as info:
        load_suite(root)
    message = str(info.value)
    assert len(message.splitlines()) == 1 and "opening[0].tool_calls[0].name" in message, message
    assert "no customer tool 'reboot_phone' in this suite" in message and "toggle_airplane_mode" in message, message
