"""`sparring noise`: the noise floor of runs of one configuration that really re-sampled (runs that replayed the
cache are left out, by name), the variance of a judged trial split into judge, conversation and scenario, and,
with a margin, the designs (scenarios × trials × judge samples) that detect it at power 0.8 with their cost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sparring.analysis.compare_report import NoiseReport
from sparring.analysis.noise import Rows, VarianceSplit, collect_judgments, noise_floor, replayed, variance_split
from sparring.analysis.outcomes import scenario_outcomes
from sparring.analysis.power import CostPerConversation, PlanRow, plan
from sparring.analysis.run_reports import RunInfo
from sparring.data_model import Run

if TYPE_CHECKING:
    from sparring.store import Store


class NoiseAnalysis(NoiseReport):
    """`sparring noise RUN RUN... --json`: the noise floor over the runs that re-sampled, what was left out and why,
    the variance split, and, with `--plan`, the designs that detect the margin."""

    left_out: dict[str, str] = Field(default_factory=dict, description="run id -> why it was not used")
    rejudges: list[RunInfo] = Field(default_factory=list, description="rejudge runs: the judge's replicates")
    variance: list[VarianceSplit] = Field(default_factory=list)
    margin: float | None = Field(None, description="the drop to detect (a proportion), with --plan")
    cost_per_conversation: CostPerConversation | None = None
    plans: dict[str, list[PlanRow]] = Field(default_factory=dict, description="per evaluation, cheapest first")


def _cost(runs: list[Run], rows: dict[str, Rows]) -> CostPerConversation | None:
    """The measured cost of one conversation and of judging it once, from the runs' priced usage; None unpriced."""
    conversations = sum(len({(s, t) for s, t, _e, _o in rows[r.id]}) for r in runs)
    priced = [r for r in runs if r.cost_usd]
    if not conversations or len(priced) < len(runs):
        return None
    talk = sum(r.cost_usd.get("simulator", 0.0) + r.cost_usd.get("agent", 0.0) for r in runs)
    judging = sum(r.cost_usd.get("judge", 0.0) for r in runs)
    return CostPerConversation(conversation_usd=talk / conversations, judging_usd=judging / conversations)


def noise_analysis(store: Store, runs: list[Run], alpha: float, margin: float | None = None) -> NoiseAnalysis:
    """The noise of `runs` (one suite's): simulated runs that re-sampled make the floor; rejudges of them give the
    judge's replicates; runs that replayed the cache, and rejudges of runs not given, are left out and named.
    ValueError when fewer than two simulated runs re-sampled."""
    left_out = {r.id: why for r in runs if (why := replayed(r))}
    fresh = [r for r in runs if not r.rejudged_from and r.id not in left_out]
    fresh_ids = {r.id for r in fresh}
    for r in runs:
        if r.rejudged_from and r.id not in left_out and r.rejudged_from not in fresh_ids:
            left_out[r.id] = f"a rejudge of {r.rejudged_from}, which is not among the runs used"
    rejudges = [r for r in runs if r.rejudged_from and r.id not in left_out]
    if len(fresh) < 2:
        why = "; ".join(f"{run_id}: {reason}" for run_id, reason in left_out.items()) or "none left out"
        raise ValueError(f"noise needs at least 2 simulated runs that re-sampled, got {len(fresh)} ({why})")
    rows = {r.id: store.scenario_outcome_rows(r.id) for r in [*fresh, *rejudges]}
    judgments = collect_judgments(
        {r.id: rows[r.id] for r in fresh}, [(r.rejudged_from or "", rows[r.id]) for r in rejudges]
    )
    floor = noise_floor([scenario_outcomes(rows[r.id]) for r in fresh], alpha)
    split = [variance_split(e, judgments[e]) for e in sorted(judgments) if e in {s.evaluation_id for s in floor}]
    cost = _cost(fresh, rows)
    plans = {}
    if margin is not None:
        available = max(len(r.scenario_ids) for r in fresh)
        tested = alpha / max(1, len(split))
        rates = {f.evaluation_id: [r for r in f.pass_rates if r is not None] for f in floor}
        for s in split:
            if s.conversation is not None and rates.get(s.evaluation_id):
                rate = sum(rates[s.evaluation_id]) / len(rates[s.evaluation_id])
                plans[s.evaluation_id] = plan(s.conversation, s.judge or 0.0, rate, margin, tested, available, cost)
    return NoiseAnalysis(
        suite=fresh[0].suite,
        runs=[RunInfo.of(r) for r in fresh],
        alpha=alpha,
        evaluations=floor,
        left_out=left_out,
        rejudges=[RunInfo.of(r) for r in rejudges],
        variance=split,
        margin=margin,
        cost_per_conversation=cost,
        plans=plans,
    )
