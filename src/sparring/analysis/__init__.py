"""Reports over stored verdicts: pass rates, trials, comparisons, noise floor, history, gates, JUnit.

Names are imported from their modules on first use (module `__getattr__`), so a command that needs only pass
rates (`sparring report`, `runs`) does not load scipy through the statistics modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.exports import lazy_attributes

if TYPE_CHECKING:
    from sparring.analysis.catalog import evaluation_catalog as evaluation_catalog
    from sparring.analysis.compare_report import compare_runs as compare_runs
    from sparring.analysis.compare_report import comparison_view as comparison_view
    from sparring.analysis.compare_report import scenario_groups as scenario_groups
    from sparring.analysis.compare_report import scenario_sources as scenario_sources
    from sparring.analysis.conversation_page import conversation_run as conversation_run
    from sparring.analysis.conversation_page import same_scenario_elsewhere as same_scenario_elsewhere
    from sparring.analysis.conversation_page import side_by_side as side_by_side
    from sparring.analysis.decision import RunDecision as RunDecision
    from sparring.analysis.decision import run_decision as run_decision
    from sparring.analysis.drilldown import OUTCOMES as OUTCOMES
    from sparring.analysis.drilldown import SORT_KEYS as SORT_KEYS
    from sparring.analysis.drilldown import Filters as Filters
    from sparring.analysis.drilldown import OutcomeFilter as OutcomeFilter
    from sparring.analysis.drilldown import SortKey as SortKey
    from sparring.analysis.fidelity import RealismReport as RealismReport
    from sparring.analysis.fidelity import online_comparison as online_comparison
    from sparring.analysis.fidelity import plot_distributions as plot_distributions
    from sparring.analysis.fidelity import realism as realism
    from sparring.analysis.gate import GateReport as GateReport
    from sparring.analysis.gate import GateResult as GateResult
    from sparring.analysis.gate import RunCommandReport as RunCommandReport
    from sparring.analysis.history import EvaluationHistory as EvaluationHistory
    from sparring.analysis.history import HistoryReport as HistoryReport
    from sparring.analysis.history import evaluation_histories as evaluation_histories
    from sparring.analysis.history import history_agents as history_agents
    from sparring.analysis.history import history_report as history_report
    from sparring.analysis.history import plot_history as plot_history
    from sparring.analysis.informative import uninformative_line as uninformative_line
    from sparring.analysis.judge_calibration import DEFAULT_MIN_KAPPA as DEFAULT_MIN_KAPPA
    from sparring.analysis.judge_calibration import CalibrationSummary as CalibrationSummary
    from sparring.analysis.judge_calibration import calibration_warnings as calibration_warnings
    from sparring.analysis.junit import write_junit as write_junit
    from sparring.analysis.noise import NoiseSummary as NoiseSummary
    from sparring.analysis.noise import VarianceSplit as VarianceSplit
    from sparring.analysis.noise import noise_floor as noise_floor
    from sparring.analysis.noise_plan import NoiseAnalysis as NoiseAnalysis
    from sparring.analysis.noise_plan import noise_analysis as noise_analysis
    from sparring.analysis.online import compare_unpaired as compare_unpaired
    from sparring.analysis.online import pair_through_sources as pair_through_sources
    from sparring.analysis.online import shares_scenarios as shares_scenarios
    from sparring.analysis.paired_comparison import CI_LABEL as CI_LABEL
    from sparring.analysis.paired_comparison import DEFAULT_MARGIN as DEFAULT_MARGIN
    from sparring.analysis.paired_comparison import EvaluationComparison as EvaluationComparison
    from sparring.analysis.paired_comparison import TrialSummary as TrialSummary
    from sparring.analysis.paired_comparison import compare_outcomes as compare_outcomes
    from sparring.analysis.paired_comparison import scenario_outcomes as scenario_outcomes
    from sparring.analysis.paired_comparison import trial_summary as trial_summary
    from sparring.analysis.pass_k import TrialFigures as TrialFigures
    from sparring.analysis.pass_rates import UNITS_CAPTION as UNITS_CAPTION
    from sparring.analysis.pass_rates import EvaluationSummary as EvaluationSummary
    from sparring.analysis.pass_rates import run_summaries as run_summaries
    from sparring.analysis.pass_rates import summaries_from_counts as summaries_from_counts
    from sparring.analysis.pass_rates import summarize as summarize
    from sparring.analysis.pass_rates import totals_text as totals_text
    from sparring.analysis.power import MAX_TRIALS as MAX_TRIALS
    from sparring.analysis.run_page import RunOverview as RunOverview
    from sparring.analysis.run_page import build_run_page as build_run_page
    from sparring.analysis.run_page import run_overview as run_overview
    from sparring.analysis.run_reports import JSON_SCHEMA_VERSION as JSON_SCHEMA_VERSION
    from sparring.analysis.run_reports import RunReport as RunReport
    from sparring.analysis.run_reports import RunsReport as RunsReport
    from sparring.analysis.run_reports import conversation_id as conversation_id
    from sparring.analysis.run_reports import list_runs as list_runs
    from sparring.analysis.run_reports import run_report as run_report


__all__ = [
    "CI_LABEL",
    "CalibrationSummary",
    "DEFAULT_MARGIN",
    "DEFAULT_MIN_KAPPA",
    "EvaluationComparison",
    "EvaluationHistory",
    "EvaluationSummary",
    "Filters",
    "GateReport",
    "GateResult",
    "HistoryReport",
    "JSON_SCHEMA_VERSION",
    "MAX_TRIALS",
    "NoiseAnalysis",
    "NoiseSummary",
    "OUTCOMES",
    "OutcomeFilter",
    "RealismReport",
    "RunCommandReport",
    "RunDecision",
    "RunOverview",
    "RunReport",
    "RunsReport",
    "SORT_KEYS",
    "SortKey",
    "TrialFigures",
    "TrialSummary",
    "UNITS_CAPTION",
    "VarianceSplit",
    "calibration_warnings",
    "compare_outcomes",
    "compare_runs",
    "compare_unpaired",
    "comparison_view",
    "conversation_id",
    "conversation_run",
    "evaluation_catalog",
    "evaluation_histories",
    "history_agents",
    "history_report",
    "list_runs",
    "noise_analysis",
    "noise_floor",
    "online_comparison",
    "pair_through_sources",
    "plot_distributions",
    "plot_history",
    "realism",
    "run_decision",
    "run_overview",
    "build_run_page",
    "run_report",
    "run_summaries",
    "same_scenario_elsewhere",
    "scenario_groups",
    "scenario_outcomes",
    "scenario_sources",
    "shares_scenarios",
    "side_by_side",
    "summaries_from_counts",
    "summarize",
    "totals_text",
    "trial_summary",
    "uninformative_line",
    "write_junit",
]

__getattr__, __dir__ = lazy_attributes(__name__, __file__)
