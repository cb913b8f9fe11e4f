"""τ²'s telecom domain (dual control) imported: the customer's own tools on its phone, and τ²'s reward computed by
Sparring over both sides' calls agreeing with τ²'s own evaluator — on the gold actions (the agent's and the
user's, in τ²'s order) of every task of τ²'s base split, and with the last customer action left out."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ²'s evaluator imports litellm: no network

from sparring import ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, load_suite, run_suite
from sparring.data_model import ToolCall, ToolCallRecord
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_domain import Tau2Domain, Tau2ImportError, domain_files, load_domain
from sparring.importers.tau2_reward import tau2_reward
from sparring.importers.tau2_suite import write_suite
from sparring.simulator import ScriptedCustomer
from tau2_trajectories import tau2_evaluated

pytestmark = pytest.mark.real


@cache
def telecom() -> Tau2Domain:
    """The telecom domain of the installed τ² package (2285 tasks)."""
    return load_domain("telecom")


def base_split(domain: Tau2Domain) -> list[Any]:
    """τ²'s base split of telecom (its default task set)."""
    ids = set(json.loads((domain.folder / "split_tasks.json").read_text())["base"])
    return [task for task in domain.tasks if task.id in ids]


def played(domain: Tau2Domain, task: Any, actions: list[Any]) -> tuple[list[ToolCallRecord], list[str]]:
    """The actions made in order on a fresh backend, each by its requestor: (records, requestors)."""
    backend = Tau2Backend(domain, task)
    records = [
        (backend.execute if a.requestor == "assistant" else backend.execute_customer)(
            ToolCall(id=a.action_id, name=a.name, arguments=a.arguments)
        )
        for a in actions
    ]
    return records, [a.requestor for a in actions]


def tau2_messages(records: list[ToolCallRecord], requestors: list[str]) -> list[Any]:
    """The calls as τ² messages: each an assistant's or a user's tool call followed by its answer."""
    from tau2.data_model.message import AssistantMessage, ToolMessage, UserMessage
    from tau2.data_model.message import ToolCall as Tau2ToolCall

    messages: list[Any] = [UserMessage(role="user", content="My phone has no data.")]
    for record, requestor in zip(records, requestors, strict=True):
        call = Tau2ToolCall(id=record.id, name=record.name, arguments=record.arguments, requestor=requestor)
        asking = AssistantMessage if requestor == "assistant" else UserMessage
        role = "assistant" if requestor == "assistant" else "user"
        content = record.error if record.error is not None else json.dumps(record.result)
        messages.append(asking(role=role, tool_calls=[call]))
        messages.append(
            ToolMessage(id=record.id, role="tool", content=content, requestor=requestor, error=record.error is not None)
        )
    messages.append(AssistantMessage(role="assistant", content="Your phone works again."))
    return messages


def both_rewards(domain: Tau2Domain, task: Any, actions: list[Any]) -> tuple[float, float]:
    """(Sparring's reward, τ²'s `evaluate_simulation` reward) of the trajectory making `actions`."""

    records, requestors = played(domain, task, actions)
    ours = tau2_reward(domain, task, records, ["Your phone works again."], None, requestors).reward
    return ours, tau2_evaluated(task, tau2_messages(records, requestors), domain.name)


def test_gold_actions_of_both_sides_earn_one_from_both_evaluators() -> None:
    domain = telecom()
    tasks = base_split(domain)
    wrong = {
        task.id: rewards
        for task in tasks
        if (rewards := both_rewards(domain, task, task.evaluation_criteria.actions or [])) != (1.0, 1.0)
    }
    assert len(tasks) == 114
    assert wrong == {}


def test_leaving_out_the_last_customer_action_gets_the_same_reward_from_both() -> None:
    """The customer's last gold action not made: both evaluators agree, and most such tasks fail."""
    domain = telecom()
    seen, zeros, wrong = 0, 0, {}
    for task in base_split(domain):
        actions = task.evaluation_criteria.actions or []
        users = [i for i, a in enumerate(actions) if a.requestor == "user"]
        if not users:
            continue
        kept = actions[: users[-1]] + actions[users[-1] + 1 :]
        ours, theirs = both_rewards(domain, task, kept)
        seen += 1
        zeros += ours == 0.0
        if ours != theirs:
            wrong[task.id] = (ours, theirs)
    assert seen == 94  # base-split tasks whose gold includes a customer action
    assert wrong == {}
    assert zeros > seen // 2


def small_telecom_folder(root: Path, tasks: list[Any]) -> Path:
    """A telecom domain folder with τ²'s files and only `tasks` (the folder's name chooses the domain)."""
    folder = root / "telecom"
    folder.mkdir(parents=True)
    for name in domain_files("telecom"):
        shutil.copyfile(telecom().folder / name, folder / name)
    (folder / "tasks.json").write_text(json.dumps([task.model_dump(mode="json") for task in tasks]))
    return folder


def test_an_imported_telecom_suite_runs_with_the_customer_acting_on_its_phone(tmp_path: Path) -> None:
    """Real path: import, load, run with a scripted customer making the task's gold user action, SQLite store;
    τ²'s reward passes when the customer toggles roaming, fails when it does not."""
    task = telecom().tasks[0]
    assert [(a.requestor, a.name) for a in task.evaluation_criteria.actions] == [("user", "toggle_roaming")]
    write_suite(load_domain(small_telecom_folder(tmp_path / "data", [task])), tmp_path / "suite")
    suite = load_suite(tmp_path / "suite")
    assert "<tech_support_policy>" in suite.policy
    assert [s.id for s in suite.scenarios] == [
        "telecom-[mobile_data_issue]user_abroad_roaming_enabled_off[PERSONA=None]"  # no ':' in RUN:SCENARIO:TRIAL
    ]

    def run(calls: dict[int, list[ToolCall]], name: str) -> tuple[Any, Any]:
        pool = ModelPool()
        pool.add(ScriptedModel(lambda request: "Please toggle roaming on your phone.", name="scripted:agent"))
        store = Store.open(str(tmp_path / f"{name}.db"))
        customer = ScriptedCustomer(["My mobile data does not work abroad.", "Done."], calls=calls)
        options = RunOptions(models=RoleOverrides(model="scripted:agent"))
        result = asyncio.run(run_suite(suite, store, options, pool, customer=lambda *_: customer))
        [conversation] = store.conversations(result.run.id)
        return conversation, {v.evaluation_id: v for v in store.verdicts(result.run.id)}["tau2_reward"]

    acted, passed = run({1: [ToolCall(id="u1", name="toggle_roaming")]}, "acted")
    assert passed.outcome == Outcome.PASS, passed.reasoning
    [call] = acted.customer_tool_calls()
    assert call.name == "toggle_roaming" and call.error is None
    assert acted.customer_state is not None and acted.customer_state["device"]["roaming_enabled"] is True
    idle, failed = run({}, "idle")
    assert failed.outcome == Outcome.FAIL and "ENV_ASSERTION" in failed.reasoning
    assert idle.customer_state is not None and idle.customer_state["device"]["roaming_enabled"] is False


def test_a_damaged_device_database_is_one_line_naming_the_file(tmp_path: Path) -> None:
    folder = small_telecom_folder(tmp_path, telecom().tasks[:1])
    (folder / "user_db.toml").write_text("[device]\nis_on = 'maybe'\n")
    with pytest.raises(Tau2ImportError, match=r"user_db.toml: not a τ² telecom device database") as raised:
        load_domain(folder)
    assert "\n" not in str(raised.value)


HELPDESK = '''
"""A chatbot under test that asks the customer to act on their phone."""


async def respond(messages, tools):
    return "Please check your phone for me and tell me what it shows."
'''


def test_the_llm_customer_acts_on_its_telecom_device_through_the_stub_world(tmp_path: Path, monkeypatch) -> None:
    """The LLM simulator, served by the stub world over HTTP, calls τ²'s user tools on the device before each reply
    after its opening; the calls run as τ²'s user tool calls and are stored with the device's end state."""
    from sparring.testing import StubServer
    from sparring.testing.suite_world import SuiteWorld

    tasks = base_split(telecom())[:3]
    write_suite(load_domain(small_telecom_folder(tmp_path / "data", tasks)), tmp_path / "suite")
    suite = load_suite(tmp_path / "suite")
    (tmp_path / "helpdesk.py").write_text(HELPDESK)
    monkeypatch.syspath_prepend(str(tmp_path))
    store = Store.open(str(tmp_path / "runs.db"))
    with StubServer(SuiteWorld.from_suite(suite)) as server:
        models = RoleOverrides(model="openai:stub", base_url=server.base_url, agent="helpdesk:respond")
        result = asyncio.run(run_suite(suite, store, RunOptions(models=models), ModelPool()))
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 3
    user_tools = set(telecom().user_tool_names)
    for conversation in conversations:
        assert conversation.error is None, conversation.error
        opening, *replies = conversation.customer_turns()
        assert opening.tool_calls == [] and replies
        assert all(len(turn.tool_calls) == 1 for turn in replies), conversation.scenario_id
        assert {call.name for call in conversation.customer_tool_calls()} <= user_tools
        assert conversation.customer_state is not None and set(conversation.customer_state) == {
            "device",
            "surroundings",
        }
    assert all(call.error is None for c in conversations for call in c.customer_tool_calls())
