"""Offline vs online: an imported run (`sparring eval`, real transcripts) against a simulated run.

Scenarios extracted from real transcripts record their transcript in `source`, so a simulated scenario can
be paired with the imported conversation it came from; the paired analysis then applies unchanged. When no
scenario pairs, the runs are compared per evaluation as two independent samples: Fisher's exact test on
the decided scenarios of each run (an imported transcript is one scenario with one trial).
"""

from __future__ import annotations

import re

from sparring.analysis.hypothesis import fisher_p
from sparring.analysis.outcomes import FAIL, PASS, ScenarioOutcomes, majority
from sparring.analysis.paired_comparison import EvaluationComparison, adjust_and_decide

_EXTRACTED = re.compile(r"^transcript (?P<id>.+) \(.*\)$")


def transcript_id(source: str) -> str:
    """The transcript a scenario's `source` names: 'transcript ID (FILE)' as extraction writes it, or the
    source itself (a bare transcript id)."""
    found = _EXTRACTED.match(source.strip())
    return found.group("id") if found else source.strip()


def pair_through_sources(outcomes: ScenarioOutcomes, sources: dict[str, str]) -> ScenarioOutcomes:
    """A simulated run's outcomes keyed by the transcript each scenario came from (scenario id -> source);
    scenarios without a source keep their id."""
    return {
        e: {transcript_id(sources[s]) if s in sources else s: trials for s, trials in per_scenario.items()}
        for e, per_scenario in outcomes.items()
    }


def shares_scenarios(a: ScenarioOutcomes, b: ScenarioOutcomes) -> bool:
    """Whether any evaluation has a scenario in both runs (a paired comparison is possible)."""
    return any(set(a[e]) & set(b.get(e, {})) for e in a)


def _tally(per_scenario: dict[str, list[bool | None]]) -> tuple[int, int]:
    codes = [majority(t) for t in per_scenario.values()]
    return codes.count(PASS), codes.count(FAIL)


def unpaired_comparison(
    evaluation_id: str, left: dict[str, list[bool | None]], right: dict[str, list[bool | None]], seed: int = 0
) -> EvaluationComparison:
    """Two independent samples of decided scenarios: rates, difference and Fisher's exact p. No interval is
    reported: no unpaired CI agrees with Fisher's test in every case, and a CI that contradicts the verdict
    would be a figure better (or worse) than the truth."""
    (passes_a, fails_a), (passes_b, fails_b) = _tally(left), _tally(right)
    n_a, n_b = passes_a + fails_a, passes_b + fails_b
    known = n_a and n_b
    return EvaluationComparison(
        evaluation_id=evaluation_id,
        method="unpaired",
        shared_scenarios=n_a + n_b,
        pass_rate_a=passes_a / n_a if n_a else None,
        pass_rate_b=passes_b / n_b if n_b else None,
        difference=passes_b / n_b - passes_a / n_a if known else None,
        ci_low=None,
        ci_high=None,
        p_value=fisher_p(passes_a, fails_a, passes_b, fails_b) if known else None,
        verdict="no detectable change" if known else "not comparable",
        regressions=[],
        fixes=[],
    )


def compare_unpaired(
    a: ScenarioOutcomes, b: ScenarioOutcomes, alpha: float = 0.05, seed: int = 0
) -> list[EvaluationComparison]:
    """Per evaluation, the unpaired comparison, BH-adjusted verdicts at false discovery rate alpha."""
    ids = sorted(set(a) | set(b))
    return adjust_and_decide([unpaired_comparison(e, a.get(e, {}), b.get(e, {}), seed) for e in ids], alpha)
