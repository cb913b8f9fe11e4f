"""`sparring noise` measures noise (issue 27, item 9): runs that replayed the cache are left out by name, the
variance of a judged trial is split into judge, conversation and scenario (checked against a simulation with known
components), and the planner's designs reach power 0.8 in a Monte Carlo of the real sign-flip test."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from typer.testing import CliRunner

from sparring import Conversation, EndReason, Store, Verdict
from sparring.analysis.hypothesis import sign_flip_test
from sparring.analysis.noise import replayed, variance_split
from sparring.analysis.power import CostPerConversation, plan
from sparring.cli.app import app
from sparring.data_model import ModelSettings, Run, TokenUsage

runner = CliRunner(env={"COLUMNS": "250"})
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def a_run(run_id: str, cached: int = 0, rejudged_from: str | None = None, cost: float = 0.0) -> Run:
    roles = ("judge",) if rejudged_from else ("simulator", "agent")
    usage = {role: TokenUsage(calls=10 - min(cached, 10), cached_calls=min(cached, 10)) for role in roles}
    settings = ModelSettings(simulator="m", agent="m", judge="m")
    return Run(
        id=run_id, label=run_id, suite="s", settings=settings, clock=NOW, started_at=NOW, trials=2,
        evaluation_ids=["e"], scenario_ids=[f"s{i}" for i in range(12)], usage=usage, rejudged_from=rejudged_from,
        cost_usd={"simulator": cost, "agent": cost, "judge": cost / 4} if cost else {},
    )  # fmt: skip


def store_run(store: Store, run: Run, outcomes: dict[str, list[str]]) -> None:
    store.save_run(run)
    for scenario, per_trial in outcomes.items():
        for trial, outcome in enumerate(per_trial):
            cid = f"{run.id}:{scenario}:{trial}"
            conversation = Conversation(
                id=cid, run_id=run.id, scenario_id=scenario, trial=trial, end_reason=EndReason.RESOLVED
            )
            store.save_conversation(conversation, [Verdict(evaluation_id="e", conversation_id=cid, outcome=outcome)])


def test_a_run_answered_from_the_cache_is_a_replay_and_says_how_much():
    assert replayed(a_run("fresh")) is None
    assert (
        replayed(a_run("cached", cached=10))
        == "replayed the cache: 20 of 20 simulator and agent calls answered from it"
    )
    assert replayed(a_run("rj", cached=10, rejudged_from="fresh")) == (
        "replayed the cache: 10 of 10 judge calls answered from it"
    )
    assert replayed(a_run("half", cached=4)) is None


def test_the_variance_split_recovers_known_components():
    """Scenario pass probabilities p ~ Beta(4, 1); each conversation passes with p; each verdict flips it with
    probability e. Judge = e(1 − e); scenario = (1 − 2e)² Var(p); conversation = the rest of the total."""
    rng = np.random.default_rng(5)
    scenarios, conversations, verdicts, e = 3000, 4, 3, 0.1
    p = rng.beta(4, 1, scenarios)
    passed = rng.random((scenarios, conversations)) < p[:, None]
    flips = rng.random((scenarios, conversations, verdicts)) < e
    judged = passed[:, :, None] ^ flips
    data = {("r", f"s{s}", c): judged[s, c].tolist() for s in range(scenarios) for c in range(conversations)}
    split = variance_split("e", data)
    pi = (1 - 2 * e) * 0.8 + e
    scenario = (1 - 2 * e) ** 2 * (4 * 1 / (5**2 * 6))
    assert split.judge == pytest.approx(e * (1 - e), rel=0.05)
    assert split.scenario == pytest.approx(scenario, rel=0.15)
    assert split.conversation == pytest.approx(pi * (1 - pi) - e * (1 - e) - scenario, rel=0.1)
    assert split.judged_again == scenarios * conversations and split.scenarios == scenarios


def test_the_planned_design_reaches_power_080_in_the_real_sign_flip_test():
    rng = np.random.default_rng(3)
    p = rng.beta(9, 1, 2000)
    within = float(np.mean(p * (1 - p)))  # the conversation variance of one trial
    [best, *_] = plan(within, 0.0, 0.9, 0.05, 0.05, available_scenarios=10_000, cost=None)
    n, trials = best.scenarios, best.trials
    assert best.judge_samples == 1 and n * trials == min(
        r.conversations for r in plan(within, 0.0, 0.9, 0.05, 0.05, 10_000, None)
    )
    scenario_p = rng.choice(p, (300, n))
    before = rng.binomial(trials, scenario_p) / trials
    after = rng.binomial(trials, np.clip(scenario_p - 0.05, 0, 1)) / trials
    p_values = np.array([r.p_value for r in sign_flip_test((after - before).tolist(), seed=2)])
    achieved = np.mean((p_values < 0.05) & ((after - before).mean(axis=1) < 0))
    assert achieved == pytest.approx(0.8, abs=0.08)


def test_plans_cost_more_with_judge_samples_and_need_fewer_scenarios_with_trials():
    cost = CostPerConversation(conversation_usd=0.01, judging_usd=0.002)
    rows = {(r.trials, r.judge_samples): r for r in plan(0.05, 0.03, 0.9, 0.05, 0.05, 200, cost)}
    assert rows[(3, 1)].scenarios < rows[(1, 1)].scenarios and rows[(1, 5)].scenarios < rows[(1, 1)].scenarios
    one = rows[(1, 1)]
    assert one.cost_usd == pytest.approx(one.scenarios * (0.01 + 0.002))
    assert rows[(1, 5)].cost_usd == pytest.approx(rows[(1, 5)].scenarios * (0.01 + 5 * 0.002))
    assert not one.enough_scenarios or one.scenarios <= 200


def test_noise_leaves_out_replayed_runs_splits_the_variance_and_plans(tmp_path):
    db = str(tmp_path / "noise.db")
    store = Store.open(db)
    rng = np.random.default_rng(1)
    base = {f"s{i}": ["pass" if rng.random() < 0.8 else "fail" for _ in range(2)] for i in range(12)}
    other = {s: ["fail" if rng.random() < 0.3 else t for t in ts] for s, ts in base.items()}
    store_run(store, a_run("a", cost=0.5), base)
    store_run(store, a_run("b", cost=0.5), other)
    store_run(store, a_run("c", cached=10, cost=0.5), base)  # the same conversations again, from the cache
    rejudged = {s: ["fail" if i == 0 and s in ("s1", "s2") else t for i, t in enumerate(ts)] for s, ts in base.items()}
    store_run(store, a_run("a-rj", rejudged_from="a"), rejudged)
    result = runner.invoke(app, ["noise", "a", "b", "c", "a-rj", "--plan", "10", "--db", db])
    assert result.exit_code == 0, result.output
    assert "left out c: replayed the cache: 20 of 20 simulator and agent calls answered from it" in result.output
    assert "Noise floor over 2 runs of s" in result.output and "Where the noise comes from" in result.output
    assert "Designs that detect a 10-point drop with power 0.8" in result.output and "$" in result.output
    document = json.loads(
        runner.invoke(app, ["noise", "a", "b", "c", "a-rj", "--plan", "10", "--json", "--db", db]).stdout
    )
    assert document["left_out"] == {"c": "replayed the cache: 20 of 20 simulator and agent calls answered from it"}
    [split] = document["variance"]
    assert split["judged_again"] == 24 and split["judge"] > 0 and split["conversations"] == 48
    assert document["plans"]["e"][0]["cost_usd"] > 0
    only_cache = runner.invoke(app, ["noise", "a", "c", "--db", db])
    assert only_cache.exit_code == 2
    assert "noise needs at least 2 simulated runs that re-sampled, got 1 (c: replayed the cache" in only_cache.output
