"""Reports over stored verdicts."""

from sparring.analysis.report import EvaluationSummary, summarize, summary_table

__all__ = ["EvaluationSummary", "summarize", "summary_table"]
