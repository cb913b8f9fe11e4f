"""Multiplicity and power of the no-regression gate: 25 evaluations × 50 scenarios × 3 trials.

1,000 simulated A/A comparisons (nothing changed): the family-wise false-alarm rate of the Holm-adjusted
no-regression gate must be ≤ 5%. 1,000 A/B comparisons with a true 20-point drop in one evaluation's
per-trial pass probabilities: that evaluation must be flagged in ≥ 80%. Per-scenario pass probabilities
are heterogeneous: 80% of scenarios Beta(18, 2) (mean 0.9), 20% hard ones Beta(2, 3) (mean 0.4).
The gate's test is the library's: strict majority per scenario, exact McNemar on the flips, Holm across
the 25 evaluations, regression when adjusted p < 0.05 and regressions outnumber fixes. For comparison the
script also prints the power of a paired Wilcoxon signed-rank test on per-scenario pass counts (same Holm
family), the alternative the report proposes. Exits 1 when a target is missed.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import stats

from sparring.analysis.hypothesis import mcnemar_p
from sparring.analysis.outcomes import FAIL, PASS, majority_code
from sparring.analysis.statistics import holm

COMPARISONS, EVALUATIONS, SCENARIOS, TRIALS = 1000, 25, 50, 3
ALPHA, DROP = 0.05, 0.20
FALSE_ALARM_TARGET, POWER_TARGET = 0.05, 0.80


def probabilities(rng: np.random.Generator) -> np.ndarray:
    """(comparisons, evaluations, scenarios) per-trial pass probabilities."""
    shape = (COMPARISONS, EVALUATIONS, SCENARIOS)
    return np.where(rng.random(shape) < 0.2, rng.beta(2, 3, shape), rng.beta(18, 2, shape))


def holm_flags(p_values: np.ndarray, worse: np.ndarray) -> np.ndarray:
    """Per comparison and evaluation: Holm-adjusted p < alpha across the family, and B worse than A."""
    adjusted = np.array([holm(row.tolist()) for row in p_values])
    return (adjusted < ALPHA) & worse


def mcnemar_gate(passes_a: np.ndarray, passes_b: np.ndarray) -> np.ndarray:
    a = majority_code(passes_a, TRIALS - passes_a, 0)
    b = majority_code(passes_b, TRIALS - passes_b, 0)
    regressions = ((a == PASS) & (b == FAIL)).sum(axis=2)
    fixes = ((a == FAIL) & (b == PASS)).sum(axis=2)
    return holm_flags(mcnemar_p(regressions, fixes), regressions > fixes)


def wilcoxon_gate(passes_a: np.ndarray, passes_b: np.ndarray) -> np.ndarray:
    differences = passes_b - passes_a
    with np.errstate(all="ignore"):
        p_values = stats.wilcoxon(differences, axis=2, zero_method="wilcox", nan_policy="omit").pvalue
    p_values = np.nan_to_num(np.asarray(p_values, dtype=float), nan=1.0)
    return holm_flags(p_values, differences.mean(axis=2) < 0)


def main() -> int:
    started = time.perf_counter()
    rng = np.random.default_rng(2026)
    p = probabilities(rng)
    passes_a, passes_aa = rng.binomial(TRIALS, p), rng.binomial(TRIALS, p)
    dropped = p.copy()
    dropped[:, 0] = np.maximum(p[:, 0] - DROP, 0.0)
    passes_ab = rng.binomial(TRIALS, dropped)
    true_drop = float((p[:, 0] - dropped[:, 0]).mean())
    false_alarms = float(mcnemar_gate(passes_a, passes_aa).any(axis=1).mean())
    power = float(mcnemar_gate(passes_a, passes_ab)[:, 0].mean())
    alt_false_alarms = float(wilcoxon_gate(passes_a, passes_aa).any(axis=1).mean())
    alt_power = float(wilcoxon_gate(passes_a, passes_ab)[:, 0].mean())
    print(f"{COMPARISONS} comparisons of {EVALUATIONS} evaluations × {SCENARIOS} scenarios × {TRIALS} trials")
    print(f"A/A family-wise false-alarm rate (Holm, McNemar on majorities): {false_alarms:.1%} (target ≤ 5%)")
    print(f"A/B power for a {true_drop * 100:.1f}-point drop in one evaluation: {power:.1%} (target ≥ 80%)")
    print(
        f"alternative, Wilcoxon on per-scenario pass counts: false alarms {alt_false_alarms:.1%}, power {alt_power:.1%}"
    )
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0 if false_alarms <= FALSE_ALARM_TARGET and power >= POWER_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
