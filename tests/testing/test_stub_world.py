"""The stub's suite world (`python -m sparring.testing --suite`): the customer plays its scenario, the agent calls
the suite's tools with valid arguments, on the demo suite and on a library suite with other tools and ids."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sparring import ModelPool, Outcome, RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.testing import StubServer, world_responder
from sparring.testing.suite_world import SuiteWorld

SIM_CHECKS = ["sim_no_invented_facts", "sim_opened_on_topic", "sim_facts_when_asked", "sim_escalation_consistent"]

LIBRARY_TOOLS = '''
from typing import Any, Literal
from sparring import BackendState, ToolError, tool


def _get(db: BackendState, collection: str, key: str) -> dict[str, Any]:
    if key not in db.data[collection]:
        raise ToolError(f"no {collection} record {key!r}")
    return db.data[collection][key]


@tool
def renew_loan(db: BackendState, loan_id: str, weeks: int) -> dict[str, Any]:
    """Extend a loan by some weeks."""
    loan = _get(db, "loans", loan_id)
    loan["weeks"] = loan.get("weeks", 0) + weeks
    return loan


@tool
def member_profile(db: BackendState, patron_id: str) -> dict[str, Any]:
    """A library member's profile: name, email, fines."""
    return _get(db, "patrons", patron_id)


@tool
def loan_details(db: BackendState, loan_id: str, shelf: Literal["fiction", "science", "children"]) -> dict[str, Any]:
    """A loan: which book, which member, when it is due."""
    return _get(db, "loans", loan_id)
'''

LIBRARY_SCENARIOS = """
scenarios:
  - id: overdue-novel
    title: A borrowed novel is overdue
    persona: {traits: [calm], style: short, patience: 3}
    situation: You borrowed a science fiction novel three weeks ago and cannot return it before Friday.
    desired_outcome: An extension of the lending period by two weeks.
    known_facts:
      - {key: loan reference, value: "#L77012", reveal: upfront}
      - {key: library card, value: pat_ada_01}
    backend_overrides:
      loans:
        "#L77012": {patron_id: pat_ada_01, book: Dune, weeks: 3}
  - id: wrong-fine
    title: Fined for a returned picture book
    persona: {traits: [annoyed], style: curt, patience: 2}
    situation: The librarian charged a fine for a picture book that your daughter returned on time.
    desired_outcome: The fine cancelled.
    known_facts:
      - {key: library card, value: pat_ben_02, reveal: upfront}
"""


def write_library_suite(root: Path) -> Path:
    """A small suite unlike the demo: patrons and loans, ids like `pat_ada_01` and `#L77012`."""
    (root / "scenarios").mkdir(parents=True)
    (root / "suite.yaml").write_text(
        "name: library\npolicy: policy.md\nbackend: {snapshot: snapshot.json, tools: tools.py,"
        " action_tools: [renew_loan]}\nscenarios: scenarios\nagent: {kind: reference, max_tool_rounds: 2}\n"
        "simulation: {max_turns: 4}\nevaluations:\n" + "".join(f"  - use: {c}\n" for c in SIM_CHECKS)
    )
    (root / "policy.md").write_text("Loans can be extended once by up to four weeks.\n")
    (root / "tools.py").write_text(LIBRARY_TOOLS)
    (root / "scenarios" / "library.yaml").write_text(textwrap.dedent(LIBRARY_SCENARIOS))
    snapshot = (
        '{"patrons": {"pat_ada_01": {"name": "Ada", "email": "ada@example.org"}, "pat_ben_02": {"name": "Ben"}},'
        ' "loans": {"#L50001": {"patron_id": "pat_ben_02", "book": "Gruffalo", "weeks": 2}}}'
    )
    (root / "snapshot.json").write_text(snapshot)
    return root


@pytest.fixture
def library_suite(tmp_path):
    return load_suite(write_library_suite(tmp_path / "library"))


def run_against(suite, responder, tmp_path, evaluation_ids):
    """Run every scenario of `suite` with every model role served by `responder` over HTTP."""
    store = Store.open(str(tmp_path / "runs.db"))
    with StubServer(responder) as server:
        models = RoleOverrides(model="openai:stub", base_url=server.base_url)
        options = RunOptions(models=models, evaluation_ids=evaluation_ids, concurrency=4)
        result = asyncio.run(run_suite(suite, store, options, ModelPool()))
    return store, result.run.id


def outcomes(store, run_id):
    return {(v.conversation_id, v.evaluation_id): v.outcome for v in store.verdicts(run_id)}


@pytest.mark.parametrize("which", ["demo", "library"])
def test_suite_world_calls_tools_validly_and_the_customer_follows_its_scenario(which, example_suite, tmp_path):
    suite = example_suite if which == "demo" else load_suite(write_library_suite(tmp_path / "library"))
    store, run_id = run_against(suite, SuiteWorld.from_suite(suite), tmp_path, SIM_CHECKS)
    conversations = store.conversations(run_id)
    assert len(conversations) == len(suite.scenarios)
    for conversation in conversations:
        calls = conversation.tool_calls()
        assert calls, conversation.scenario_id
        assert [c.error for c in calls] == [None] * len(calls), conversation.scenario_id
    verdicts = outcomes(store, run_id)
    assert len(verdicts) == len(conversations) * len(SIM_CHECKS)
    failed = {key: o for key, o in verdicts.items() if o == Outcome.FAIL}
    assert not failed
    assert sum(o == Outcome.PASS for o in verdicts.values()) >= len(conversations) * 3


def test_without_a_suite_the_generic_world_fails_the_library_suite(library_suite, tmp_path):
    """What --suite fixes: the generic world's placeholder ids are refused; its off-topic opening is replaced by
    the scenario's grounded opening, so the customer still opens on topic."""
    store, run_id = run_against(library_suite, world_responder, tmp_path, ["sim_opened_on_topic"])
    calls = [c for conversation in store.conversations(run_id) for c in conversation.tool_calls()]
    assert calls and all(c.error is not None for c in calls)
    assert set(outcomes(store, run_id).values()) == {Outcome.PASS}
    openings = [c.customer_turns()[0] for c in store.conversations(run_id)]
    assert all("the grounded opening was sent as written" in t.directive for t in openings)


def test_the_library_customer_uses_its_scenario_ids_and_the_agent_follows_them(library_suite, tmp_path):
    store, run_id = run_against(library_suite, SuiteWorld.from_suite(library_suite), tmp_path, [])
    by_scenario = {c.scenario_id: c for c in store.conversations(run_id)}
    novel = by_scenario["overdue-novel"]
    assert "#L77012" in novel.customer_turns()[0].content
    assert "borrowed a science fiction novel" in novel.customer_turns()[0].content
    first_call = novel.tool_calls()[0]  # the first tool with valid arguments: the loan's own patron
    assert (first_call.name, first_call.arguments) == ("member_profile", {"patron_id": "pat_ada_01"})
    tools = [
        {"function": spec.model_dump()}
        for spec in library_suite.backend_factory()(library_suite.scenarios[0], datetime.now(UTC)).specs()
    ]
    world = SuiteWorld.from_suite(library_suite)
    loan = world.index.choose(tools[2:] + tools[:1], "my science novel, #L77012", 0, world.writes)
    assert (loan.name, loan.arguments) == ("loan_details", {"loan_id": "#L77012", "shelf": "science"})
    fine = by_scenario["wrong-fine"]
    assert fine.tool_calls()[0].arguments == {"patron_id": "pat_ben_02"}


def test_a_fact_kept_until_asked_is_given_only_when_the_agent_asks(library_suite):
    world = SuiteWorld.from_suite(library_suite)
    brief = "x\nWhat happened (your view): " + library_suite.scenarios[0].situation
    brief += "\n\nWhat you want: " + library_suite.scenarios[0].desired_outcome + "\n\nmore"
    opening = [{"role": "system", "content": brief}, {"role": "user", "content": "Hi, how can I help?"}]
    directive = {"role": "system", "content": "What to do now: go on"}

    def reply(agent_says):
        turns = [{"role": "assistant", "content": "Hi. My loan reference is #L77012."}]
        turns.append({"role": "user", "content": agent_says})
        return world({"messages": [*opening, *turns, directive]})["content"]

    assert "pat_ada_01" not in reply("I have extended it.")
    assert reply("Which library card do you have?") == "My library card is pat_ada_01."
    assert "pat_ada_01" not in world({"messages": [*opening, directive]})["content"]


def test_the_agent_prefers_conversation_ids_then_seeded_snapshot_ids(library_suite):
    index = SuiteWorld.from_suite(library_suite).index
    assert index.collection_for("loan_id") == "loans"
    assert index.collection_for("patron_id") == "patrons"
    assert index.collection_for("email") is None
    assert index.mentioned("loan #L77012, please.") == ["#L77012", "pat_ada_01"]  # its record's patron too
    tool = {
        "function": {
            "name": "member_profile",
            "parameters": {"properties": {"email": {"type": "string"}}, "required": ["email"]},
        }
    }
    assert index.choose([tool], "about #L77012", 0, frozenset()).arguments == {"email": "ada@example.org"}
    renew = {
        "function": {
            "name": "renew_loan",
            "parameters": {"properties": {"loan_id": {"type": "string"}}, "required": ["loan_id"]},
        }
    }
    picks = {index.choose([renew], "hello", seed, frozenset()).arguments["loan_id"] for seed in range(8)}
    assert picks == {"#L50001", "#L77012"}  # no id in the conversation: a real one, chosen by the seed


def test_without_suite_the_world_is_unchanged():
    tool = {"function": {"name": "lookup", "parameters": {"properties": {"x": {"type": "string"}}, "required": ["x"]}}}
    call = world_responder({"messages": [{"role": "user", "content": "hi"}], "tools": [tool]})
    assert call["tool_calls"][0]["function"] == {"name": "lookup", "arguments": '{"x": "X-1"}'}
    text = world_responder({"messages": [{"role": "system", "content": "brief"}]})["content"]
    assert text.startswith("Hi, I have a problem with my order (case ")


def test_the_cli_serves_a_suite_and_names_a_bad_one(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "sparring.testing", "--suite", str(tmp_path / "nowhere")], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nowhere' / 'suite.yaml'}: no suite.yaml here: a suite is a folder with a suite.yaml"
    ]


def test_the_customer_asks_for_a_human_only_on_its_directive(library_suite):
    from sparring.simulator.escalation import DIRECTIVES, Action

    world = SuiteWorld.from_suite(library_suite)
    scenario = library_suite.scenarios[1]
    brief = f"What happened (your view): {scenario.situation}\n\nWhat you want: {scenario.desired_outcome}\n\n"
    turns = [{"role": "assistant", "content": "Hi. My library card is pat_ben_02."}, {"role": "user", "content": "Ok."}]

    def reply(action):
        directive = {"role": "system", "content": f"What to do now: {DIRECTIVES[action]}"}
        return world(
            {"messages": [{"role": "system", "content": brief}, {"role": "user", "content": "Hi"}, *turns, directive]}
        )["content"]

    assert "human" in reply(Action.ASK_FOR_HUMAN)
    assert reply(Action.PUSH_BACK).startswith("That does not solve my problem about my library card pat_ben_02")
    assert "human" not in reply(Action.CONTINUE)
