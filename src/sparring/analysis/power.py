"""Power of the paired comparison: the smallest drop a suite can detect, and the trials it would need.

Monte Carlo with the same test `compare` runs: each simulated comparison draws two runs of every scenario
(A at its estimated per-trial pass probability p, B at max(p - drop, 0)), takes each scenario's strict
majority, and runs the exact McNemar test on the pass→fail and fail→pass flips at the given alpha. A drop
is detected when p < alpha and regressions outnumber fixes. Draws share random numbers across drops, so
power rises monotonically with the drop and a bisection finds the smallest one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sparring.analysis.hypothesis import mcnemar_p
from sparring.analysis.outcomes import FAIL, PASS, majority_code

POWER = 0.8
MAX_TRIALS = 20
"""Trials per scenario beyond which `trials_needed` answers "more than MAX_TRIALS"."""


def _majorities(uniforms: NDArray[np.float64], probabilities: NDArray[np.float64]) -> NDArray[np.int64]:
    passes = (uniforms < probabilities[None, :, None]).sum(axis=2)
    return np.asarray(majority_code(passes, uniforms.shape[2] - passes, 0))


class PowerModel:
    """Simulated comparisons of one evaluation: scenarios' per-trial pass probabilities, trials, alpha."""

    def __init__(
        self, probabilities: list[float], trials: int, alpha: float, simulations: int = 1000, seed: int = 0
    ) -> None:
        self.probabilities = np.asarray(probabilities, dtype=float)
        self.alpha = alpha
        rng = np.random.default_rng(seed)
        shape = (simulations, len(probabilities), trials)
        self.baseline = _majorities(rng.random(shape), self.probabilities)
        self.candidate_draws = rng.random(shape)

    def power(self, drop: float) -> float:
        """Share of simulated comparisons that detect a drop of `drop` (a proportion) in every scenario."""
        candidate = _majorities(self.candidate_draws, np.maximum(self.probabilities - drop, 0.0))
        regressions = ((self.baseline == PASS) & (candidate == FAIL)).sum(axis=1)
        fixes = ((self.baseline == FAIL) & (candidate == PASS)).sum(axis=1)
        return float(np.mean((mcnemar_p(regressions, fixes) < self.alpha) & (regressions > fixes)))


def detectable_drop(
    probabilities: list[float], trials: int, alpha: float, simulations: int = 1000, seed: int = 0
) -> float | None:
    """Smallest drop (a proportion, 0.01 resolution) detected with power 0.8, or None when even a drop
    to 0 is not (too few scenarios)."""
    if not probabilities or trials < 1:
        return None
    model = PowerModel(probabilities, trials, alpha, simulations, seed)
    low, high = 0, 100  # in points: power(low) < 0.8 <= power(high)
    if model.power(high / 100) < POWER:
        return None
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if model.power(middle / 100) >= POWER else (middle, high)
    return high / 100


def trials_needed(
    probabilities: list[float], drop: float, alpha: float, simulations: int = 1000, seed: int = 0
) -> int | None:
    """Fewest trials per scenario that detect `drop` with power 0.8, or None when more than MAX_TRIALS.
    Only odd counts are tried: an even count adds ties (undecided scenarios) for the cost of one trial."""
    for trials in range(1, MAX_TRIALS + 1, 2):
        if probabilities and PowerModel(probabilities, trials, alpha, simulations, seed).power(drop) >= POWER:
            return trials
    return None
