"""τ²-bench v1.0.x's `mock` domain (its newest data, vendored in tests/fixtures/tau2_v1/mock): its 10th task sets up
and asserts on the customer's own notification inbox, whose tools (`check_notifications`, `dismiss_notification`)
Sparring ports where the installed τ² package lacks them. `tau2_reward` over both sides' calls agrees with τ²'s own
`evaluate_simulation` (run on the same environments) on every task, and an imported suite runs with a scripted
customer dismissing its notification."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ²'s evaluator imports litellm: no network

from sparring import (
    ChatRequest,
    ChatResponse,
    ModelPool,
    Outcome,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    load_suite,
    run_suite,
)
from sparring.data_model import ToolCall, ToolCallRecord
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_domain import Tau2Domain, Tau2ImportError, load_domain
from sparring.importers.tau2_reward import tau2_reward
from sparring.importers.tau2_suite import write_suite
from sparring.simulator import ScriptedCustomer
from tau2_trajectories import tau2_evaluated

pytestmark = pytest.mark.real
FOLDER = Path(__file__).parents[1] / "fixtures" / "tau2_v1" / "mock"
USER_TASK = "update_task_with_user_tools"
DISMISS = ("user", ToolCall(id="u2", name="dismiss_notification", arguments={"notification_id": "notif_1"}))
SAID = "Done: the task status was updated successfully."


@pytest.fixture(scope="module")
def mock() -> Tau2Domain:
    return load_domain(FOLDER)


@pytest.fixture(autouse=True)
def same_environments(mock: Tau2Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """τ²'s evaluator builds its environments as v1.0.x's `get_environment` does: the agent's database and the
    customer's inbox of the folder (the installed package's mock has no inbox)."""
    from tau2.registry import registry

    monkeypatch.setattr(registry, "get_env_constructor", lambda name: lambda solo_mode=False: mock.fresh_environment())


def task_of(domain: Tau2Domain, task_id: str) -> Any:
    return next(task for task in domain.tasks if task.id == task_id)


def gold(task: Any) -> list[tuple[str, ToolCall]]:
    """The task's gold actions, each by its requestor; for a task graded by env assertions alone, the status updates
    that make its `assert_task_status` assertions hold (as test_tau2_mock does)."""
    criteria = task.evaluation_criteria
    actions = [
        (a.requestor, ToolCall(id=a.action_id, name=a.name, arguments=a.arguments)) for a in criteria.actions or []
    ]
    statuses = [a.arguments for a in criteria.env_assertions or [] if a.func_name == "assert_task_status"]
    return actions or [
        (
            "assistant",
            ToolCall(
                id=f"s{i}",
                name="update_task_status",
                arguments={"task_id": a["task_id"], "status": a["expected_status"]},
            ),
        )
        for i, a in enumerate(statuses)
    ]


def played(domain: Tau2Domain, task: Any, calls: list[tuple[str, ToolCall]]) -> tuple[list[ToolCallRecord], list[str]]:
    """The calls made in order on a backend after the task's history, each by its requestor."""
    backend = Tau2Backend(domain, task, with_history=True)
    records = [(backend.execute if who == "assistant" else backend.execute_customer)(call) for who, call in calls]
    return records, [who for who, _call in calls]


def said(task: Any) -> str:
    """The agent's last message: a confirmation with the task's `communicate_info`."""
    return " ".join([SAID, *(task.evaluation_criteria.communicate_info or [])])


def tau2_messages(task: Any, records: list[ToolCallRecord], requestors: list[str]) -> list[Any]:
    """The task's history, then the calls as τ² messages (each answered by a tool message), then the agent's text."""
    from tau2.data_model.message import AssistantMessage, ToolMessage, UserMessage
    from tau2.data_model.message import ToolCall as Tau2ToolCall

    history = task.initial_state.message_history if task.initial_state else None
    messages: list[Any] = list(history or []) + [UserMessage(role="user", content="Please help with my task.")]
    for record, requestor in zip(records, requestors, strict=True):
        call = Tau2ToolCall(id=record.id, name=record.name, arguments=record.arguments, requestor=requestor)
        asking = AssistantMessage if requestor == "assistant" else UserMessage
        content = record.error if record.error is not None else json.dumps(record.result)
        messages.append(asking(role=requestor, tool_calls=[call]))
        messages.append(
            ToolMessage(id=record.id, role="tool", content=content, requestor=requestor, error=record.error is not None)
        )
    messages.append(AssistantMessage(role="assistant", content=said(task)))
    return messages


def both(domain: Tau2Domain, task: Any, calls: list[tuple[str, ToolCall]]) -> tuple[float | str, float | str]:
    """(Sparring's reward, τ²'s reward) of the trajectory; "error" where the evaluator raised (both raise on an env
    assertion about a task that was never created); NL assertions not judged (τ²'s ALL evaluation skips them)."""
    records, requestors = played(domain, task, calls)
    messages = tau2_messages(task, records, requestors)
    given = (task.initial_state.message_history or []) if task.initial_state else []
    history = [
        ToolCallRecord(id=c.id, name=c.name, arguments=c.arguments)
        for m in given
        for c in getattr(m, "tool_calls", None) or []
    ]
    whose = ["assistant"] * len(history) + requestors
    return (
        _or_error(lambda: tau2_reward(domain, task, history + records, [said(task)], None, whose).reward),
        _or_error(lambda: tau2_evaluated(task, messages, "mock")),
    )


def _or_error(evaluate: Any) -> float | str:
    try:
        return float(evaluate())
    except ValueError:
        return "error"


def components(domain: Tau2Domain, task: Any, calls: list[tuple[str, ToolCall]]) -> dict[str, float]:
    records, requestors = played(domain, task, calls)
    return tau2_reward(domain, task, records, [SAID], None, requestors).components


def test_the_newest_mock_folder_imports_all_ten_tasks_and_the_customers_inbox(mock: Tau2Domain) -> None:
    assert len(mock.tasks) == 10
    assert mock.user_tool_names == ["check_notifications", "dismiss_notification"]
    backend = Tau2Backend(mock, task_of(mock, USER_TASK))
    assert [spec.name for spec in backend.customer_specs()] == ["check_notifications", "dismiss_notification"]
    assert backend.customer_view()["notifications"]["notif_1"]["status"] == "unread"  # the task's add_notification
    checked = backend.execute_customer(ToolCall(id="u1", name="check_notifications"))
    assert [n["notification_id"] for n in checked.result] == ["notif_1"]
    missing = backend.execute_customer(
        ToolCall(id="u2", name="dismiss_notification", arguments={"notification_id": "x"})
    )
    assert missing.error is not None and "Notification x not found" in missing.error
    assert Tau2Backend(mock, task_of(mock, "create_task_1")).customer_specs()  # every task's customer has them


def test_gold_actions_earn_the_same_reward_from_both_evaluators(mock: Tau2Domain) -> None:
    """1.0 on every task but the 10th, which τ² itself never rewards: its gold actions (the agent's update alone)
    leave the notification unread, so its env assertion fails; the customer's dismiss makes the assertion hold but
    then the customer's inbox differs from the gold one (τ²'s DB check compares both databases)."""
    rewards = {task.id: both(mock, task, gold(task)) for task in mock.tasks}
    assert rewards == {task.id: (0.0, 0.0) if task.id == USER_TASK else (1.0, 1.0) for task in mock.tasks}
    task = task_of(mock, USER_TASK)
    assert both(mock, task, [*gold(task), DISMISS]) == (0.0, 0.0)
    assert components(mock, task, gold(task)) == {"DB": 1.0, "ENV_ASSERTION": 0.0, "ACTION": 1.0, "COMMUNICATE": 1.0}
    assert components(mock, task, [*gold(task), DISMISS]) == {
        "DB": 0.0,
        "ENV_ASSERTION": 1.0,
        "ACTION": 1.0,
        "COMMUNICATE": 1.0,
    }


def test_trajectories_without_the_last_action_earn_the_same_reward_from_both(mock: Tau2Domain) -> None:
    """The last gold action left out (on the 10th task: the customer's dismiss, or the agent's update) gets the same
    reward from both; at least one such variant of every task whose gold earns 1.0 fails."""
    results = {task.id: both(mock, task, gold(task)[:-1]) for task in mock.tasks}
    task = task_of(mock, USER_TASK)
    results["without the update"] = both(mock, task, [DISMISS])
    assert all(ours == theirs for ours, theirs in results.values()), results
    assert results["update_task_1"] == (0.0, 0.0) and results["without the update"] == (0.0, 0.0)
    assert components(mock, task, [DISMISS])["ACTION"] == 0.0


def test_a_damaged_inbox_is_one_line_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "mock"
    folder.mkdir()
    for file in FOLDER.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    (folder / "user_db.json").write_text(json.dumps({"notifications": {"n": {"message": "no id"}}}))
    with pytest.raises(Tau2ImportError, match=r"user_db.json: not a τ² mock customer database") as raised:
        load_domain(folder)
    assert "\n" not in str(raised.value)
    (folder / "user_db.json").unlink()
    with pytest.raises(Tau2ImportError, match=r"task 'update_task_with_user_tools'.*lacks the customer's inbox"):
        load_domain(folder)


def test_an_imported_newest_mock_suite_runs_with_the_customer_dismissing_its_notification(tmp_path: Path) -> None:
    """Real path: import the folder, load, run the 10th task with a scripted agent completing task_1 and a scripted
    customer dismissing notif_1, on a SQLite store: the calls and the inbox are recorded and τ²'s reward is decided
    as τ² decides it (the inbox no longer matches the gold one); without the dismiss the env assertion fails."""
    write_suite(load_domain(FOLDER), tmp_path / "suite")
    assert (tmp_path / "suite" / "tau2" / "mock" / "user_db.json").read_text() == (FOLDER / "user_db.json").read_text()
    suite = load_suite(tmp_path / "suite")
    assert len(suite.scenarios) == 10
    scenario_id = f"mock-{USER_TASK}"

    def agent(request: ChatRequest) -> ChatResponse | str:
        if request.messages[-1].role == "tool":
            return "Done: task_1 is completed."
        update = {"task_id": "task_1", "status": "completed"}
        return ChatResponse(tool_calls=[ToolCall(id="a1", name="update_task_status", arguments=update)])

    def run(calls: dict[int, list[ToolCall]], name: str) -> tuple[Any, Any]:
        pool = ModelPool()
        pool.add(ScriptedModel(agent, name="scripted:agent"))
        store = Store.open(str(tmp_path / f"{name}.db"))
        customer = ScriptedCustomer(["Task task_1 is done, please mark it completed.", "Thanks."], calls=calls)
        options = RunOptions(scenario_ids=[scenario_id], models=RoleOverrides(model="scripted:agent"))
        result = asyncio.run(run_suite(suite, store, options, pool, customer=lambda *_: customer))
        [conversation] = store.conversations(result.run.id)
        return conversation, {v.evaluation_id: v for v in store.verdicts(result.run.id)}["tau2_reward"]

    checked = ToolCall(id="u1", name="check_notifications")
    dismissed = ToolCall(id="u2", name="dismiss_notification", arguments={"notification_id": "notif_1"})
    acted, verdict = run({0: [checked], 1: [dismissed]}, "acted")
    assert [(c.name, c.error) for c in acted.customer_tool_calls()] == [
        ("check_notifications", None),
        ("dismiss_notification", None),
    ]
    assert acted.customer_state["notifications"]["notif_1"]["status"] == "read"
    assert verdict.outcome == Outcome.FAIL and "(DB 0 × ACTION 1 × ENV_ASSERTION 1)" in verdict.reasoning
    idle, verdict = run({}, "idle")
    assert idle.customer_state["notifications"]["notif_1"]["status"] == "unread"
    assert verdict.outcome == Outcome.FAIL and "(DB 1 × ACTION 1 × ENV_ASSERTION 0)" in verdict.reasoning
