"""Does the ship decision fail closed? The `no_regression_vs` gate (margin 5 points) and the pass-rate intervals,
through the library code `sparring gate` runs, on simulated runs of known truth. Exits 1 when a target is missed.

1. Power: 25 evaluations × 50 scenarios × 3 trials, a true 10-point drop in one evaluation's per-trial pass
   probabilities (clipped at 0), 1,000 comparisons: the gate is not green (fail or inconclusive) in ≥ 95%.
2. A/A: 25 evaluations × 300 scenarios × 3 trials, nothing changed, 1,000 comparisons: green in ≥ 80%, red
   ("fail") in ≤ 5% (family-wise: any evaluation).
   Scenario pass probabilities are heterogeneous, mean ≈ 0.9: 80% of scenarios Beta(30, 1) (mean 0.97, mostly
   always passing), 20% Beta(3, 2) (mean 0.6, the hard and flaky ones); drawn once per comparison.
3. Coverage of the pass-rate interval (`min_pass_rate`) at 24 and 50 scenarios × 1 and 3 trials and of pass^k's
   interval at 3 trials, 2,000 simulated suites each: ≥ 93%.
4. Equivalence: 10 comparisons of each design stored in a real SQLite file and decided from the store
   (`scenario_outcome_rows` → `comparison_with` → `check_gates`, the path of `gate_report`) give the same
   outcome and detail as the same outcomes in memory. The 2,000 comparisons of 1 and 2 run in memory on the
   outcomes the store would return (writing 2 × 2,000 runs of 3,750-22,500 verdicts would take hours on 2 cores).

`python bench/ship_decision.py [--comparisons N]`
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.analysis import EvaluationSummary
from sparring.analysis.gate import GateResult, check_gates, comparison_with
from sparring.analysis.outcomes import ScenarioOutcomes, not_applicable_trials, scenario_outcomes
from sparring.analysis.paired_comparison import compare_outcomes
from sparring.analysis.pass_k import pass_hat_k_interval
from sparring.analysis.pass_rate_interval import clustered_interval
from sparring.analysis.pass_rates import run_summaries
from sparring.data_model import ModelSettings, Run
from sparring.evaluations import EvaluationSpec
from sparring.suite.config import GateConfig

EVALUATIONS, TRIALS, DROP = 25, 3, 0.10
NOT_GREEN_TARGET, GREEN_TARGET, RED_TARGET, COVERAGE_TARGET = 0.95, 0.80, 0.05, 0.93
IDS = [f"e{i:02}" for i in range(EVALUATIONS)]
SPECS = [EvaluationSpec(id=i, kind="check", description=i, function="f") for i in IDS]
SUMMARIES = [EvaluationSummary(evaluation_id=i) for i in IDS]
GATE = GateConfig(no_regression_vs="A")


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Per-trial pass probabilities, mean ≈ 0.9: 80% Beta(30, 1), 20% Beta(3, 2)."""
    return np.where(rng.random(shape) < 0.8, rng.beta(30, 1, shape), rng.beta(3, 2, shape))


def outcomes(trials: np.ndarray) -> ScenarioOutcomes:
    """One run's (evaluations, scenarios, trials) booleans as `scenario_outcomes` gives them from the store."""
    return {e: {f"s{s:03}": trials[i, s].tolist() for s in range(trials.shape[1])} for i, e in enumerate(IDS)}


def decide_in_memory(before: np.ndarray, after: np.ndarray, seed: int) -> GateResult:
    """The gate on two runs' outcomes, without the store."""
    a, b = outcomes(before), outcomes(after)

    def compare_with(_: str, margin: float, max_lost: float) -> list:
        return compare_outcomes(a, b, seed=seed, margin=margin, max_lost=max_lost)

    [result] = check_gates([GATE], SPECS, SUMMARIES, compare_with)
    return result


def simulate(scenarios: int, comparisons: int, drop: float, seed: int) -> list[GateResult]:
    """`comparisons` gates on A against B, B's first evaluation `drop` lower."""
    rng = np.random.default_rng(seed)
    results = []
    for i in range(comparisons):
        p = probabilities(rng, (EVALUATIONS, scenarios))
        q = p.copy()
        q[0] = np.maximum(p[0] - drop, 0.0)
        before, after = (rng.random((*x.shape, TRIALS)) < x[..., None] for x in (p, q))
        results.append(decide_in_memory(before, after, i))
    return results


def store_run(store: Store, run_id: str, trials: np.ndarray) -> Run:
    """One simulated run written to the store, as `sparring run` would leave it."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="m", agent="m", judge="m")
    run = Run(id=run_id, label=run_id, suite="bench", settings=settings, clock=now, started_at=now, trials=TRIALS)
    store.save_run(run.model_copy(update={"evaluation_ids": IDS}))
    for s in range(trials.shape[1]):
        for t in range(TRIALS):
            cid = f"{run_id}:s{s:03}:{t}"
            conversation = Conversation(
                id=cid, run_id=run_id, scenario_id=f"s{s:03}", trial=t, end_reason=EndReason.RESOLVED
            )
            verdicts = [
                Verdict(evaluation_id=e, conversation_id=cid, outcome=Outcome.PASS if trials[i, s, t] else Outcome.FAIL)
                for i, e in enumerate(IDS)
            ]
            store.save_conversation(conversation, verdicts)
    return run


def equivalent_through_the_store(scenarios: int, drop: float, count: int, seed: int) -> int:
    """How many of `count` comparisons decided from a real SQLite file match the in-memory decision."""
    rng = np.random.default_rng(seed)
    matches = 0
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(str(Path(folder) / "bench.db"))
        for i in range(count):
            p = probabilities(rng, (EVALUATIONS, scenarios))
            q = p.copy()
            q[0] = np.maximum(p[0] - drop, 0.0)
            before, after = (rng.random((*x.shape, TRIALS)) < x[..., None] for x in (p, q))
            store_run(store, f"A{i}", before)
            run = store_run(store, f"B{i}", after).model_copy(update={"seed": i})
            rows = store.scenario_outcome_rows(run.id)
            compare_with = comparison_with(store, run, (scenario_outcomes(rows), not_applicable_trials(rows)))
            gate = GATE.model_copy(update={"no_regression_vs": f"A{i}"})
            [stored] = check_gates([gate], SPECS, run_summaries(store, run, IDS), compare_with)
            memory = decide_in_memory(before, after, i)
            matches += stored.outcome == memory.outcome and stored.detail == memory.detail.replace("vs A", f"vs A{i}")
    return matches


def coverage(rng: np.random.Generator, scenarios: int, trials: int, sims: int = 2000) -> tuple[float, float | None]:
    """Coverage of the pass-rate interval and (with more than one trial) of pass^trials' interval."""
    rate_truth = 0.8 * 30 / 31 + 0.2 * 3 / 5
    draws = probabilities(np.random.default_rng(0), (10**6,))
    k_truth = float(np.mean(draws**trials))
    rate_hits = k_hits = 0
    for _ in range(sims):
        p = probabilities(rng, (scenarios,))
        trial_passes = rng.random((scenarios, trials)) < p[:, None]
        interval = clustered_interval([(int(row.sum()), trials) for row in trial_passes])
        assert interval is not None
        rate_hits += interval.low <= rate_truth <= interval.high
        shown = pass_hat_k_interval({f"s{i}": row.tolist() for i, row in enumerate(trial_passes)}, trials)
        assert shown is not None
        k_hits += shown.low <= k_truth <= shown.high
    return rate_hits / sims, (k_hits / sims if trials > 1 else None)


def report(name: str, value: float, target: float, at_least: bool) -> bool:
    met = value >= target if at_least else value <= target
    print(f"{name}: {value:.1%} (target {'≥' if at_least else '≤'} {target:.0%}) {'ok' if met else 'MISSED'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comparisons", type=int, default=1000)
    comparisons = parser.parse_args().comparisons
    started = time.perf_counter()
    ok = True
    dropped = simulate(50, comparisons, DROP, seed=1)
    not_green = np.mean([r.outcome != "pass" for r in dropped])
    print(
        f"{comparisons} comparisons, {EVALUATIONS} evaluations × 50 scenarios × {TRIALS} trials, a true 10-point drop:"
    )
    ok &= report("  gate not green", float(not_green), NOT_GREEN_TARGET, True)
    print(f"  of which fail: {np.mean([r.outcome == 'fail' for r in dropped]):.1%}")
    same = simulate(300, comparisons, 0.0, seed=2)
    print(f"{comparisons} A/A comparisons, {EVALUATIONS} evaluations × 300 scenarios × {TRIALS} trials, margin 5:")
    ok &= report("  green", float(np.mean([r.outcome == "pass" for r in same])), GREEN_TARGET, True)
    ok &= report("  red (fail, family-wise)", float(np.mean([r.outcome == "fail" for r in same])), RED_TARGET, False)
    rng = np.random.default_rng(3)
    for scenarios in (24, 50):
        for trials in (1, 3):
            rate, pass_k = coverage(rng, scenarios, trials)
            ok &= report(
                f"coverage of the pass-rate interval, {scenarios} scenarios × {trials}", rate, COVERAGE_TARGET, True
            )
            if pass_k is not None:
                ok &= report(
                    f"coverage of pass^{trials}'s interval, {scenarios} scenarios × {trials}",
                    pass_k,
                    COVERAGE_TARGET,
                    True,
                )
    for scenarios, drop in ((50, DROP), (300, 0.0)):
        matched = equivalent_through_the_store(scenarios, drop, 10, seed=4)
        print(f"through a real SQLite store, {scenarios} scenarios: {matched} of 10 decisions equal in memory")
        ok &= matched == 10
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
