"""The comparison's cheaper computation gives every figure the previous one gave, bit for bit: the sign patterns
(unpacked bytes instead of a per-byte lookup of floats), the detectable drop (drops tried ten at a time), the
grouping of verdict rows, the Jeffreys probabilities and each evaluation's fractions computed once. The previous
functions are kept here, verbatim, as the reference; the new ones must equal them on random runs of 5 to 1,000
scenarios with ties, n/a trials, errors and scenarios or evaluations present in one run only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from sparring.analysis import hypothesis, paired_comparison, power
from sparring.analysis.outcomes import (
    ScenarioOutcomes,
    Tally,
    not_applicable_trials,
    scenario_outcomes,
    smoothed_pass_probability,
)
from sparring.analysis.paired_comparison import (
    DEFAULT_MARGIN,
    EvaluationComparison,
    ScenarioPairs,
    adjust_and_decide,
    compare_outcomes,
    decide,
    judged_fractions,
    scenario_pairs,
    scenarios_needed,
)
from sparring.data_model import Outcome

# ---- the previous functions, verbatim ----------------------------------------------------------------------------

_BYTE_SIGNS: NDArray[np.float64] = 1 - 2 * np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(float)


def old_sign_patterns(size: int, seed: int, resamples: int) -> tuple[NDArray[np.float64], bool]:
    if 2**size <= resamples:
        bits = (np.arange(2**size)[:, None] >> np.arange(size)[None, :]) & 1
        return (1 - 2 * bits).astype(float), True
    random_bytes = np.random.default_rng(seed).integers(0, 256, size=(resamples, -(-size // 8)), dtype=np.uint8)
    return _BYTE_SIGNS[random_bytes].reshape(resamples, -1)[:, :size], False


def old_detectable_drop(probabilities: list[float], trials_a: Any, trials_b: Any, alpha: float) -> float | None:
    if not probabilities:
        return None
    reached = power.power(probabilities, trials_a, trials_b, power.DROPS, alpha) >= power.POWER
    return float(power.DROPS[np.argmax(reached)]) if reached.any() else None


def old_scenario_outcomes(rows: Iterable[tuple[str, int, str, str]]) -> ScenarioOutcomes:
    grouped: ScenarioOutcomes = defaultdict(lambda: defaultdict(list))
    for scenario_id, _trial, evaluation_id, outcome in rows:
        if outcome in (Outcome.PASS, Outcome.FAIL, Outcome.ERROR):
            grouped[evaluation_id][scenario_id].append(None if outcome == Outcome.ERROR else outcome == Outcome.PASS)
    return {e: dict(s) for e, s in grouped.items()}


def old_smoothed_pass_probability(tallies: list[Tally]) -> float:
    passes = sum(t[0] for t in tallies)
    fails = sum(t[1] for t in tallies)
    return (passes + 0.5) / (passes + fails + 1)


def old_paired_comparison(evaluation_id: str, pairs: ScenarioPairs) -> EvaluationComparison:
    fractions = judged_fractions(pairs)
    lists = paired_comparison._lists(pairs, fractions)
    if not fractions:
        return paired_comparison._not_comparable(evaluation_id, pairs, lists)
    a = [x for x, _ in fractions.values()]
    b = [y for _, y in fractions.values()]
    return EvaluationComparison(
        evaluation_id=evaluation_id,
        shared_scenarios=len(fractions),
        pass_rate_a=sum(a) / len(a),
        pass_rate_b=sum(b) / len(b),
        difference=sum(b) / len(b) - sum(a) / len(a),
        ci_low=None,
        ci_high=None,
        p_value=None,
        verdict="no detectable change",
        shown=paired_comparison._shown(pairs, list(dict.fromkeys(s for names in lists.values() for s in names))),
        trials=max(sum(p.b) + p.na_b for p in pairs.values()),
        **lists,
    )


def old_tested(
    comparisons: list[EvaluationComparison], pairs: list[ScenarioPairs], seed: int, margin: float
) -> list[EvaluationComparison]:
    rows = [i for i, c in enumerate(comparisons) if c.difference is not None]
    differences = [[y - x for x, y in judged_fractions(pairs[i]).values()] for i in rows]
    tested = list(comparisons)
    for i, d, (test, at_margin) in zip(
        rows, differences, hypothesis.paired_tests(differences, margin, seed), strict=True
    ):
        needed = scenarios_needed(d, margin)
        update = {**test._asdict(), **at_margin._asdict(), "margin": margin, "scenarios_needed": needed}
        tested[i] = comparisons[i].model_copy(update=update)
    return tested


def old_compare_outcomes(
    a: ScenarioOutcomes,
    b: ScenarioOutcomes,
    alpha: float = 0.05,
    seed: int = 0,
    power: bool = False,
    margin: float = DEFAULT_MARGIN,
    not_applicable: tuple[Any, Any] = ({}, {}),
    max_lost: float = 0.0,
) -> list[EvaluationComparison]:
    na_a, na_b = not_applicable
    ids = sorted(set(a) | set(b) | set(na_a) | set(na_b))
    pairs = [scenario_pairs(a.get(e, {}), b.get(e, {}), na_a.get(e), na_b.get(e)) for e in ids]
    comparisons = [old_paired_comparison(e, p) for e, p in zip(ids, pairs, strict=True)]
    results = decide(adjust_and_decide(old_tested(comparisons, pairs, seed, margin), alpha), margin, alpha, max_lost)
    if not power:
        return results
    family = max(1, sum(c.p_value is not None for c in results))
    return [paired_comparison.with_detectable_drop(c, p, alpha / family) for c, p in zip(results, pairs, strict=True)]


# ---- random runs ---------------------------------------------------------------------------------------------------

OUTCOMES = [Outcome.PASS, Outcome.FAIL, Outcome.ERROR, Outcome.NOT_APPLICABLE]


def random_rows(
    rng: np.random.Generator, scenarios: int, evaluations: int, shift: float
) -> list[tuple[str, int, str, str]]:
    """(scenario, trial, evaluation, outcome) rows of one run: 1-3 trials, each evaluation with its own mix of
    passes, fails, errors and n/a (some evaluations n/a throughout), a few scenarios missing."""
    trials = int(rng.integers(1, 4))
    rows = []
    for e in range(evaluations):
        mix = rng.dirichlet([6.0 + shift, 3.0, 0.3, 1.0 if e % 3 else 0.05])
        if e == evaluations - 1:
            mix = np.array([0.0, 0.0, 0.0, 1.0])
        for s in range(scenarios):
            if rng.random() < 0.03:
                continue
            for t in range(trials):
                rows.append((f"s{s:04}", t, f"e{e:02}", str(OUTCOMES[rng.choice(4, p=mix)])))
    return rows


def both_ways(rows_a: list, rows_b: list, seed: int, margin: float) -> tuple[list, list]:
    """The comparison computed the new way and the previous way (the previous functions patched in)."""
    na = (not_applicable_trials(rows_a), not_applicable_trials(rows_b))
    new = compare_outcomes(scenario_outcomes(rows_a), scenario_outcomes(rows_b), 0.05, seed, True, margin, na)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hypothesis, "_sign_patterns", old_sign_patterns)
        patch.setattr(paired_comparison, "detectable_drop", old_detectable_drop)
        patch.setattr(paired_comparison, "smoothed_pass_probability", old_smoothed_pass_probability)
        old_a, old_b = old_scenario_outcomes(rows_a), old_scenario_outcomes(rows_b)
        old = old_compare_outcomes(old_a, old_b, 0.05, seed, True, margin, na)
    return new, old


@pytest.mark.parametrize("scenarios", [5, 13, 14, 50, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_comparison_is_the_previous_one_bit_for_bit(scenarios, seed):
    rng = np.random.default_rng(seed * 7919 + scenarios)
    evaluations = 6 if scenarios == 1000 else 12
    rows_a = random_rows(rng, scenarios, evaluations, 0.0)
    rows_b = random_rows(rng, scenarios, evaluations + (seed == 1), float(rng.choice([-3.0, 0.0, 2.0])))
    margin = float(rng.choice([0.0, 0.05, 0.1]))
    new, old = both_ways(rows_a, rows_b, seed, margin)
    assert [c.model_dump() for c in new] == [c.model_dump() for c in old]
    detectable = [c.detectable_drop for c in new if c.detectable_drop is not None]
    assert any(c.p_value is not None for c in new), "the comparison tests something"
    if scenarios in (5, 50, 1000):
        assert bool(detectable) == (scenarios > 5), "5 scenarios detect no drop; 50 or more detect some"
    assert any(c.errored for c in new) and any(c.p_value is None for c in new), "errors and an untested evaluation"


@pytest.mark.parametrize("seed", range(4))
def test_the_grouped_rows_are_the_previous_ones(seed):
    rows = random_rows(np.random.default_rng(seed), 200, 5, 0.0)
    assert scenario_outcomes(rows) == old_scenario_outcomes(rows)
    assert any(None in trials for by_scenario in scenario_outcomes(rows).values() for trials in by_scenario.values())


@pytest.mark.parametrize("size", [*range(1, 20), 63, 64, 65, 999, 1000, 1001])
def test_the_sign_patterns_are_the_previous_ones(size):
    for seed in (0, 5):
        new, new_exact = hypothesis._sign_patterns(size, seed, hypothesis.RESAMPLES)
        old, old_exact = old_sign_patterns(size, seed, hypothesis.RESAMPLES)
        assert new_exact == old_exact and new.dtype == old.dtype and np.array_equal(new, old)


@pytest.mark.parametrize("seed", range(40))
def test_the_detectable_drop_is_the_previous_one(seed):
    """Sizes from 3 scenarios (nothing detectable) to 1,000 (a few points), alphas down to 0.05 / 20: drops found
    in the first batch of ten, in later ones, and none."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([3, 6, 8, 12, 20, 50, 200, 1000]))
    probabilities = (rng.beta(4, 1, n) * 0.98 + 0.01).tolist()
    trials_a, trials_b = rng.integers(1, 4, n).tolist(), rng.integers(1, 4, n).tolist()
    alpha = float(rng.choice([0.05, 0.05 / 20]))
    assert power.detectable_drop(probabilities, trials_a, trials_b, alpha) == old_detectable_drop(
        probabilities, trials_a, trials_b, alpha
    )


def test_the_detectable_drops_span_every_batch():
    """The cases above are not all in one batch: small suites detect only large drops, large ones small drops."""
    found = {power.detectable_drop([0.9] * n, 1, 1, 0.05) for n in (3, 6, 8, 12, 20, 50, 1000)}
    assert None in found and min(d for d in found if d is not None) <= 0.1 < max(d for d in found if d is not None)


@pytest.mark.parametrize("seed", range(20))
def test_the_jeffreys_probability_is_the_previous_one(seed):
    rng = np.random.default_rng(seed)
    tallies = [tuple(int(x) for x in rng.integers(0, 5, 3)) for _ in range(int(rng.integers(0, 4)))]
    assert smoothed_pass_probability(tallies) == old_smoothed_pass_probability(tallies)
