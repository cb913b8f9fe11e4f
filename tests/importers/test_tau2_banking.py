"""τ²'s banking_knowledge domain, ported (`importers/tau2_banking`): its tools answer as τ²'s, the customer's and
the agent's calls act on one database, and `tau2_reward` decides every vendored task as τ²'s rules do — the gold
actions of both sides earn 1.0, a dropped or altered action 0, and extra read-only discoverable calls nothing
(τ²'s read-log allowlist). The fixture is 6 of the 97 tasks of τ²-bench v1.0.x
(tests/fixtures/tau2_v1/banking_knowledge/NOTICE.md).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

from sparring.data_model import ToolCall, ToolCallRecord
from sparring.importers.tau2_backend import Tau2Backend
from sparring.importers.tau2_banking.data_model import TransactionalDB
from sparring.importers.tau2_domain import Tau2Domain, load_domain
from sparring.importers.tau2_reward import tau2_reward

FIXTURE = Path(__file__).parents[1] / "fixtures" / "tau2_v1" / "banking_knowledge"
DOCUMENTS = Path(__file__).parents[1] / "fixtures" / "tau2_banking_knowledge" / "documents"
TASKS = ["task_001", "task_004", "task_017", "task_031", "task_046", "task_102"]
# τ² v1.0.x's agent tools offered to the model (its discoverable ones are not), in τ²'s order
AGENT_TOOLS = [
    "transfer_to_human_agents",
    "get_current_time",
    "get_user_information_by_id",
    "get_user_information_by_name",
    "get_user_information_by_email",
    "change_user_email",
    "get_referrals_by_user",
    "get_credit_card_transactions_by_user",
    "get_credit_card_accounts_by_user",
    "log_verification",
    "give_discoverable_user_tool",
    "unlock_discoverable_agent_tool",
    "call_discoverable_agent_tool",
    "list_discoverable_agent_tools",
]


def banking_folder(root: Path) -> Path:
    """The vendored domain folder with the vendored documents, as τ²-bench lays it out."""
    folder = root / "banking_knowledge"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("NOTICE.md"))
    shutil.copytree(DOCUMENTS, folder / "documents")
    return folder


@pytest.fixture(scope="module")
def banking(tmp_path_factory: pytest.TempPathFactory) -> Tau2Domain:
    return load_domain(banking_folder(tmp_path_factory.mktemp("tau2")))


def task_of(domain: Tau2Domain, task_id: str) -> Any:
    return next(task for task in domain.tasks if task.id == task_id)


def gold(task: Any) -> list[tuple[str, dict[str, Any], str]]:
    return [(a.name, dict(a.arguments), a.requestor) for a in task.evaluation_criteria.actions or []]


def played(domain: Tau2Domain, task: Any, calls: list[tuple[str, dict[str, Any], str]]) -> list[ToolCallRecord]:
    backend = Tau2Backend(domain, task)
    return [
        (backend.execute_customer if whose == "user" else backend.execute)(ToolCall(id=f"c{i}", name=n, arguments=a))
        for i, (n, a, whose) in enumerate(calls)
    ]


def reward(domain: Tau2Domain, task: Any, calls: list[tuple[str, dict[str, Any], str]]) -> float:
    records = played(domain, task, calls)
    unmet = () if task.evaluation_criteria.nl_assertions else None  # the judge found every assertion met
    return tau2_reward(domain, task, records, [], unmet, [whose for _n, _a, whose in calls]).reward


def test_the_domain_loads_as_tau2_reads_it(banking: Tau2Domain) -> None:
    assert [task.id for task in banking.tasks] == TASKS, "tasks/task_*.json, sorted (τ²'s get_tasks)"
    environment = banking.fresh_environment()
    assert list(environment.tools.get_tools()) == AGENT_TOOLS
    assert len(environment.tools.get_discoverable_tools()) == 44, "τ²'s discoverable agent tools, hidden"
    assert (
        sorted(environment.user_tools.get_tools())
        == banking.user_tool_names
        == [
            "apply_for_credit_card",
            "call_discoverable_user_tool",
            "list_discoverable_user_tools",
            "request_human_agent_transfer",
            "submit_referral",
            "submit_transaction",
        ]
    )
    assert banking.policy.startswith("# Rho-Bank Customer Service Policy")
    assert "`KB_search` tool (uses BM25 for retrieval)" in banking.policy and "{{" not in banking.policy
    assert "### Discoverable Tools" in banking.policy, "τ²'s additional_instructions component, inlined"
    task = task_of(banking, "task_031")
    assert task.user_tools == ["apply_for_credit_card", "call_discoverable_user_tool"]
    assert [spec.name for spec in Tau2Backend(banking, task).customer_specs()] == task.user_tools


@pytest.mark.parametrize("task_id", TASKS)
def test_the_gold_actions_of_both_sides_earn_one(banking: Tau2Domain, task_id: str) -> None:
    task = task_of(banking, task_id)
    assert reward(banking, task, gold(task)) == 1.0


@pytest.mark.parametrize("task_id", TASKS)
def test_a_dropped_or_altered_last_action_earns_zero(banking: Tau2Domain, task_id: str) -> None:
    """τ²: the database after the calls differs from the gold one (DB), or a gold action is missing (ACTION). One
    exception, τ²'s too: task_046's last action is a read, whose log record holds the tool's name and not its
    arguments, so the read with a wrong user id leaves the same database (1.0, as τ²'s evaluator gives it)."""
    task = task_of(banking, task_id)
    calls = gold(task)
    assert reward(banking, task, calls[:-1]) == 0.0
    altered = copy.deepcopy(calls)
    name, arguments, _whose = altered[-1]
    inner = "arguments" if name.startswith("call_discoverable") else None
    if inner:
        values = json.loads(arguments[inner])
        key = next(k for k, v in values.items() if isinstance(v, str))
        arguments[inner] = json.dumps(values | {key: values[key] + "9"})
    else:
        key = next(k for k, v in arguments.items() if isinstance(v, str))
        arguments[key] += "9"
    assert reward(banking, task, altered) == (1.0 if task_id == "task_046" else 0.0), (name, key)


def test_extra_discoverable_reads_count_only_when_the_gold_calls_them(banking: Tau2Domain) -> None:
    """τ²'s read-log allowlist: a read-only discoverable tool is logged in the database (and so in the DB reward)
    only when the task's gold calls it; a write one always is."""
    task = task_of(banking, "task_031")
    user_id = json.loads(gold(task)[-1][1]["arguments"])["user_id"]

    def with_extra(tool: str, arguments: dict[str, Any]) -> float:
        extra = [
            ("unlock_discoverable_agent_tool", {"agent_tool_name": tool}, "assistant"),
            (
                "call_discoverable_agent_tool",
                {"agent_tool_name": tool, "arguments": json.dumps(arguments)},
                "assistant",
            ),
        ]
        return reward(banking, task, gold(task) + extra)

    assert with_extra("get_all_user_accounts_by_user_id_3847", {"user_id": user_id}) == 1.0, "a read: not logged"
    assert with_extra("example_agent_tool_0000", {}) == 0.0, "a write: logged"
    read_in_gold = task_of(banking, "task_046")
    calls = gold(read_in_gold)
    assert calls[-1][1]["agent_tool_name"] == "get_user_dispute_history_7291"
    assert reward(banking, read_in_gold, calls[:-1]) == 0.0, "the gold's read is logged: leaving it out shows"
    assert reward(banking, read_in_gold, calls + calls[-1:]) == 1.0, "read twice: one log record (same id)"


def test_the_tools_answer_as_taus(banking: Tau2Domain) -> None:
    backend = Tau2Backend(banking, task_of(banking, "task_031"))

    def call(name: str, **arguments: Any) -> Any:
        record = backend.execute(ToolCall(id="x", name=name, arguments=arguments))
        return record.error if record.error is not None else record.result

    dispute = "file_debit_card_transaction_dispute_6281"
    assert call("call_discoverable_agent_tool", agent_tool_name=dispute, arguments="{}") == (
        f"Error: Tool '{dispute}' has not been unlocked. You must first use `unlock_discoverable_agent_tool` to "
        "unlock this tool before calling it."
    )
    unlocked = call("unlock_discoverable_agent_tool", agent_tool_name=dispute)
    assert unlocked.startswith(f"Tool unlocked: {dispute}\nDescription: ") and "\nParameters:\n  - " in unlocked
    assert call("call_discoverable_agent_tool", agent_tool_name=dispute, arguments="{}").startswith(
        f"Error: Invalid arguments: KnowledgeTools.{dispute}() missing "
    ), "Python's text names τ²'s one toolkit class, not this port's mixin"
    assert call("unlock_discoverable_agent_tool", agent_tool_name="no_such_tool_1") == (
        "Error: Unknown agent tool 'no_such_tool_1'. This tool is not available."
    )
    assert call("get_current_time") == "The current time is 2025-11-14 03:40:00 EST."
    given = backend.execute_customer(
        ToolCall(id="u", name="call_discoverable_user_tool", arguments={"discoverable_tool_name": "get_referral_link"})
    )
    assert given.result == "Error: Missing required parameter: user_id"
    refused = backend.execute_customer(
        ToolCall(
            id="u2",
            name="call_discoverable_user_tool",
            arguments={
                "discoverable_tool_name": "get_card_last_4_digits",
                "arguments": '{"credit_card_account_id": "x"}',
            },
        )
    )
    assert refused.result.startswith("Error: Tool 'get_card_last_4_digits' has not been given to you by the agent.")


def test_the_task_initial_data_is_the_customer_s_and_the_agent_s(banking: Tau2Domain) -> None:
    """τ² v1.0.x points the customer's tools at the agent's database after the task's initial data (26.3 left
    them on the pristine one)."""
    backend = Tau2Backend(banking, task_of(banking, "task_046"))
    assert backend.environment.user_tools.db is backend.environment.tools.db
    assert "dsp_yuki_bsilver_001" in backend.view()["transaction_disputes"], "state view: table → id → record"
    assert backend.customer_view() == {}, "the customer has no state of its own: the bank's database is view()"


def test_conversations_share_the_pristine_database_and_never_write_it(banking: Tau2Domain) -> None:
    """Copy-on-write (tau2_banking/cow.py): banking tools change records they reach by key and by iterating a
    table; each conversation changes its own copies, and its view equals τ²'s full dump."""
    for task in banking.tasks:
        for calls in (gold(task), gold(task)[:-1]):
            backend = Tau2Backend(banking, task)
            for i, (name, arguments, whose) in enumerate(calls):
                run = backend.execute_customer if whose == "user" else backend.execute
                run(ToolCall(id=f"c{i}", name=name, arguments=arguments))
            full = backend.environment.tools.db.model_dump(mode="json")
            assert backend.view() == {table: full[table]["data"] for table in full}, task.id
    fresh = TransactionalDB.model_validate_json((banking.folder / "db.json").read_text())
    assert banking.pristine_db().model_dump(mode="json") == fresh.model_dump(mode="json"), "the pristine is intact"


def test_a_tool_that_changes_records_it_iterates_changes_only_its_own_copies(banking: Tau2Domain) -> None:
    task = task_of(banking, "task_031")
    backend = Tau2Backend(banking, task)
    cards = backend.environment.tools.db.debit_cards.data
    pristine = banking.pristine_db().debit_cards.data
    card_id = next(iter(pristine))
    for _card_id, card in cards.items():  # as activate_debit_card_8292 deactivates an account's other cards
        card["status"] = "DEACTIVATED"
    assert cards[card_id]["status"] == "DEACTIVATED" and pristine[card_id]["status"] != "DEACTIVATED"
    assert backend.view()["debit_cards"][card_id]["status"] == "DEACTIVATED"
    assert Tau2Backend(banking, task).view()["debit_cards"][card_id] == pristine[card_id]


def test_task_102_needs_its_nl_assertion_judged_too(banking: Tau2Domain) -> None:
    """DB × NL_ASSERTION (τ²'s tasks/task_102.json): the gold database and a met assertion earn 1.0; an unmet one 0;
    no finding at all is refused, as τ² would not leave the component undecided."""
    task = task_of(banking, "task_102")
    assert [kind.value for kind in task.evaluation_criteria.reward_basis] == ["DB", "NL_ASSERTION"]
    records = played(banking, task, gold(task))
    whose = [w for _n, _a, w in gold(task)]
    assertion = task.evaluation_criteria.nl_assertions[0]
    assert tau2_reward(banking, task, records, [], (), whose).reward == 1.0
    unmet = tau2_reward(banking, task, records, [], [assertion], whose)
    assert unmet.reward == 0.0 and unmet.components == {
        "DB": 1.0,
        "ENV_ASSERTION": 1.0,
        "ACTION": 1.0,
        "COMMUNICATE": 1.0,
        "NL_ASSERTION": 0.0,
    }
    with pytest.raises(ValueError, match="NL_ASSERTION needs a judge's finding"):
        tau2_reward(banking, task, records, [], None, whose)
