"""Scenario fields that real suites need: expected actions and state, facts to communicate, per-scenario
assertions, customer rules and given opening turns — parsed strictly, with their shorthands and consistency rules."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sparring import SuiteError, load_suite
from sparring.cli import app
from sparring.data_model import AgentTurn, CustomerTurn, Scenario
from sparring.suite import load_scenarios
from sparring.testing import StubServer

BASE = {"id": "s1", "situation": "My order is late.", "desired_outcome": "A refund."}


def scenario(**fields) -> Scenario:
    return Scenario.model_validate({**BASE, **fields})


def test_actions_are_unordered_and_exact_unless_told():
    parsed = scenario(expected_actions={"actions": [{"tool": "issue_refund", "arguments": {"order_id": "O-1"}}]})
    assert parsed.expected_actions is not None
    assert parsed.expected_actions.ordered is False
    action = parsed.expected_actions.actions[0]
    assert (action.tool, action.arguments, action.match) == ("issue_refund", {"order_id": "O-1"}, "exact")


def test_the_long_form_sets_order_and_argument_matching():
    parsed = scenario(expected_actions={"ordered": True, "actions": [{"tool": "a", "match": "subset"}, {"tool": "b"}]})
    assert parsed.expected_actions is not None and parsed.expected_actions.ordered
    assert [a.match for a in parsed.expected_actions.actions] == ["subset", "exact"]


def test_expected_state_is_records_or_replay_never_both_nor_neither():
    with pytest.raises(ValueError, match="either records or replay_expected_actions"):
        scenario(expected_state={"ignore": ["x"]})
    with pytest.raises(ValueError, match="either records or replay_expected_actions"):
        scenario(
            expected_actions={"actions": [{"tool": "a"}]},
            expected_state={"records": {"orders": {"O-1": {"status": "x"}}}, "replay_expected_actions": True},
        )
    with pytest.raises(ValueError, match="replay_expected_actions needs expected_actions"):
        scenario(expected_state={"replay_expected_actions": True})


def test_opening_becomes_given_turns_and_may_end_with_the_agent():
    parsed = scenario(
        opening=[
            {"role": "customer", "content": "hi, order O-1"},
            {"role": "agent", "content": "Your email?"},
            {"role": "customer", "content": "a@b.c"},
        ]
    )
    turns = parsed.opening_turns()
    assert [type(t) for t in turns] == [CustomerTurn, AgentTurn, CustomerTurn]
    assert turns[0].intent == "given" and turns[1].content == "Your email?" and turns[1].given
    ends_with_agent = scenario(opening=[{"role": "customer", "content": "hi"}, {"role": "agent", "content": "hello"}])
    assert isinstance(ends_with_agent.opening_turns()[-1], AgentTurn)  # the customer goes on from it


def test_lists_of_plain_sentences():
    parsed = scenario(
        must_communicate=["the refund takes 5 days"],
        assertions=["the agent apologises once"],
        customer_rules=["if the agent offers a voucher, refuse it"],
    )
    assert parsed.customer_rules == ["if the agent offers a voucher, refuse it"]
    assert scenario().expected_actions is None and scenario().opening == []


def test_a_typo_inside_an_expected_action_names_file_line_and_the_close_key(tmp_path: Path):
    file = tmp_path / "s.yaml"
    file.write_text(
        "id: s1\nsituation: late\ndesired_outcome: refund\nexpected_actions:\n  actions:\n    - tool: issue_refund\n"
        "      argumnts: {order_id: O-1}\n"
    )
    with pytest.raises(SuiteError) as info:
        load_scenarios(file)
    assert f"{file}:7: unknown key 'argumnts' (did you mean 'arguments'?)" in str(info.value).splitlines()


BAD_ACTIONS = """\
- id: bad-actions
  situation: My order was late.
  desired_outcome: A refund.
  expected_actions:
    actions:
      - tool: isue_refund
        arguments: {order_id: O-2002}
      - tool: issue_refund
        arguments: {order_id: O-2002, amout: 5.0, reason: late}
"""


def add_scenario(suite: Path, text: str) -> Path:
    file = suite / "scenarios" / "zz-bad.yaml"
    file.write_text(text)
    return file


def test_an_unknown_tool_or_argument_in_expected_actions_names_file_line_and_scenario(suite_copy):
    file = add_scenario(suite_copy, BAD_ACTIONS)
    with pytest.raises(SuiteError) as info:
        load_suite(suite_copy)
    assert str(info.value).splitlines() == [
        f"{file}:6: scenario 'bad-actions': no tool 'isue_refund' in this suite (did you mean 'issue_refund'?)",
        f"{file}:9: scenario 'bad-actions': issue_refund takes no argument 'amout' (did you mean 'amount'?)",
    ]


def test_expected_actions_with_known_tools_and_arguments_load(suite_copy):
    add_scenario(suite_copy, BAD_ACTIONS.replace("isue_refund", "issue_refund").replace("amout", "amount"))
    suite = load_suite(suite_copy)
    loaded = next(s for s in suite.scenarios if s.id == "bad-actions")
    assert loaded.expected_actions is not None and len(loaded.expected_actions.actions) == 2


def test_the_cli_refuses_a_bad_expected_action_before_any_model_call_and_writes_nothing(suite_copy, tmp_path):
    """The real path: `sparring run` against a real HTTP model server that counts requests."""
    add_scenario(suite_copy, BAD_ACTIONS)
    requests: list[object] = []
    db = tmp_path / "out" / "runs.db"
    with StubServer(lambda body: requests.append(body) or {"content": "hi"}) as server:
        args = ["run", str(suite_copy), "--model", "openai:stub", "--base-url", server.base_url, "--db", str(db)]
        result = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": ""})
    assert result.exit_code == 2, result.output
    assert "scenario 'bad-actions': no tool 'isue_refund' in this suite" in result.output
    assert "Traceback" not in result.output
    assert requests == [] and not db.parent.exists()
