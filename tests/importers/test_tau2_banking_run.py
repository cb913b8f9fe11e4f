"""`sparring import tau2 <banking_knowledge folder>` for real: the suite carries τ²'s documents as its knowledge base
and `KB_search`, the agent verifies the customer and gives them a discoverable tool, the customer calls it, and the
run's `tau2_reward` on a real SQLite store passes when the customer files both disputes and fails when it files one.
Bad input is one line naming the file and the task, and nothing is written."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

from importers.test_tau2_banking import banking_folder
from sparring import (
    ChatRequest,
    ChatResponse,
    ModelPool,
    Outcome,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    ToolCall,
    load_suite,
    run_suite,
)
from sparring.importers.tau2_domain import Tau2ImportError, load_domain
from sparring.simulator import ScriptedCustomer

pytestmark = pytest.mark.real
TASK = "task_017"  # verify, give submit_cash_back_dispute_0589; the customer disputes two transactions with it


def sparring(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command line, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "sparring.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("banking")
    folder = banking_folder(root)
    result = sparring("import", "tau2", str(folder), "--out", str(root / "suite"), cwd=root)
    assert result.returncode == 0, result.stderr
    assert "6 scenarios" in result.stdout
    return root / "suite"


def gold_arguments(suite_folder: Path) -> list[dict[str, Any]]:
    task = json.loads((suite_folder / "tau2" / "banking_knowledge" / "tasks" / f"{TASK}.json").read_text())
    return [action["arguments"] for action in task["evaluation_criteria"]["actions"]]


def agent_reply(gold: list[dict[str, Any]]) -> Any:
    """The agent: search the knowledge base, log the verification, give the customer the tool, then answer."""
    plan = [
        ("KB_search", {"query": "cash back dispute incorrect rewards"}),
        ("log_verification", gold[0]),
        ("give_discoverable_user_tool", gold[1]),
    ]

    def reply(request: ChatRequest) -> ChatResponse | str:
        done = sum(1 for message in request.messages if message.role == "tool")
        if done < len(plan):
            name, arguments = plan[done]
            return ChatResponse(tool_calls=[ToolCall(id=f"a{done}", name=name, arguments=arguments)])
        return "I have given you submit_cash_back_dispute_0589: use it for each transaction."

    return reply


def run(suite_folder: Path, store_file: Path, disputes: int) -> tuple[Any, Any]:
    suite = load_suite(suite_folder)
    gold = gold_arguments(suite_folder)
    pool = ModelPool()
    pool.add(ScriptedModel(agent_reply(gold), name="scripted:agent"))
    calls = [ToolCall(id=f"u{i}", name="call_discoverable_user_tool", arguments=gold[2 + i]) for i in range(disputes)]
    customer = ScriptedCustomer(["My cash back on two purchases is wrong.", "Done, thanks."], calls={1: calls})
    scenario = next(s.id for s in suite.scenarios if s.id.endswith(TASK))
    options = RunOptions(scenario_ids=[scenario], models=RoleOverrides(model="scripted:agent"))
    store = Store.open(str(store_file))
    result = asyncio.run(run_suite(suite, store, options, pool, customer=lambda *_: customer))
    [conversation] = store.conversations(result.run.id)
    verdicts = {v.evaluation_id: v for v in store.verdicts(result.run.id)}
    assert verdicts["expected_actions_taken"].outcome == Outcome.PASS, "the agent's gold actions, made word for word"
    return conversation, verdicts["tau2_reward"]


def test_the_imported_suite_carries_the_documents_and_taus_policy(imported: Path) -> None:
    suite = load_suite(imported)
    assert suite.config.knowledge is not None and suite.config.knowledge.tool == "KB_search"
    assert suite.config.knowledge.top_k == 10, "τ²'s BM25 pipeline returns 10 documents"
    assert suite.policy.startswith("# Rho-Bank Customer Service Policy") and "{{component" not in suite.policy
    assert suite.config.backend.handoff_tools == ["transfer_to_human_agents"]
    assert (imported / "tau2" / "banking_knowledge" / "documents").is_dir()


def test_the_customer_filing_both_disputes_earns_the_reward(imported: Path, tmp_path: Path) -> None:
    conversation, verdict = run(imported, tmp_path / "both.db", disputes=2)
    assert verdict.outcome == Outcome.PASS, verdict.reasoning
    agent_calls = [call.name for turn in conversation.agent_turns() for call in turn.tool_calls]
    assert agent_calls == ["KB_search", "log_verification", "give_discoverable_user_tool"]
    searched = next(turn.tool_calls[0] for turn in conversation.agent_turns() if turn.tool_calls)
    assert len(searched.result["documents"]) == 10
    filed = conversation.customer_tool_calls()
    assert [call.error for call in filed] == [None, None]
    assert all("Cash back dispute submitted successfully" in call.result for call in filed)


def test_the_customer_filing_one_dispute_fails_the_db_check(imported: Path, tmp_path: Path) -> None:
    _conversation, verdict = run(imported, tmp_path / "one.db", disputes=1)
    assert verdict.outcome == Outcome.FAIL and "DB" in verdict.reasoning


def test_bad_banking_input_is_one_line_naming_the_file_and_task(tmp_path: Path) -> None:
    folder = banking_folder(tmp_path)
    task_file = folder / "tasks" / "task_004.json"
    task = json.loads(task_file.read_text())
    task["evaluation_criteria"]["actions"][0]["name"] = "wire_all_funds"
    task_file.write_text(json.dumps(task))
    out = tmp_path / "suite"
    result = sparring("import", "tau2", str(folder), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"{task_file}: task 'task_004': action " in result.stderr and "calls 'wire_all_funds'" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    task_file.write_text("{")
    with pytest.raises(Tau2ImportError, match=r"task_004.json:1: invalid JSON"):
        load_domain(folder)
    damaged = banking_folder(tmp_path / "damaged")  # a new path: a database is loaded once per process and path
    (damaged / "db.json").write_text(json.dumps({"users": 5}))
    with pytest.raises(Tau2ImportError, match=r"db.json: not a τ² banking_knowledge database: 1 validation error"):
        load_domain(damaged)
    shutil.rmtree(folder / "tasks")
    with pytest.raises(Tau2ImportError, match=r"not a τ² domain folder: tasks/ missing"):
        load_domain(folder)


def test_the_llm_customer_is_offered_only_its_task_s_tools_through_the_stub_world(
    imported: Path, tmp_path: Path
) -> None:
    """The reference agent and the LLM simulator, served by the stub world over HTTP: every conversation ends
    without error, and each customer calls only the tools its task's `user_tools` names (τ² v1.0.x's rule)."""
    from sparring.testing import StubServer
    from sparring.testing.suite_world import SuiteWorld

    suite = load_suite(imported)
    store = Store.open(str(tmp_path / "runs.db"))
    with StubServer(SuiteWorld.from_suite(suite)) as server:
        models = RoleOverrides(model="openai:stub", base_url=server.base_url)
        result = asyncio.run(run_suite(suite, store, RunOptions(models=models), ModelPool()))
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 6
    folder = imported / "tau2" / "banking_knowledge" / "tasks"
    for conversation in conversations:
        assert conversation.error is None, conversation.error
        task = json.loads((folder / f"{conversation.scenario_id.removeprefix('banking_knowledge-')}.json").read_text())
        called = {call.name for call in conversation.customer_tool_calls()}
        assert called and called <= set(task["user_tools"]), (conversation.scenario_id, called)
