"""Judge-error-corrected pass rates: what the pass rate would be had humans judged every conversation, from the
judge's verdicts in the run and the human labels of that judge version (prompt hash and judge model).

Estimator (stratified by the judge's verdict, "predictive values"): with φ the share of the run's judged
conversations the judge failed, a_P the share of conversations judged pass that humans pass and a_F the share
of those judged fail that humans pass,

    corrected pass rate = (1 − φ) a_P + φ a_F.

a_P and a_F come from the labels of the evaluation's latest calibration of exactly this judge version (its
reported split): labels sampled by the judge's verdict (`sparring label`) or at random both estimate them
without bias, whatever share of fails was targeted, which a raw share of the labels would not. The 95% interval
is equal-tailed over seeded draws of φ, a_P and a_F from their Jeffreys posteriors (φ with the run's effective
sample size under scenario clustering: trials of one scenario are not independent), widened, as in calibration,
to include the draws that hold a proportion observed at 0 or 1 there. It covers the chatbot's true pass rate
(the population the run's scenarios stand for), not only this run's conversations.

Why this estimator: prediction-powered inference (mean judge rate plus the mean human − judge difference on a
random labelled subset) is unbiased only for labels drawn at random, and the labelling design oversamples judge
fails; the stratified estimator is PPI's stratified form for that design. bench/corrected_pass_rate.py measures
it against the raw judge rate and PPI. Assumption: the judge's error rates given its verdict are the same in
this run as in the labelled conversations (transportability); a run judged by another prompt or judge model has
no correction.

Units: conversations with a pass or fail verdict (errors and not-applicable left out, as in the raw rate).
`sparring.analysis.judge_calibration.calibration_summary` finds each evaluation's calibration and calls
`corrected_rate`: the one computation every report and gate reads.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from sparring.analysis.judge_calibration import CorrectedPassRate

DRAWS = 4000
PRIOR = 0.5  # Jeffreys
MIN_LABELS = 10
"""Labelled conversations the judge judged pass, and as many judged fail, below which no correction is given."""


def _beta(rng: np.random.Generator, hits: float, misses: float, draws: int, boundary: bool) -> np.ndarray:
    """Jeffreys posterior draws; with `boundary`, a proportion observed at 0 (or 1) held there."""
    if boundary and (hits == 0 or misses == 0) and hits + misses > 0:
        return np.full(draws, 1.0 if misses == 0 else 0.0)
    return rng.beta(hits + PRIOR, misses + PRIOR, draws)


def effective_fail_count(per_scenario: list[tuple[int, int]]) -> tuple[float, float]:
    """(fails, conversations) scaled to the effective sample size of the judge's fail share under scenario
    clustering: the ratio estimator's cluster variance gives n_eff = φ(1 − φ) / V, at most the conversations.
    `per_scenario`: (fails, judged trials) of each scenario."""
    fails = np.array([f for f, _ in per_scenario], dtype=float)
    sizes = np.array([m for _, m in per_scenario], dtype=float)
    total = sizes.sum()
    share = fails.sum() / total
    clusters = len(per_scenario)
    if clusters < 2 or share in (0.0, 1.0):
        return fails.sum(), total
    variance = ((fails - share * sizes) ** 2).sum() / (clusters * (clusters - 1) * sizes.mean() ** 2)
    effective = total if variance <= 0 else min(total, share * (1 - share) / variance)
    return share * effective, effective


def corrected_interval(
    per_scenario: list[tuple[int, int]], labels: dict[str, tuple[float, float]], draws: int = DRAWS, seed: int = 0
) -> tuple[float, float, float]:
    """(corrected pass rate, low, high). `per_scenario`: (judge fails, judged trials) per scenario in the run;
    `labels`: for the judge's "pass" and "fail", (human passes, human fails) among the labelled conversations."""
    fails, effective = effective_fail_count(per_scenario)
    (pass_pass, pass_fail), (fail_pass, fail_fail) = labels["pass"], labels["fail"]
    sizes = np.array([m for _, m in per_scenario], dtype=float)
    share = sum(f for f, _ in per_scenario) / sizes.sum()
    point = (1 - share) * pass_pass / (pass_pass + pass_fail) + share * fail_pass / (fail_pass + fail_fail)
    bounds = []
    for boundary in (False, True):
        rng = np.random.default_rng(seed)
        phi = _beta(rng, fails, effective - fails, draws, boundary)
        a_pass = _beta(rng, pass_pass, pass_fail, draws, boundary)
        a_fail = _beta(rng, fail_pass, fail_fail, draws, boundary)
        bounds.append(np.percentile((1 - phi) * a_pass + phi * a_fail, [2.5, 97.5]))
    return float(point), float(min(b[0] for b in bounds)), float(max(b[1] for b in bounds))


def _label_counts(report: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """From a stored calibration report: per judge verdict, (human passes, human fails) in its labelled sample."""
    c = report.get("confusion", {})
    return {
        "pass": (float(c.get("true_pass", 0)), float(c.get("missed_fail", 0))),
        "fail": (float(c.get("false_flag", 0)), float(c.get("true_fail", 0))),
    }


def corrected_rate(
    evaluation_id: str, trials: dict[str, list[bool | None]], calibration: dict[str, Any], prompt_hash: str, model: str
) -> CorrectedPassRate:
    """One evaluation's corrected pass rate from its per-scenario trials (True pass, False fail, None error) and
    the report of the calibration of its judge version."""
    per_scenario = [(t.count(False), t.count(True) + t.count(False)) for t in trials.values()]
    per_scenario = [(f, m) for f, m in per_scenario if m]
    labels = _label_counts(calibration)
    conversations = sum(m for _, m in per_scenario)
    raw = 1 - sum(f for f, _ in per_scenario) / conversations if conversations else None
    found = CorrectedPassRate(
        evaluation_id=evaluation_id,
        raw_pass_rate=raw,
        corrected=None,
        conversations=conversations,
        scenarios=len(per_scenario),
        labels={verdict: int(sum(pair)) for verdict, pair in labels.items()},
        prompt_hash=prompt_hash,
        judge_model=model,
    )
    if not conversations:
        return found.model_copy(update={"withheld": "no pass or fail verdict in the run"})
    if min(found.labels.values()) < MIN_LABELS:
        have = f"{found.labels['pass']} judged pass and {found.labels['fail']} judged fail"
        reason = f"too few labels: need ≥ {MIN_LABELS} judged pass and ≥ {MIN_LABELS} judged fail, have {have}"
        return found.model_copy(update={"withheld": reason})
    value, low, high = corrected_interval(per_scenario, labels)
    return found.model_copy(update={"corrected": value, "low": low, "high": high})


def corrected_gate_outcome(
    rate: CorrectedPassRate | None, threshold: float
) -> tuple[Literal["pass", "fail", "inconclusive"], str]:
    """A `min_pass_rate` gate with `corrected: true`: ("pass" | "fail" | "inconclusive", detail). Pass when the
    corrected rate's 95% lower bound reaches the threshold, fail when its upper bound is below it, otherwise
    inconclusive; with no corrected rate (no calibration of this judge version, or too few labels) inconclusive."""
    if rate is None:
        return "inconclusive", "no judge-error-corrected rate: no calibration of the judge version that judged the run"
    if rate.corrected is None or rate.low is None or rate.high is None:
        return "inconclusive", f"no judge-error-corrected rate: {rate.withheld}"
    shown = (
        f"corrected pass rate {rate.corrected:.1%} (95% CI {rate.low:.1%}–{rate.high:.1%}; judge's raw "
        f"{rate.raw_pass_rate or 0:.1%}; {rate.conversations} conversations, {sum(rate.labels.values())} labels)"
    )
    if rate.low >= threshold:
        return "pass", shown
    if rate.high < threshold:
        return "fail", f"{shown}: below {threshold:.0%}"
    return "inconclusive", f"inconclusive: {shown} does not show it is above or below {threshold:.0%}"
