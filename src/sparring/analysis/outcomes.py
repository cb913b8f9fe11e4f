"""Per-scenario outcomes: the unit every comparison, noise figure and power estimate works on.

A scenario's value in a run is its pass fraction: passes / (passes + fails) over its trials (what the
paired comparison tests). Its displayed state is the strict majority of its trials: "pass" when passes are
more than half of its trials, "fail" when fails are, otherwise "undecided" (a tie) or "errored" (no
majority because some trials errored: an errored trial is not known to pass, so it never counts as a pass
nor as a fail).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sparring.data_model import Outcome

# evaluation id -> scenario id -> its trials: True = pass, False = fail, None = error (not-applicable left out)
ScenarioOutcomes = dict[str, dict[str, list[bool | None]]]
# evaluation id -> scenario id -> how many of its trials the evaluation did not apply to (n/a verdicts)
NotApplicable = dict[str, dict[str, int]]

PASS, FAIL, UNDECIDED, ERRORED = 1, 0, -1, -2
"""Codes of a scenario's majority outcome (see majority_code)."""
STATES = {PASS: "pass", FAIL: "fail", UNDECIDED: "undecided", ERRORED: "errored"}
"""The name each majority code is displayed with."""


_TRIAL_VALUES: dict[str, bool | None] = {Outcome.PASS: True, Outcome.FAIL: False, Outcome.ERROR: None}
"""A judged trial's value in `ScenarioOutcomes`, by its outcome (n/a has none)."""


def scenario_outcomes(rows: Iterable[tuple[str, int, str, str]]) -> ScenarioOutcomes:
    """Group (scenario, trial, evaluation id, outcome) rows: pass/fail as booleans, errors as None;
    not-applicable verdicts are left out (the evaluation did not apply to that conversation)."""
    grouped: ScenarioOutcomes = defaultdict(lambda: defaultdict(list))
    for scenario_id, _trial, evaluation_id, outcome in rows:
        if outcome in _TRIAL_VALUES:
            grouped[evaluation_id][scenario_id].append(_TRIAL_VALUES[outcome])
    return {e: dict(s) for e, s in grouped.items()}


def not_applicable_trials(rows: Iterable[tuple[str, int, str, str]]) -> NotApplicable:
    """The n/a verdicts `scenario_outcomes` leaves out, counted per evaluation and scenario: a comparison needs
    them to see an evaluation start or stop applying (n/a → fail, pass → n/a)."""
    grouped: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for scenario_id, _trial, evaluation_id, outcome in rows:
        if outcome == Outcome.NOT_APPLICABLE:
            grouped[evaluation_id][scenario_id] += 1
    return {e: dict(s) for e, s in grouped.items()}


Tally = tuple[int, int, int]
"""(passes, fails, errors) of one scenario's trials."""


def counts(trials: list[bool | None]) -> Tally:
    """(passes, fails, errors) of one scenario's trials."""
    passes = trials.count(True)
    errors = trials.count(None)
    return passes, len(trials) - passes - errors, errors


def majority_code(tally: Tally) -> int:
    """PASS, FAIL, UNDECIDED or ERRORED from trial counts: strictly more than half of all trials."""
    passes, fails, errors = tally
    total = passes + fails + errors
    if 2 * passes > total:
        return PASS
    if 2 * fails > total:
        return FAIL
    return ERRORED if errors else UNDECIDED


def majority(trials: list[bool | None]) -> int:
    """The majority code of one scenario's trials."""
    return majority_code(counts(trials))


def smoothed_pass_probability(tallies: list[Tally]) -> float:
    """A scenario's per-trial pass probability over the trials of one or more runs, under a Jeffreys prior:
    (passes + 1/2) / (passes + fails + 1), never exactly 0 or 1, so one or two trials do not make a
    scenario look deterministic."""
    passes = fails = 0
    for tally in tallies:
        passes += tally[0]
        fails += tally[1]
    return (passes + 0.5) / (passes + fails + 1)


def pass_fraction(tally: Tally) -> float | None:
    """passes / (passes + fails); None when no trial passed or failed."""
    passes, fails, _ = tally
    return passes / (passes + fails) if passes + fails else None


def describe(tally: Tally, not_applicable: int = 0) -> str:
    """A scenario's trials for display: '2/3 pass' (passes / judged trials, majority state), errors and n/a
    trials named; 'n/a' when the evaluation applied to none of them."""
    passes, fails, errors = tally
    if not passes + fails + errors:
        return "n/a" if not_applicable else "—"
    shown = f"{passes}/{passes + fails} {STATES[majority_code(tally)]}"
    shown = f"{shown} · {errors} errored" if errors else shown
    return f"{shown} · {not_applicable} n/a" if not_applicable else shown
