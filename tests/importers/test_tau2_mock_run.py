"""Real path for τ²'s mock domain: `sparring import tau2 mock` → load → run on a SQLite store. The task
update_task_with_message_history starts after the agent created task_2 (its message history): the reference agent,
on a scripted model, must see that call and its answer to complete task_2, which earns τ²'s reward."""

from __future__ import annotations

from pathlib import Path

import tau2  # noqa: F401 - the importer's extra: the dev extra installs it, so CI runs these tests
from typer.testing import CliRunner

from sparring import (
    ChatRequest,
    ChatResponse,
    ModelPool,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    ToolCall,
    load_suite,
    run_suite,
)
from sparring.cli import app
from sparring.simulator import ScriptedCustomer

SCENARIO = "mock-update_task_with_message_history"
ASKED = "Thanks. The review is done now, please mark that task as completed."


def agent(complete: bool):
    """The reference agent's model: it finds task_2 in its history (the create_task call and its answer), then
    completes it (or, with `complete` False, only says it did)."""

    def reply(request: ChatRequest) -> ChatResponse | str:
        created = [c for m in request.messages for c in m.tool_calls if c.name == "create_task" and c.id == "call_1"]
        answered = [m for m in request.messages if m.role == "tool" and m.tool_call_id == "call_1"]
        if not (created and answered and '"task_id": "task_2"' in answered[0].content):
            return "What task do you mean?"
        if request.messages[-1].role == "tool" or not complete:
            return "Done: task_2 (Project Review) is now completed."
        update = {"task_id": "task_2", "status": "completed"}
        return ChatResponse(tool_calls=[ToolCall(id="u1", name="update_task_status", arguments=update)])

    return reply


async def run(suite_dir: Path, tmp_path: Path, complete: bool):
    suite = load_suite(suite_dir)
    pool = ModelPool()
    pool.add(ScriptedModel(agent(complete), name="scripted:mock"))
    options = RunOptions(scenario_ids=[SCENARIO], models=RoleOverrides(model="scripted:mock"))
    store = Store.open(str(tmp_path / f"{complete}.db"))
    result = await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer([ASKED]))
    [conversation] = store.conversations(result.run.id)
    verdicts = {v.evaluation_id: v for v in store.verdicts(result.run.id)}
    return conversation, verdicts


async def test_imported_mock_runs_from_its_history_and_earns_tau2s_reward(tmp_path: Path) -> None:
    suite_dir = tmp_path / "mock-suite"
    result = CliRunner().invoke(app, ["import", "tau2", "mock", "--out", str(suite_dir)])
    assert result.exit_code == 0, result.output
    conversation, verdicts = await run(suite_dir, tmp_path, complete=True)
    given, agent_turn = conversation.turns[1], conversation.turns[3]
    assert [t.role for t in conversation.turns] == ["customer", "agent", "customer", "agent"]
    assert given.given and [(c.id, c.name, c.result["task_id"]) for c in given.tool_calls] == [
        ("call_1", "create_task", "task_2")
    ]
    assert conversation.turns[2].content == ASKED
    assert [(c.name, c.error) for c in agent_turn.tool_calls] == [("update_task_status", None)]
    assert agent_turn.content.startswith("Done: task_2")
    assert verdicts["tau2_reward"].outcome == "pass", verdicts["tau2_reward"].reasoning
    assert verdicts["expected_actions_taken"].outcome == "pass"
    assert conversation.state_diff.updated["tasks"]["task_2"]["status"] == "completed"

    conversation, verdicts = await run(suite_dir, tmp_path, complete=False)
    assert verdicts["tau2_reward"].outcome == "fail" and "DB" in verdicts["tau2_reward"].reasoning
    assert verdicts["expected_actions_taken"].outcome == "fail"
