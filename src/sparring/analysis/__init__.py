"""Reports over stored verdicts: pass rates, trials, comparisons, noise floor, history, gates, JUnit."""

from sparring.analysis.noise import NoiseSummary, noise_floor
from sparring.analysis.online import compare_unpaired, pair_through_sources, shares_scenarios
from sparring.analysis.report import EvaluationSummary, summaries_from_counts, summarize, summary_table
from sparring.analysis.statistics import (
    EvaluationComparison,
    TrialSummary,
    compare_outcomes,
    scenario_outcomes,
    trial_summary,
)

__all__ = [
    "EvaluationComparison",
    "EvaluationSummary",
    "NoiseSummary",
    "TrialSummary",
    "compare_outcomes",
    "compare_unpaired",
    "noise_floor",
    "pair_through_sources",
    "scenario_outcomes",
    "shares_scenarios",
    "summaries_from_counts",
    "summarize",
    "summary_table",
    "trial_summary",
]
