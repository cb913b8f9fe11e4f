"""Reports over stored verdicts: pass rates, trials, comparisons, noise floor, history, gates, JUnit.

Names are imported from their modules on first use (module `__getattr__`), so a command that needs only pass
rates (`sparring report`, `runs`) does not load scipy through the statistics modules."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.analysis.judge_calibration import calibration_warnings
    from sparring.analysis.noise import NoiseSummary, noise_floor
    from sparring.analysis.online import compare_unpaired, pair_through_sources, shares_scenarios
    from sparring.analysis.paired_comparison import (
        EvaluationComparison,
        TrialSummary,
        compare_outcomes,
        scenario_outcomes,
        trial_summary,
    )
    from sparring.analysis.pass_rates import EvaluationSummary, summaries_from_counts, summarize

_HOMES = {
    "sparring.analysis.judge_calibration": ("calibration_warnings",),
    "sparring.analysis.noise": ("NoiseSummary", "noise_floor"),
    "sparring.analysis.online": ("compare_unpaired", "pair_through_sources", "shares_scenarios"),
    "sparring.analysis.pass_rates": ("EvaluationSummary", "summaries_from_counts", "summarize"),
    "sparring.analysis.paired_comparison": (
        "EvaluationComparison",
        "TrialSummary",
        "compare_outcomes",
        "scenario_outcomes",
        "trial_summary",
    ),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "EvaluationComparison",
    "EvaluationSummary",
    "NoiseSummary",
    "TrialSummary",
    "calibration_warnings",
    "compare_outcomes",
    "compare_unpaired",
    "noise_floor",
    "pair_through_sources",
    "scenario_outcomes",
    "shares_scenarios",
    "summaries_from_counts",
    "summarize",
    "trial_summary",
]


def __getattr__(name: str) -> Any:
    """Imports a public name from its module on first use (and keeps it, so the next use is free)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'sparring.analysis' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
