"""τ²'s reward as Sparring computes it, against τ²'s own evaluator on the same trajectories: for every task of the
retail domain, the gold actions earn 1.0, and skipping or altering one write action earns 0, from both."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ²'s evaluator imports litellm: no network

from sparring.data_model import ToolCall
from sparring.importers.tau2_domain import Tau2Domain, load_domain
from sparring.importers.tau2_reward import tau2_reward
from tau2_trajectories import Trajectory, gold_calls, play, tau2_reward_of

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def retail() -> Tau2Domain:
    """The retail domain of the installed τ² package."""
    return load_domain("retail")


@pytest.fixture(autouse=True)
def fast_tau2_environments(retail: Tau2Domain, monkeypatch: pytest.MonkeyPatch) -> None:
    """τ²'s evaluator builds its environments with the domain's `get_environment`; the same function is given a
    fresh copy of the same database (unpickled instead of parsed from db.json again: same data, faster)."""
    from tau2.registry import registry

    monkeypatch.setattr(
        registry, "get_env_constructor", lambda name: lambda solo_mode=False: retail.fresh_environment()
    )


def last_effective_write(domain: Tau2Domain, task: Any) -> int | None:
    """Position of the last gold call to a τ² write tool that succeeds: a refused one changes nothing, and an
    earlier one may be undone by a later one (task 22 changes an address and changes it back)."""
    records = play(domain, task, gold_calls(task)).calls
    writes = [i for i, r in enumerate(records) if domain.tool_types[r.name] == "write" and r.error is None]
    return writes[-1] if writes else None


def altered(call: ToolCall) -> ToolCall:
    """The call with its first text argument changed (a wrong id, reason or address)."""
    arguments = copy.deepcopy(call.arguments)
    name = next(k for k, v in arguments.items() if isinstance(v, str))
    arguments[name] += "0"
    return ToolCall(id=call.id, name=call.name, arguments=arguments)


def both_rewards(domain: Tau2Domain, task: Any, calls: list[ToolCall]) -> tuple[float, float]:
    """(Sparring's reward, τ²'s reward) of the trajectory that makes `calls`."""
    trajectory: Trajectory = play(domain, task, calls)
    ours = tau2_reward(domain, task, trajectory.calls, trajectory.agent_texts).reward
    return ours, tau2_reward_of(domain, task, trajectory)


def test_gold_actions_earn_one_from_both_evaluators(retail: Tau2Domain) -> None:
    wrong = {
        task.id: rewards
        for task in retail.tasks
        if (rewards := both_rewards(retail, task, gold_calls(task))) != (1.0, 1.0)
    }
    assert len(retail.tasks) == 114
    assert wrong == {}


def test_skipping_or_altering_one_write_earns_zero_from_both(retail: Tau2Domain) -> None:
    """Every task whose gold actions change the database: the last effective write is skipped (even positions in
    the task list) or altered (odd positions)."""
    seen, wrong = 0, {}
    for index, task in enumerate(retail.tasks):
        gold = gold_calls(task)
        write = last_effective_write(retail, task)
        if write is None:
            continue
        seen += 1
        variant = [] if index % 2 == 0 else [altered(gold[write])]
        if (rewards := both_rewards(retail, task, gold[:write] + variant + gold[write + 1 :])) != (0.0, 0.0):
            wrong[(task.id, "skip" if index % 2 == 0 else "alter")] = rewards
    assert seen >= 100  # nearly every retail task writes
    assert wrong == {}


def test_skip_and_alter_on_one_task_each_earn_zero(retail: Tau2Domain) -> None:
    """Both changes on the same task (task 0: an exchange of two delivered items); what failed is named."""
    task = retail.tasks[0]
    gold = gold_calls(task)
    write = last_effective_write(retail, task)
    assert write is not None and gold[write].name == "exchange_delivered_order_items"
    for calls in (gold[:write] + gold[write + 1 :], gold[:write] + [altered(gold[write])] + gold[write + 1 :]):
        trajectory = play(retail, task, calls)
        reward = tau2_reward(retail, task, trajectory.calls, trajectory.agent_texts)
        assert (reward.reward, reward.components["DB"], reward.missing) == (0.0, 0.0, ["DB: database state"])
        assert tau2_reward_of(retail, task, trajectory) == 0.0


def test_communicate_info_is_found_as_tau2_finds_it(retail: Tau2Domain) -> None:
    """Case-insensitive, commas removed from the agent's message; a missing piece of information earns 0."""
    task = next(t for t in retail.tasks if t.evaluation_criteria.communicate_info)
    info = task.evaluation_criteria.communicate_info[0]
    gold = play(retail, task, gold_calls(task))
    for texts in ([f"Total: {info.upper()}"], ["I cannot tell you that."]):
        trajectory = Trajectory(gold.calls, texts)
        ours = tau2_reward(retail, task, trajectory.calls, trajectory.agent_texts)
        assert ours.reward == tau2_reward_of(retail, task, trajectory)
        assert ours.components["COMMUNICATE"] == (1.0 if info.upper() in texts[0] else 0.0)


def test_action_basis_and_judged_basis(retail: Tau2Domain) -> None:
    """A task whose basis is ACTION alone earns 0 when a gold action is missing although the database matches
    (a read action); a basis with NL_ASSERTION is refused: it needs a judge."""
    from tau2.data_model.tasks import RewardType

    task = retail.tasks[0].model_copy(deep=True)
    task.evaluation_criteria.reward_basis = [RewardType.ACTION]
    without_read = [c for c in gold_calls(task) if c.name != "get_product_details"]
    trajectory = play(retail, task, without_read)
    ours = tau2_reward(retail, task, trajectory.calls, trajectory.agent_texts)
    assert (ours.reward, ours.components["DB"]) == (0.0, 1.0)
    assert ours.reward == tau2_reward_of(retail, task, trajectory)
    task.evaluation_criteria.reward_basis = [RewardType.DB, RewardType.NL_ASSERTION]
    with pytest.raises(ValueError, match="NL_ASSERTION needs a judge"):
        tau2_reward(retail, task, trajectory.calls, trajectory.agent_texts)
