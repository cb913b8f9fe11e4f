"""Power, noise floor and offline-vs-online comparison: library functions and the CLI on a real SQLite file."""

from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.analysis import compare_unpaired, noise_floor, pair_through_sources
from sparring.analysis.hypothesis import sign_flip_test
from sparring.analysis.online import transcript_id
from sparring.analysis.power import detectable_drop, power, trials_needed
from sparring.cli.app import app
from sparring.data_model import ModelSettings, Run

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.mark.parametrize(("drop", "alpha"), [(0.05, 0.05), (0.1, 0.05), (0.2, 0.05), (0.2, 0.002)])
def test_analytic_power_agrees_with_a_monte_carlo_of_the_real_permutation_test(drop, alpha):
    """2,000 simulated comparisons of 50 heterogeneous scenarios × 3 trials through sign_flip_test, the test
    compare runs: the normal approximation lands within 6 points of the simulated power."""
    rng = np.random.default_rng(11)
    p = np.where(rng.random(50) < 0.2, rng.beta(2, 3, 50), rng.beta(18, 2, 50))
    before = rng.binomial(3, p, (2000, 50)) / 3
    after = rng.binomial(3, np.clip(p - drop, 0, 1), (2000, 50)) / 3
    p_values = np.array([r.p_value for r in sign_flip_test((after - before).tolist(), seed=1)])
    simulated = np.mean((p_values < alpha) & ((after - before).mean(axis=1) < 0))
    assert float(power(p.tolist(), 3, 3, drop, alpha)) == pytest.approx(simulated, abs=0.06)


def test_detectable_drop_is_the_smallest_with_power_080_and_shrinks_with_more_scenarios():
    probabilities = [0.9] * 40
    drop = detectable_drop(probabilities, 3, 3, alpha=0.05)
    assert drop is not None and power(probabilities, 3, 3, drop, 0.05) >= 0.8 > power(
        probabilities, 3, 3, drop - 0.01, 0.05
    )
    assert detectable_drop([0.9] * 160, 3, 3, alpha=0.05) < drop
    assert detectable_drop([0.9] * 40, 9, 9, alpha=0.05) < drop, "more trials: smaller binomial noise"
    assert detectable_drop([0.9] * 5, 3, 3, alpha=0.05) is None, "5 scenarios: the smallest exact p is 2/32"


def test_trials_needed_answers_none_beyond_the_cap():
    needed = trials_needed([0.8] * 200, 0.10, 0.05)
    assert needed is not None and power([0.8] * 200, needed, needed, 0.10, 0.05) >= 0.8
    assert needed == 1 or power([0.8] * 200, needed - 1, needed - 1, 0.10, 0.05) < 0.8
    assert trials_needed([0.9] * 3, 0.05, 0.05) is None


def test_noise_floor_flips_spread_and_at_least_two_runs():
    one = {"e": {"s1": [True], "s2": [True], "s3": [False], "s4": [True]}}
    two = {"e": {"s1": [True], "s2": [False], "s3": [False], "s4": [True]}}
    [summary] = noise_floor([one, two])
    assert summary.scenarios == 4 and summary.flipped == pytest.approx(1 / 4) and summary.errored == 0
    assert summary.pass_rates == [0.75, 0.5] and summary.pass_rate_sd == pytest.approx(np.std([0.75, 0.5], ddof=1))
    with pytest.raises(ValueError, match="at least 2 runs"):
        noise_floor([one])


def test_offline_online_pairs_through_sources_or_falls_back_to_fisher():
    assert transcript_id("transcript chat-17 (past.jsonl)") == "chat-17" and transcript_id("chat-9") == "chat-9"
    simulated = {"e": {"x-chat-17": [True, True, False]}}
    assert pair_through_sources(simulated, {"x-chat-17": "transcript chat-17 (past.jsonl)"}) == {
        "e": {"chat-17": [True, True, False]}
    }
    online = {"e": {f"t{i}": [i < 4] for i in range(20)}}
    offline = {"e": {f"s{i}": [i < 18] for i in range(20)}}
    [result] = compare_unpaired(offline, online)
    assert result.method == "unpaired" and result.difference == pytest.approx(4 / 20 - 18 / 20)
    assert result.p_value == pytest.approx(stats.fisher_exact([[18, 2], [4, 16]]).pvalue)
    assert result.verdict == "regressed" and result.ci_low is None and result.ci_high is None  # no CI to contradict p


def store_run(store: Store, run_id: str, outcomes: dict[str, list[str]], suite: str = "s", source: str = "simulated"):
    """A run whose evaluation 'e' has, per scenario, one outcome per trial."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="m", agent="m", judge="m")
    trials = max(len(t) for t in outcomes.values())
    run = Run(id=run_id, label=run_id, suite=suite, settings=settings, clock=now, started_at=now, trials=trials)
    store.save_run(run.model_copy(update={"evaluation_ids": ["e"], "source": source}))
    for scenario, per_trial in outcomes.items():
        for trial, outcome in enumerate(per_trial):
            cid = f"{run_id}:{scenario}:{trial}"
            conversation = Conversation(
                id=cid, run_id=run_id, scenario_id=scenario, trial=trial, end_reason=EndReason.RESOLVED
            )
            store.save_conversation(
                conversation, [Verdict(evaluation_id="e", conversation_id=cid, outcome=Outcome(outcome))]
            )


def test_compare_and_noise_commands_on_a_real_sqlite_file(tmp_path):
    db = str(tmp_path / "runs.db")
    store = Store.open(db)
    store_run(store, "a", {"s1": ["pass"] * 3, "s2": ["pass", "fail"] * 1 + ["pass"], "s3": ["pass", "error", "fail"]})
    store_run(store, "b", {"s1": ["fail"] * 3, "s2": ["pass"] * 3, "s3": ["pass"] * 3})
    store_run(store, "other", {"s1": ["pass"]}, suite="another")
    compared = runner.invoke(app, ["compare", "a", "b", "--db", db])
    assert compared.exit_code == 0, compared.output
    assert "verdict: BH-adjusted across 1 evaluations, FDR 5%" in compared.output
    assert "│ errored " in compared.output and "regression" in compared.output  # A's errored trial: listed
    assert "outcome (margin 5 points)" in compared.output and "inconclusive: the 95% lower bound" in compared.output
    assert "3/3 pass → 0/3 fail" in compared.output and "sign-flip permutation test" in compared.output
    assert "this comparison can detect changes of ≥ that many points" in compared.output
    noise = runner.invoke(app, ["noise", "a", "b", "--db", db])
    assert noise.exit_code == 0, noise.output
    assert "Noise floor over 2 runs of s" in noise.output and "more than 20" in noise.output
    single = runner.invoke(app, ["noise", "a", "--db", db])
    assert single.exit_code == 2 and "noise needs at least 2 runs of the same configuration, got 1" in single.output
    mixed = runner.invoke(app, ["noise", "a", "other", "--db", db])
    assert mixed.exit_code == 2 and "noise compares runs of one suite; these runs are of another, s" in mixed.output


def test_compare_an_imported_run_without_pairs_says_it_is_unpaired(tmp_path):
    db = str(tmp_path / "runs.db")
    store = Store.open(db)
    store_run(store, "sim", {f"s{i}": ["pass"] for i in range(10)})
    store_run(store, "real", {f"t{i}": ["fail" if i < 5 else "pass"] for i in range(10)}, source="real.jsonl")
    compared = runner.invoke(app, ["compare", "sim", "real", "--db", db])
    assert compared.exit_code == 0, compared.output
    assert "unpaired (no scenario pairs with a transcript): Fisher's exact test" in compared.output


def test_compare_pairs_an_imported_run_with_a_simulated_one_through_scenario_sources(suite_copy, tmp_path):
    late = suite_copy / "scenarios" / "late.yaml"
    source = "    source: transcript chat-17 (past.jsonl)\n"
    late.write_text(
        late.read_text().replace(
            "    tags: [late, refund, frustrated]\n", "    tags: [late, refund, frustrated]\n" + source, 1
        )
    )
    db = str(tmp_path / "runs.db")
    store = Store.open(db)
    store_run(store, "sim", {"late-70min-full-refund": ["pass"] * 3, "late-40min-fee": ["pass"] * 3})
    store_run(store, "real", {"chat-17": ["fail"], "chat-99": ["pass"]}, source="past.jsonl")
    compared = runner.invoke(app, ["compare", "sim", "real", "--suite", str(suite_copy), "--db", db])
    assert compared.exit_code == 0, compared.output
    assert "paired on scenarios judged in both runs" in compared.output
    assert "│ regression " in compared.output and "chat-17" in compared.output
