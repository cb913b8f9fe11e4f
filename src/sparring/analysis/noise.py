"""The noise floor: what changes between runs of an unchanged configuration, and what a suite can detect; which
runs only replayed the cache (they measure the cache, not noise); and the variance of a judged trial split into
judge, conversation and scenario."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from sparring.analysis.outcomes import ScenarioOutcomes, counts, majority, smoothed_pass_probability
from sparring.analysis.power import detectable_drop, trials_needed
from sparring.data_model import Outcome, Run, TokenUsage


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


REPLAY_SHARE = 0.5
"""Share of a run's calls answered from the cache at or above which its outcomes are a replay, not a sample."""


def replayed(run: Run) -> str | None:
    """Why the run measures the cache rather than noise, or None: a simulated run whose simulator and agent calls
    were mostly answered from the cache replayed earlier conversations; a rejudge whose judge calls were replayed
    earlier verdicts."""
    roles = ("judge",) if run.rejudged_from else ("simulator", "agent")
    usage = [run.usage.get(role, TokenUsage()) for role in roles]
    cached = sum(u.cached_calls for u in usage)
    total = cached + sum(u.calls for u in usage)
    if total and cached / total >= REPLAY_SHARE:
        return f"replayed the cache: {cached} of {total} {' and '.join(roles)} calls answered from it"
    return None


class VarianceSplit(BaseModel):
    """The variance of one judged trial's outcome (pass 1, fail 0) split into its sources, method of moments:
    judge (the same conversation judged again: rejudge replicates), conversation (another trial or run of the same
    scenario, judge noise taken out) and scenario (between scenarios). Units: outcome variance per judged trial;
    the SD in points is 100 × its square root."""

    evaluation_id: str
    scenarios: int
    conversations: int = Field(description="conversations with a pass or fail verdict, over the fresh runs")
    judged_again: int = Field(description="conversations with at least two verdicts (original and rejudges)")
    judge: float | None = Field(description="None: no rejudge replicate to measure it")
    conversation: float | None = Field(description="includes the judge's share when that is None")
    scenario: float | None


def _pooled_within(groups: list[list[float]]) -> float | None:
    """Σ (x − group mean)² / Σ (size − 1) over groups of two or more; None when there are none."""
    used = [np.asarray(g) for g in groups if len(g) > 1]
    if not used:
        return None
    return float(sum(((g - g.mean()) ** 2).sum() for g in used) / sum(len(g) - 1 for g in used))


def variance_split(evaluation_id: str, judgments: dict[tuple[str, str, int], list[bool]]) -> VarianceSplit:
    """`judgments`: per conversation (fresh run, scenario, trial) its verdicts, the original first, then each
    rejudge's (pass True, fail False; errors left out). Judge = pooled within-conversation variance; conversation =
    pooled within-scenario variance of first verdicts minus judge; scenario = variance of scenario means minus
    the within-scenario variance over the mean conversations per scenario (each floored at 0)."""
    judged = {key: [float(v) for v in values] for key, values in judgments.items() if values}
    judge = _pooled_within(list(judged.values()))
    by_scenario: dict[str, list[float]] = {}
    for (_run, scenario, _trial), values in judged.items():
        by_scenario.setdefault(scenario, []).append(values[0])
    within = _pooled_within(list(by_scenario.values()))
    conversation = None if within is None else max(within - (judge or 0.0), 0.0)
    between = None
    if len(by_scenario) > 1 and within is not None:
        means = np.array([np.mean(v) for v in by_scenario.values()])
        per_scenario = len(judged) / len(by_scenario)
        between = max(float(means.var(ddof=1)) - within / per_scenario, 0.0)
    return VarianceSplit(
        evaluation_id=evaluation_id,
        scenarios=len(by_scenario),
        conversations=len(judged),
        judged_again=sum(len(v) > 1 for v in judged.values()),
        judge=judge,
        conversation=conversation,
        scenario=between,
    )


Rows = list[tuple[str, int, str, str]]
"""A run's (scenario, trial, evaluation id, outcome) rows (`Store.scenario_outcome_rows`)."""


def collect_judgments(
    fresh: dict[str, Rows], rejudges: list[tuple[str, Rows]]
) -> dict[str, dict[tuple[str, str, int], list[bool]]]:
    """Per evaluation, each conversation's verdicts, its own first: `fresh` maps each simulated run's id to its
    rows; `rejudges` pairs each rejudge run's original (one of `fresh`) with its rows."""
    found: dict[str, dict[tuple[str, str, int], list[bool]]] = {}
    for run_id, rows in [*fresh.items(), *rejudges]:
        for scenario, trial, evaluation_id, outcome in rows:
            if outcome in (Outcome.PASS, Outcome.FAIL):
                key = (run_id, scenario, trial)
                found.setdefault(evaluation_id, {}).setdefault(key, []).append(outcome == Outcome.PASS)
    return found
