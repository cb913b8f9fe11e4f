"""`expected_actions_taken` on an imported τ² suite agrees with τ²'s action check on every gold run of every
domain: the import sets `count_failed_calls: true`, because τ²'s gold includes calls τ² refuses on purpose (a wrong
e-mail first) and τ² counts them; without it, 18 of 114 retail gold runs would fail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import tau2  # noqa: F401 - the dev extra installs the importer's extra: CI runs these tests

from sparring.data_model import AgentTurn, Conversation, CustomerTurn, EndReason, Outcome, Scenario
from sparring.evaluations.check_functions import CheckContext
from sparring.evaluations.library.scenario_checks import expected_actions_taken
from sparring.importers.tau2_domain import Tau2Domain, load_domain
from sparring.importers.tau2_suite import scenario_of, suite_config
from tau2_trajectories import Trajectory, gold_calls, play, tau2_messages

pytestmark = pytest.mark.real


def tau2_action_reward(task: Any, trajectory: Trajectory) -> float:
    """τ²'s own ActionEvaluator on the trajectory."""
    from tau2.evaluator.evaluator_action import ActionEvaluator

    return ActionEvaluator.calculate_reward(task=task, full_trajectory=tau2_messages(trajectory)).reward


def ours(domain: Tau2Domain, task: Any, trajectory: Trajectory, count_failed: bool) -> Outcome:
    """expected_actions_taken on the trajectory, with the imported scenario and the given option."""
    scenario = Scenario.model_validate(scenario_of(domain.name, task))
    turns = [CustomerTurn(content="Hi"), AgentTurn(content="Done.", tool_calls=trajectory.calls)]
    conversation = Conversation(
        id="r:s:0", run_id="r", scenario_id=scenario.id, turns=turns, end_reason=EndReason.RESOLVED
    )
    params = {"count_failed_calls": count_failed}
    ctx = CheckContext(conversation, scenario, "", {}, datetime.now(UTC), params=params)
    return expected_actions_taken(ctx).outcome  # type: ignore[union-attr]


def test_the_import_counts_refused_calls() -> None:
    """The suite the importer writes enables expected_actions_taken with count_failed_calls: true."""
    config = suite_config(load_domain("airline"))
    assert {"use": "expected_actions_taken", "params": {"count_failed_calls": True}} in config["evaluations"]


@pytest.mark.parametrize("name", ["retail", "airline"])
def test_every_gold_run_passes_as_in_tau2(name: str) -> None:
    """Every task with gold actions: τ² gives ACTION 1.0 and the check passes with the import's option; refused
    calls ignored, the retail gold runs that include a refused call fail (what the option is for)."""
    domain = load_domain(name)
    disagree, ignoring_refusals = [], []
    for task in domain.tasks:
        if not task.evaluation_criteria or not task.evaluation_criteria.actions:
            continue
        trajectory = play(domain, task, gold_calls(task))
        if (ours(domain, task, trajectory, True) == Outcome.PASS) != (tau2_action_reward(task, trajectory) == 1.0):
            disagree.append(task.id)
        if ours(domain, task, trajectory, False) == Outcome.FAIL:
            ignoring_refusals.append(task.id)
    assert disagree == []
    assert len(ignoring_refusals) == (18 if name == "retail" else 0)


def test_a_missing_gold_action_fails_both() -> None:
    """Dropping one gold action (a read τ² checks by all its arguments) fails both checks."""
    domain = load_domain("retail")
    task = domain.tasks[0]
    calls = gold_calls(task)
    trajectory = play(domain, task, calls[1:])
    assert (ours(domain, task, trajectory, True), tau2_action_reward(task, trajectory)) == (Outcome.FAIL, 0.0)
