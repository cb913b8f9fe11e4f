"""Reports over stored verdicts: pass rates, trials, comparisons, history, gates, JUnit."""

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
    "TrialSummary",
    "compare_outcomes",
    "scenario_outcomes",
    "summaries_from_counts",
    "summarize",
    "summary_table",
    "trial_summary",
]
