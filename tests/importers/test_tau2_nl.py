"""τ²'s full reward on τ²-bench v1.0.x data (a vendored subset, tests/fixtures/tau2_v1): the tasks import (one
calls `get_item_details`, a tool the installed τ² lacks), and the reward with NL assertions judged by the suite's
judge model agrees with τ²'s own evaluator given the same judge answers; the judge is sent τ²'s own prompt."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ²'s evaluator imports litellm: no network

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, EndReason, Outcome, TokenUsage
from sparring.importers.tau2_backend import Tau2BackendFactory
from sparring.importers.tau2_domain import Tau2Domain, installed_folder, load_domain
from sparring.importers.tau2_evaluation import NoJudge, conversation_reward
from sparring.models.base import ChatRequest, MeteredModel
from sparring.models.scripted import ScriptedModel
from tau2_trajectories import Trajectory, gold_calls, play, tau2_evaluated, tau2_messages

pytestmark = pytest.mark.real
FIXTURE = Path(__file__).parents[1] / "fixtures" / "tau2_v1" / "retail"


@pytest.fixture(scope="module")
def v1_retail(tmp_path_factory: pytest.TempPathFactory) -> Tau2Domain:
    """The vendored v1.0.x retail tasks and policy beside the installed package's db.json (the same file)."""
    folder = tmp_path_factory.mktemp("v1") / "retail"
    shutil.copytree(FIXTURE, folder)
    shutil.copyfile(installed_folder("retail") / "db.json", folder / "db.json")
    return load_domain(folder)


@pytest.fixture(autouse=True)
def tau2_uses_the_same_environment(v1_retail: Tau2Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """τ²'s evaluator replays on the domain's environment (with the ported tool, which its own 26.3 code lacks)."""
    from tau2.registry import registry

    monkeypatch.setattr(
        registry, "get_env_constructor", lambda name: lambda solo_mode=False: v1_retail.fresh_environment()
    )


def answer(assertions: list[str], unmet: int | None) -> str:
    """A judge answer in τ²'s format grading every assertion; the one at index `unmet` is not met."""
    results = [
        {"expectedOutcome": a, "reasoning": "checked", "metExpectation": i != unmet} for i, a in enumerate(assertions)
    ]
    return json.dumps({"results": results})


def conversation_of(trajectory: Trajectory) -> Conversation:
    """The trajectory as a Sparring conversation: the customer's opening, then one agent turn."""
    turns = [
        CustomerTurn(content="Hello, I need help."),
        AgentTurn(content=" ".join(trajectory.agent_texts), tool_calls=trajectory.calls),
    ]
    return Conversation(id="r:s:0", run_id="r", scenario_id="s", turns=turns, end_reason=EndReason.RESOLVED)


def tau2_judged(task: Any, trajectory: Trajectory, reply: str, monkeypatch: pytest.MonkeyPatch) -> tuple[float, list]:
    """τ²'s own evaluate_simulation with its judge answering `reply`: (reward, the messages its judge was sent)."""
    from tau2.data_model.message import AssistantMessage
    from tau2.evaluator import evaluator_nl_assertions

    sent: list = []

    def generate(model: str, messages: list, **kwargs: Any) -> AssistantMessage:
        sent.extend(messages)
        return AssistantMessage(role="assistant", content=reply)

    monkeypatch.setattr(evaluator_nl_assertions, "generate", generate)
    # τ² 26.3 judges NL assertions only when asked to (v1.0.x: whenever the basis names them)
    return tau2_evaluated(task, tau2_messages(trajectory), "retail", "ALL_WITH_NL_ASSERTIONS"), sent


def sparring_judged(domain: Tau2Domain, task: Any, trajectory: Trajectory, reply: str) -> tuple[Outcome, list]:
    """Sparring's tau2_reward verdict with its judge model answering `reply`: (outcome, the requests sent)."""
    judge = ScriptedModel(lambda request: reply, name="scripted:judge")
    factory = Tau2BackendFactory(domain)
    result = asyncio.run(
        conversation_reward(
            factory, f"retail-{task.id}", conversation_of(trajectory), MeteredModel(judge, TokenUsage())
        )
    )
    return result.outcome, judge.requests


def test_v1_tasks_import_with_the_ported_tool(v1_retail: Tau2Domain) -> None:
    """Task 21's gold calls get_item_details; it runs on τ²'s retail database as τ²-bench v1.0.x runs it."""
    assert "get_item_details" in v1_retail.tool_names and v1_retail.tool_types["get_item_details"] == "read"
    task = next(t for t in v1_retail.tasks if t.id == "21")
    records = play(v1_retail, task, gold_calls(task)).calls
    details = next(r for r in records if r.name == "get_item_details")
    assert details.error is None and details.result["item_id"] == details.arguments["item_id"]


@pytest.mark.parametrize("task_id", ["19", "21", "24"])
def test_reward_with_nl_assertions_agrees_with_tau2(
    v1_retail: Tau2Domain, task_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gold calls, every assertion met: 1.0 from both; one assertion unmet: 0.0 from both. The judge is asked
    once, with τ²'s system and user messages, word for word."""
    task = next(t for t in v1_retail.tasks if t.id == task_id)
    assertions = list(task.evaluation_criteria.nl_assertions)
    trajectory = play(v1_retail, task, gold_calls(task))
    for unmet, expected in ((None, Outcome.PASS), (len(assertions) - 1, Outcome.FAIL)):
        reply = answer(assertions, unmet)
        theirs, sent = tau2_judged(task, trajectory, reply, monkeypatch)
        ours, requests = sparring_judged(v1_retail, task, trajectory, reply)
        assert (ours, theirs) == (expected, 1.0 if expected == Outcome.PASS else 0.0)
        assert len(requests) == 1
        shown = [(m.role, m.content.strip()) for m in requests[0].messages]
        assert shown == [(m.role, m.content.strip()) for m in sent]


def test_no_assertions_needs_no_judge_and_a_zero_reward_skips_it(
    v1_retail: Tau2Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Task 0 has NL_ASSERTION in its basis and no assertions: 1.0 without asking (as τ²). A trajectory whose
    database differs earns 0 without asking the judge either (τ² asks; the reward is the same)."""
    for task_id, calls in (("0", None), ("19", [])):
        task = next(t for t in v1_retail.tasks if t.id == task_id)
        trajectory = play(v1_retail, task, gold_calls(task) if calls is None else calls)
        reply = answer(list(task.evaluation_criteria.nl_assertions or []), None)
        theirs, _ = tau2_judged(task, trajectory, reply, monkeypatch)
        ours, requests = sparring_judged(v1_retail, task, trajectory, reply)
        assert (ours, theirs, requests) == ((Outcome.PASS, 1.0, []) if calls is None else (Outcome.FAIL, 0.0, []))


def test_an_unusable_judge_is_an_error_never_a_pass(v1_retail: Tau2Domain) -> None:
    """Not JSON, or no results (τ² would count that as met): retried, then raised (an error verdict); no judge
    model at all raises too."""
    task = next(t for t in v1_retail.tasks if t.id == "19")
    trajectory = play(v1_retail, task, gold_calls(task))
    for reply in ("all good", json.dumps({"results": []})):
        with pytest.raises(ValueError, match="no usable answer in 3 attempts"):
            sparring_judged(v1_retail, task, trajectory, reply)
    with pytest.raises(NoJudge):
        asyncio.run(conversation_reward(Tau2BackendFactory(v1_retail), "retail-19", conversation_of(trajectory)))


def test_the_request_asks_for_tau2s_answer_format() -> None:
    """The judge request carries the JSON schema of τ²'s answer (results with expectedOutcome, reasoning,
    metExpectation), so a local judge's grammar enforces it."""
    from sparring.importers.tau2_nl import request_for

    conversation = Conversation(id="r:s:0", run_id="r", scenario_id="s", turns=[CustomerTurn(content="Hi")])
    request: ChatRequest = request_for(conversation, ["The agent greets the user."])
    item = request.response_schema["properties"]["results"]["items"]  # type: ignore[index]
    assert set(item["required"]) == {"expectedOutcome", "reasoning", "metExpectation"}
    assert request.messages[1].content.endswith("['The agent greets the user.']")
    assert "user: Hi" in request.messages[1].content


AGENT = '''
"""A chatbot under test that makes the gold calls of its task, then says it is done."""
CALLS = []


async def respond(messages, tools):
    if len(messages) > 1:
        return "Anything else?"
    for name, arguments in CALLS:
        try:
            await tools.call(name, **arguments)
        except Exception:  # a refused call is recorded in the transcript; the chatbot goes on
            pass
    return "Done."
'''


async def test_a_run_of_the_imported_v1_suite_asks_the_suites_judge(
    v1_retail: Tau2Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_suite on the imported v1.0.x suite: the check reaches the run's judge model, which is sent τ²'s prompt
    for task 19; met, the reward passes; expected_actions_taken passes on the gold calls (refused ones count)."""
    import sys

    from sparring import ModelPool, RoleOverrides, RunOptions, Store, load_suite, run_suite
    from sparring.importers.tau2_suite import write_suite
    from sparring.simulator import ScriptedCustomer

    write_suite(v1_retail, tmp_path / "suite")
    suite = load_suite(tmp_path / "suite")
    assert suite.config.backend.handoff_tools == ["transfer_to_human_agents"]
    task = next(t for t in v1_retail.tasks if t.id == "19")
    (tmp_path / "gold_v1_bot.py").write_text(AGENT, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("gold_v1_bot", None)
    import gold_v1_bot

    gold_v1_bot.CALLS = [(a.name, a.arguments) for a in task.evaluation_criteria.actions]
    reply = answer(list(task.evaluation_criteria.nl_assertions), None)
    judged: list[ChatRequest] = []

    def script(request: ChatRequest) -> str:
        judged.append(request)
        return reply if request.schema_name == "nl_assertions" else '{"reasoning": "ok", "verdict": "pass"}'

    pool = ModelPool()
    pool.add(ScriptedModel(script, name="scripted:judge"))
    options = RunOptions(
        scenario_ids=["retail-19"], models=RoleOverrides(model="scripted:judge", agent="gold_v1_bot:respond")
    )
    store = Store.open(str(tmp_path / "run.db"))
    result = await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer(["Hi, I need help."]))
    verdicts = {v.evaluation_id: v for v in store.verdicts(result.run.id)}
    assert verdicts["tau2_reward"].outcome == Outcome.PASS, verdicts["tau2_reward"].reasoning
    assert "NL_ASSERTION 1" in verdicts["tau2_reward"].reasoning
    assert verdicts["expected_actions_taken"].outcome == Outcome.PASS
    assert [r.schema_name for r in judged] == ["nl_assertions"]
