"""Power of the paired comparison: the smallest drop a suite can detect, and the trials it would need.

An analytic normal approximation of the test `compare` runs (the mean of per-scenario pass-fraction
differences B − A, two-sided sign-flip permutation test). Under a drop δ in every scenario's per-trial pass
probability (A at p_i, B at q_i = max(p_i − δ, 0)), scenario i's difference has mean −s_i (s_i = p_i − q_i)
and binomial variance v_i = p_i(1 − p_i)/m_A,i + q_i(1 − q_i)/m_B,i over its m trials in each run. Over n
scenarios the mean difference is close to normal: mean −S (S = mean s_i), standard deviation σ/√n with
σ² = mean v_i. The permutation test's reference distribution is built from the squared differences
themselves, whose mean also holds the between-run term mean s_i², so it rejects at two-sided level alpha
when |mean difference| > z √((σ² + mean s_i²) / n), z = Φ⁻¹(1 − alpha/2):

    power = Φ((S√n − z √(σ² + mean s_i²)) / σ)    (for a small drop: Φ(δ√n/σ − z))

The sign-flip test can never give p below 2 / 2^n (exact) or 2 / (resamples + 1), so when that is not
below alpha no drop is detectable, whatever the formula says.

`plan` answers the question the other way round: from measured variance components (sparring.analysis.noise),
how many scenarios × trials × judge samples detect a margin at power 0.8, and what that costs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from sparring.analysis.hypothesis import RESAMPLES

POWER = 0.8
MAX_TRIALS = 20
"""Trials per scenario beyond which `trials_needed` answers "more than MAX_TRIALS"."""
DROPS = np.arange(1, 101) / 100
"""The drops `detectable_drop` tries: 1 to 100 points."""
DROPS_AT_ONCE = 10
"""How many of DROPS `detectable_drop` computes together, smallest first, stopping at the first batch that reaches
power 0.8 (each drop's power is computed alone along its row, so a batch gives the figures all 100 at once give;
at 1,000 scenarios all 100 took 2.5 ms per evaluation)."""


def smallest_p(scenarios: int) -> float:
    """The smallest two-sided p the sign-flip test can give on this many scenarios."""
    return max(2 / 2.0 ** min(scenarios, 64), 2 / (RESAMPLES + 1))


def power(probabilities: list[float], trials_a: Any, trials_b: Any, drop: Any, alpha: float) -> NDArray[np.float64]:
    """Approximate power to detect `drop` (a proportion, or an array of them) in every scenario's pass
    probability; trials_* are each scenario's trials in A and B (scalars or per-scenario arrays)."""
    p = np.asarray(probabilities, dtype=float)
    q = np.clip(p - np.asarray(drop, dtype=float)[..., None], 0.0, 1.0)
    shift = p - q
    variance = (p * (1 - p) / np.asarray(trials_a, dtype=float) + q * (1 - q) / np.asarray(trials_b, dtype=float)).mean(
        axis=-1
    )
    spread = np.sqrt(np.maximum(variance, 1e-12))
    from scipy import stats  # imported when a power figure is asked for

    z = stats.norm.ppf(1 - alpha / 2)
    rejects = shift.mean(axis=-1) * np.sqrt(p.size) - z * np.sqrt(variance + (shift**2).mean(axis=-1))
    detectable = smallest_p(p.size) < alpha
    return np.where(detectable, stats.norm.cdf(rejects / spread), 0.0)


def detectable_drop(probabilities: list[float], trials_a: Any, trials_b: Any, alpha: float) -> float | None:
    """Smallest drop (a proportion, 0.01 resolution) detected with power 0.8, or None when even a drop
    to 0 is not (too few scenarios)."""
    if not probabilities:
        return None
    for start in range(0, len(DROPS), DROPS_AT_ONCE):
        drops = DROPS[start : start + DROPS_AT_ONCE]
        reached = power(probabilities, trials_a, trials_b, drops, alpha) >= POWER
        if reached.any():
            return float(drops[np.argmax(reached)])
    return None


def trials_needed(probabilities: list[float], drop: float, alpha: float) -> int | None:
    """Fewest trials per scenario, in each run, that detect `drop` with power 0.8, or None when more than
    MAX_TRIALS (or no trial count would)."""
    if not probabilities:
        return None
    counts = np.arange(1, MAX_TRIALS + 1)
    reached = [bool(power(probabilities, m, m, drop, alpha) >= POWER) for m in counts]
    return int(counts[reached.index(True)]) if True in reached else None


class PlanRow(BaseModel):
    """One design that detects a drop of `margin` with power 0.8: scenarios × trials × judge samples, and its cost."""

    trials: int
    judge_samples: int
    scenarios: int = Field(description="scenarios needed (each run in A and in B)")
    conversations: int = Field(description="per run: scenarios × trials")
    cost_usd: float | None = Field(description="per run, at the measured cost per conversation; None: no price")
    enough_scenarios: bool = Field(description="the suite has that many scenarios")


class CostPerConversation(BaseModel):
    """What one conversation cost in the measured runs: the simulator and agent, and one judging by every judge."""

    conversation_usd: float
    judging_usd: float


PLAN_TRIALS = (1, 2, 3, 5)
PLAN_JUDGE_SAMPLES = (1, 3, 5)


def plan(
    conversation_variance: float,
    judge_variance: float,
    pass_rate: float,
    margin: float,
    alpha: float,
    available_scenarios: int,
    cost: CostPerConversation | None,
) -> list[PlanRow]:
    """Designs (trials × judge samples) that detect a drop of `margin` (a proportion) in every scenario's pass
    probability at power 0.8 in the paired comparison, cheapest first. As in `power`: a scenario's B − A difference
    of pass fractions has variance σ² = (σ²_A + σ²_B + 2 σ²_judge / k) / trials, with σ²_A the conversation variance
    measured and σ²_B = σ²_A + margin (2 × pass_rate − 1) − margin² the same at the dropped rate (its scenario
    effect cancels: the same scenarios in A and B; k judge samples taken as averaging the judge's noise, the most a
    majority vote can remove). The sign-flip test rejects when the mean difference exceeds z √((σ² + margin²) / n),
    so n = ((z_{1−α/2} √(σ² + margin²) + z_0.8 σ) / margin)², raised until the test can reach alpha."""
    from scipy import stats  # imported when a plan is asked for

    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(POWER)
    dropped = max(conversation_variance + margin * (2 * pass_rate - 1) - margin**2, 0.0)
    rows = []
    for trials in PLAN_TRIALS:
        for samples in PLAN_JUDGE_SAMPLES:
            variance = (conversation_variance + dropped + 2 * judge_variance / samples) / trials
            needed = (z_alpha * np.sqrt(variance + margin**2) + z_power * np.sqrt(variance)) / margin
            scenarios = max(2, int(np.ceil(needed**2)))
            while smallest_p(scenarios) >= alpha:
                scenarios += 1
            price = None if cost is None else scenarios * trials * (cost.conversation_usd + samples * cost.judging_usd)
            rows.append(
                PlanRow(
                    trials=trials,
                    judge_samples=samples,
                    scenarios=scenarios,
                    conversations=scenarios * trials,
                    cost_usd=price,
                    enough_scenarios=scenarios <= available_scenarios,
                )
            )
    return sorted(rows, key=lambda r: (not r.enough_scenarios, r.cost_usd or 0.0, r.conversations, r.judge_samples))
