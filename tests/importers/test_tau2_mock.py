"""τ²'s `mock` domain, whose tasks start from a message history with tool calls: imported as scenarios with a given
`opening`, and `tau2_reward` agrees with τ²'s own `evaluate_simulation` on every task, on the gold actions after the
history and on trajectories with one gold action left out, the history's own call left out, or a call altered."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ²'s evaluator imports litellm: no network

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, Scenario, ToolCall
from sparring.importers.tau2_backend import Tau2Backend, Tau2BackendFactory
from sparring.importers.tau2_domain import Tau2Domain, Tau2ImportError, load_domain
from sparring.importers.tau2_evaluation import ordered_calls
from sparring.importers.tau2_reward import tau2_reward
from sparring.importers.tau2_suite import scenario_of
from sparring.suite import HistoryBackendFactory
from tau2_trajectories import tau2_evaluated

pytestmark = pytest.mark.real
WITH_HISTORY = "update_task_with_message_history"


@pytest.fixture(scope="module")
def mock() -> Tau2Domain:
    """The mock domain of the installed τ² package."""
    return load_domain("mock")


@pytest.fixture(autouse=True)
def same_environments(mock: Tau2Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """τ²'s evaluator builds its environments with the domain's `get_environment`: the same code on the same data."""
    from tau2.registry import registry

    monkeypatch.setattr(registry, "get_env_constructor", lambda name: lambda solo_mode=False: mock.fresh_environment())


def scenario(domain: Tau2Domain, task: Any) -> Scenario:
    return Scenario.model_validate(scenario_of(domain.name, task))


def conversation(domain: Tau2Domain, task: Any, calls: list[ToolCall], text: str) -> Conversation:
    """The imported scenario's opening, then one agent turn making `calls` on the scenario's backend (its history
    already made on it, as a run makes it) and saying `text`."""
    imported = scenario(domain, task)
    backend = HistoryBackendFactory(Tau2BackendFactory(domain))(imported, None)  # type: ignore[arg-type]
    records = [backend.execute(call) for call in calls]
    turns = [*imported.opening_turns()]
    if not turns or isinstance(turns[-1], AgentTurn):
        turns.append(CustomerTurn(content="Please go on."))
    turns.append(AgentTurn(content=text, tool_calls=records))
    return Conversation(id="r:s:0", run_id="r", scenario_id=imported.id, turns=turns)


def tau2_messages(conversation: Conversation) -> list[Any]:
    """The same conversation as τ² messages: each tool call an assistant message answered by a tool message."""
    from tau2.data_model.message import AssistantMessage, ToolMessage, UserMessage
    from tau2.data_model.message import ToolCall as Tau2ToolCall

    messages: list[Any] = []
    for turn in conversation.turns:
        if isinstance(turn, CustomerTurn):
            messages.append(UserMessage(role="user", content=turn.content))
            continue
        for record in turn.tool_calls:
            call = Tau2ToolCall(id=record.id, name=record.name, arguments=record.arguments)
            content = record.error if record.error is not None else json.dumps(record.result)
            messages.append(AssistantMessage(role="assistant", tool_calls=[call]))
            messages.append(ToolMessage(id=record.id, role="tool", content=content, error=record.error is not None))
        if turn.content:
            messages.append(AssistantMessage(role="assistant", content=turn.content))
    return messages


def tau2_own_reward(domain: Tau2Domain, task: Any, conversation: Conversation) -> float:

    return tau2_evaluated(task, tau2_messages(conversation), domain.name)


def both(domain: Tau2Domain, task: Any, made: Conversation) -> tuple[float | str, float | str]:
    """(Sparring's reward, τ²'s reward); "error" where the evaluator raised (an env assertion about a task that
    does not exist raises in τ²'s own code, so both do: an error verdict, never a pass)."""
    calls, whose = ordered_calls(made)
    texts = [turn.content for turn in made.agent_turns() if turn.content]
    return (
        _or_error(lambda: tau2_reward(domain, task, calls, texts, None, whose).reward),
        _or_error(lambda: tau2_own_reward(domain, task, made)),
    )


def _or_error(evaluate: Any) -> float | str:
    try:
        return float(evaluate())
    except ValueError:
        return "error"


def gold(task: Any) -> list[ToolCall]:
    """The task's gold actions; for a task graded by env assertions alone, the status updates that make its
    `assert_task_status` assertions hold."""
    criteria = task.evaluation_criteria
    actions = [ToolCall(id=a.action_id, name=a.name, arguments=a.arguments) for a in criteria.actions or []]
    statuses = [a.arguments for a in criteria.env_assertions or [] if a.func_name == "assert_task_status"]
    return actions or [
        ToolCall(
            id=f"s{i}", name="update_task_status", arguments={"task_id": a["task_id"], "status": a["expected_status"]}
        )
        for i, a in enumerate(statuses)
    ]


def said(task: Any) -> str:
    return "Done. " + " ".join(task.evaluation_criteria.communicate_info or [] if task.evaluation_criteria else [])


def test_every_mock_task_imports_and_two_start_from_a_history(mock: Tau2Domain) -> None:
    scenarios = {task.id: scenario(mock, task) for task in mock.tasks}
    with_history = sorted(task_id for task_id, s in scenarios.items() if s.opening)
    assert len(mock.tasks) == 9
    assert with_history == ["update_task_with_history_and_env_assertions", WITH_HISTORY]
    opening = scenarios[WITH_HISTORY].opening
    assert [turn.role for turn in opening] == ["customer", "agent"]
    call = opening[1].tool_calls[0]
    assert (call.id, call.name, call.result["task_id"]) == ("call_1", "create_task", "task_2")
    assert opening[1].content.startswith("I've created a task titled 'Project Review'")


def test_the_scenario_backend_starts_after_the_history(mock: Tau2Domain) -> None:
    """The history's create_task was made: task_2 exists before the agent says anything (τ²'s set_state)."""
    task = next(t for t in mock.tasks if t.id == WITH_HISTORY)
    factory = HistoryBackendFactory(Tau2BackendFactory(mock))
    view = factory.initial_view(scenario(mock, task), None)  # type: ignore[arg-type]
    assert view["tasks"]["task_2"]["title"] == "Project Review"
    assert "task_2" not in Tau2Backend(mock, task).view()["tasks"]  # the bare τ² environment lacks it


def test_gold_actions_after_the_history_earn_the_same_reward_from_both(mock: Tau2Domain) -> None:
    rewards = {task.id: both(mock, task, conversation(mock, task, gold(task), said(task))) for task in mock.tasks}
    assert rewards == {task.id: (1.0, 1.0) for task in mock.tasks}


def test_mutated_trajectories_earn_the_same_reward_from_both(mock: Tau2Domain) -> None:
    """Every task with gold actions: the last one left out, or its first text argument altered; both evaluators
    give the same reward, and at least one variant of each kind earns 0."""
    results: dict[tuple[str, str], tuple[float, float]] = {}
    for task in mock.tasks:
        calls = gold(task)
        if not calls:
            continue
        altered = calls[-1].model_copy(deep=True)
        text_argument = next((k for k, v in altered.arguments.items() if isinstance(v, str)), None)
        if text_argument:
            altered.arguments[text_argument] += "0"
        results[(task.id, "skip")] = both(mock, task, conversation(mock, task, calls[:-1], said(task)))
        results[(task.id, "alter")] = both(mock, task, conversation(mock, task, [*calls[:-1], altered], said(task)))
    assert all(ours == theirs for ours, theirs in results.values()), results
    assert results[(WITH_HISTORY, "skip")] == (0.0, 0.0)
    assert results[("update_task_with_history_and_env_assertions", "alter")] == (0.0, 0.0)


def test_the_history_calls_count_in_the_reward_as_tau2_counts_them(mock: Tau2Domain) -> None:
    """The history's create_task is what makes task_2: without it in the transcript the same update earns 0 (τ²'s
    evaluator refuses such a transcript outright: its replay of the update no longer answers as recorded)."""
    task = next(t for t in mock.tasks if t.id == WITH_HISTORY)
    made = conversation(mock, task, gold(task), said(task))
    assert both(mock, task, made) == (1.0, 1.0)
    given = next(turn for turn in made.turns if isinstance(turn, AgentTurn) and turn.given)
    given.tool_calls = []
    calls, whose = ordered_calls(made)
    assert tau2_reward(mock, task, calls, [said(task)], None, whose).reward == 0.0
    with pytest.raises(ValueError, match="Expected"):
        tau2_own_reward(mock, task, made)


def test_a_history_the_importer_cannot_carry_is_one_line(mock: Tau2Domain, tmp_path: Any) -> None:
    """A history calling a tool the domain lacks, on either side (mock's customer has no tools), ending on tool calls,
    or with a message of both text and tool calls."""
    tasks = json.loads((mock.folder / "tasks.json").read_text())
    source = next(t for t in tasks if t["id"] == WITH_HISTORY)
    history = source["initial_state"]["message_history"]
    user_calls = {"role": "user", "content": None, "tool_calls": history[1]["tool_calls"]}
    cases = {
        "calls 'delete_task', a tool the domain lacks": [
            history[0],
            {**history[1], "tool_calls": [{**history[1]["tool_calls"][0], "name": "delete_task"}]},
            *history[2:],
        ],
        "calls 'create_task', a customer's tool the domain lacks (its customer's tools: none)": [
            user_calls,
            {**history[2], "requestor": "user"},
            history[0],
        ],
        "ends on tool calls": history[:3],
        "both text and tool calls": [{**history[0], "tool_calls": history[1]["tool_calls"]}, *history[2:]],
    }
    for number, (expected, messages) in enumerate(cases.items()):
        folder = tmp_path / str(number) / "mock"
        folder.mkdir(parents=True)
        for name in ("policy.md", "db.json"):
            (folder / name).write_text((mock.folder / name).read_text())
        task = {**source, "initial_state": {"message_history": messages}}
        (folder / "tasks.json").write_text(json.dumps([task]))
        with pytest.raises(Tau2ImportError) as caught:
            load_domain(folder)
        line = str(caught.value)
        assert "\n" not in line and f"task {WITH_HISTORY!r}" in line and expected in line, line


def test_a_mock_folder_imports_as_the_installed_package_does(mock: Tau2Domain, tmp_path: Any) -> None:
    folder = tmp_path / "mock"
    folder.mkdir()
    for name in ("tasks.json", "policy.md", "db.json"):
        (folder / name).write_text((mock.folder / name).read_text())
    copied = load_domain(folder)
    assert [scenario_of("mock", t) for t in copied.tasks] == [scenario_of("mock", t) for t in mock.tasks]


def test_newer_mock_data_acting_on_the_customers_state_is_one_line(mock: Tau2Domain, tmp_path: Any) -> None:
    """τ²-bench v1.0.x adds a mock task whose customer has notification tools (set up by an `env_type: user`
    initialization action): the installed package has no such tools, so the import says so, naming the task."""
    tasks = json.loads((mock.folder / "tasks.json").read_text())
    newer = {
        **tasks[0],
        "id": "update_task_with_user_tools",
        "initial_state": {
            "initialization_actions": [
                {"env_type": "user", "func_name": "add_notification", "arguments": {"notification_id": "notif_1"}}
            ]
        },
    }
    folder = tmp_path / "mock"
    folder.mkdir()
    for name in ("policy.md", "db.json"):
        (folder / name).write_text((mock.folder / name).read_text())
    (folder / "tasks.json").write_text(json.dumps([*tasks, newer]))
    with pytest.raises(Tau2ImportError) as caught:
        load_domain(folder)
    line = str(caught.value)
    assert "\n" not in line and "task 'update_task_with_user_tools'" in line and "'add_notification'" in line, line


def test_a_users_own_tool_calls_become_the_given_customer_turns_calls(mock: Tau2Domain) -> None:
    """τ²'s user tool calls (a dual-control domain's) map to a customer turn's calls, before its message."""
    from tau2.data_model.tasks import Task

    from sparring.importers.tau2_history import opening_of

    source = json.loads((mock.folder / "tasks.json").read_text())
    task = next(t for t in source if t["id"] == WITH_HISTORY)
    call = {"id": "u1", "name": "toggle_airplane_mode", "arguments": {}}
    history = [
        {"role": "user", "content": None, "tool_calls": [call]},
        {"role": "tool", "id": "u1", "content": '{"airplane_mode": false}', "requestor": "user"},
        {"role": "user", "content": "Airplane mode is off now."},
        {"role": "assistant", "content": "Let me check your line."},
    ]
    parsed = Task.model_validate({**task, "initial_state": {"message_history": history}})
    assert opening_of(parsed) == [
        {
            "role": "customer",
            "content": "Airplane mode is off now.",
            "tool_calls": [{**call, "result": {"airplane_mode": False}}],
        },
        {"role": "agent", "content": "Let me check your line."},
    ]
