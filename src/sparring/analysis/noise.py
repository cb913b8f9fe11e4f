"""The noise floor: what changes between runs of an unchanged configuration, and what a suite can detect."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from sparring.analysis.outcomes import ScenarioOutcomes, counts, majority, smoothed_pass_probability
from sparring.analysis.power import detectable_drop, trials_needed


class NoiseSummary(BaseModel):
    """One evaluation across runs of the same configuration."""

    evaluation_id: str
    scenarios: int  # scenarios judged in every run with no errored trial
    errored: int  # scenarios left out: an errored trial in some run
    flipped: float | None  # share of those whose majority state (pass, fail, undecided) was not the same in every run
    pass_rates: list[float | None]  # per run: passes / (passes + fails) over its trials
    pass_rate_sd: float | None  # sample standard deviation of pass_rates (ddof 1)
    detectable_drop: float | None  # smallest drop detected with power 0.8 at this suite's scenarios × trials
    trials_for_5: int | None  # trials per scenario needed to detect 5 points (None: more than MAX_TRIALS)
    trials_for_10: int | None


def _pass_rate(per_scenario: dict[str, list[bool | None]]) -> float | None:
    outcomes = [t for trials in per_scenario.values() for t in trials if t is not None]
    return sum(outcomes) / len(outcomes) if outcomes else None


def _judged(trials: list[bool | None]) -> bool:
    passes, fails, errors = counts(trials)
    return passes + fails > 0 and errors == 0


def evaluation_noise(evaluation_id: str, runs: list[dict[str, list[bool | None]]], alpha: float) -> NoiseSummary:
    """Flips, pass-rate spread and power for one evaluation; probabilities pooled over every run's trials,
    trials per scenario averaged over the runs."""
    shared = sorted(set.intersection(*(set(r) for r in runs)))
    judged = [s for s in shared if all(_judged(r[s]) for r in runs)]
    flipped = [s for s in judged if len({majority(r[s]) for r in runs}) > 1]
    rates = [_pass_rate(r) for r in runs]
    known = [r for r in rates if r is not None]
    probabilities = [smoothed_pass_probability([counts(r[s]) for r in runs]) for s in judged]
    trials = [float(np.mean([len(r[s]) for r in runs])) for s in judged]
    return NoiseSummary(
        evaluation_id=evaluation_id,
        scenarios=len(judged),
        errored=sum(any(counts(r[s])[2] for r in runs) for s in shared),
        flipped=len(flipped) / len(judged) if judged else None,
        pass_rates=rates,
        pass_rate_sd=float(np.std(known, ddof=1)) if len(known) > 1 else None,
        detectable_drop=detectable_drop(probabilities, trials, trials, alpha),
        trials_for_5=trials_needed(probabilities, 0.05, alpha),
        trials_for_10=trials_needed(probabilities, 0.10, alpha),
    )


def noise_floor(runs: list[ScenarioOutcomes], alpha: float = 0.05) -> list[NoiseSummary]:
    """Per evaluation judged in every run. Power is computed at alpha / evaluations, the threshold a single
    true change must clear under Holm (gates) and, at worst, Benjamini-Hochberg (compare)."""
    if len(runs) < 2:
        raise ValueError(f"the noise floor needs at least 2 runs of the same configuration, got {len(runs)}")
    ids = sorted(set.intersection(*(set(r) for r in runs)))
    return [evaluation_noise(e, [r[e] for r in runs], alpha / max(1, len(ids))) for e in ids]
