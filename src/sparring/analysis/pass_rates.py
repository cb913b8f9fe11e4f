"""Pass rates per evaluation. Errors and not-applicable verdicts are counted apart, never as passes, and a
pass rate is never shown without its errored count."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel, computed_field

from sparring.data_model import EndReason, Outcome, Run, Verdict

if TYPE_CHECKING:
    from sparring.store import Store

UNITS_CAPTION = (
    "units: conversations · pass rate = pass / (pass + fail); errored and n/a conversations never count as passes "
    "and the errored ones are shown beside every rate"
)


def rate_text(passed: int, failed: int, errors: int) -> str:
    """`80% (8/10) · 9 errored`: the pass rate over pass + fail, with the errored count beside it."""
    decided = passed + failed
    rate = f"{passed / decided:.0%}" if decided else "—"
    return f"{rate} ({passed}/{decided}) · {errors} errored"


class EvaluationSummary(BaseModel):
    """Outcome counts of one evaluation (or a pool of evaluations) over a run's conversations."""

    evaluation_id: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    not_applicable: int = 0
    unstable: int = 0  # verdicts whose repeated judge samples disagreed (judge_samples > 1)
    suspect_failed: int = 0  # fail verdicts on conversations whose simulated customer failed its own checks
    suspect_passed: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def trusted_pass_rate(self) -> float | None:
        """The pass rate without the suspect conversations (simulator mistakes, not the chatbot's)."""
        passed, failed = self.passed - self.suspect_passed, self.failed - self.suspect_failed
        return passed / (passed + failed) if passed + failed else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def applicable(self) -> int:
        """Conversations with a pass or fail verdict: the pass rate's denominator."""
        return self.passed + self.failed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error_rate(self) -> float:
        """Errored verdicts among pass, fail and errored ones (0 when there are none)."""
        judged = self.applicable + self.errors
        return self.errors / judged if judged else 0.0

    def rate_text(self) -> str:
        """The pass rate with its counts and the errored count beside it."""
        return rate_text(self.passed, self.failed, self.errors)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pass_rate(self) -> float | None:
        """Over conversations with a pass or fail verdict; None when there are none."""
        return self.passed / self.applicable if self.applicable else None


_FIELD = {
    Outcome.PASS: "passed",
    Outcome.FAIL: "failed",
    Outcome.ERROR: "errors",
    Outcome.NOT_APPLICABLE: "not_applicable",
}


def suspect_conversations(verdicts: Iterable[Verdict], simulator_ids: Iterable[str]) -> set[str]:
    """Conversations where a simulator evaluation failed: their chatbot verdicts may be the simulator's fault."""
    ids = set(simulator_ids)
    return {v.conversation_id for v in verdicts if v.evaluation_id in ids and v.outcome == Outcome.FAIL}


def summarize(
    verdicts: Iterable[Verdict], order: list[str] | None = None, simulator_ids: Iterable[str] = ()
) -> list[EvaluationSummary]:
    """Counts per evaluation; with `simulator_ids`, chatbot verdicts on suspect conversations are also
    counted apart ("suspect (simulator)")."""
    verdicts = list(verdicts)
    simulator = set(simulator_ids)
    suspects = suspect_conversations(verdicts, simulator)
    counts: dict[str, EvaluationSummary] = defaultdict(lambda: EvaluationSummary(evaluation_id=""))
    for verdict in verdicts:
        summary = counts[verdict.evaluation_id]
        summary.evaluation_id = verdict.evaluation_id
        name = _FIELD[verdict.outcome]
        setattr(summary, name, getattr(summary, name) + 1)
        summary.unstable += verdict.unstable
        if verdict.conversation_id in suspects and verdict.evaluation_id not in simulator:
            summary.suspect_failed += verdict.outcome == Outcome.FAIL
            summary.suspect_passed += verdict.outcome == Outcome.PASS
    ids = order or sorted(counts)
    return [counts[i] if i in counts else EvaluationSummary(evaluation_id=i) for i in ids]


def summaries_from_counts(counts: dict[str, dict[str, int]], order: list[str] | None = None) -> list[EvaluationSummary]:
    """Summaries from database counts (evaluation -> outcome -> n), for pages over large runs."""
    ids = order or sorted(counts)
    return [
        EvaluationSummary(
            evaluation_id=i,
            passed=counts.get(i, {}).get(Outcome.PASS.value, 0),
            failed=counts.get(i, {}).get(Outcome.FAIL.value, 0),
            errors=counts.get(i, {}).get(Outcome.ERROR.value, 0),
            not_applicable=counts.get(i, {}).get(Outcome.NOT_APPLICABLE.value, 0),
        )
        for i in ids
    ]


def run_summaries(store: Store, run: Run, order: list[str] | None = None) -> list[EvaluationSummary]:
    """A stored run's summaries, aggregated by the database in one pass: no verdict is loaded as an object, so
    the end of a run and `report` stay small on runs of any size. `order` defaults to the run's evaluations."""
    simulator = set(run.simulator_evaluation_ids)
    counts: dict[str, EvaluationSummary] = {}
    for row in store.outcome_counts(run.id, run.simulator_evaluation_ids):
        summary = counts.setdefault(row.evaluation_id, EvaluationSummary(evaluation_id=row.evaluation_id))
        name = _FIELD[Outcome(row.outcome)]
        setattr(summary, name, getattr(summary, name) + row.n)
        summary.unstable += row.unstable
        if row.suspect and row.evaluation_id not in simulator:
            summary.suspect_failed += row.n if row.outcome == Outcome.FAIL.value else 0
            summary.suspect_passed += row.n if row.outcome == Outcome.PASS.value else 0
    ids = order or run.evaluation_ids or sorted(counts)
    return [counts.get(i, EvaluationSummary(evaluation_id=i)) for i in ids]


class RunTotals(BaseModel):
    """A run's headline: the chatbot's evaluations pooled, the simulator's own checks apart (never pooled),
    and how many conversations errored."""

    chatbot: EvaluationSummary
    simulator: EvaluationSummary | None
    conversations: int
    errored_conversations: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conversation_error_rate(self) -> float:
        """Share of conversations that ended in an error (0 when there are none)."""
        return self.errored_conversations / self.conversations if self.conversations else 0.0


def pool(summaries: Iterable[EvaluationSummary], name: str) -> EvaluationSummary:
    """Counts of several evaluations added up (units: verdicts, one per conversation and evaluation)."""
    total = EvaluationSummary(evaluation_id=name)
    for s in summaries:
        for field in ("passed", "failed", "errors", "not_applicable", "unstable", "suspect_failed", "suspect_passed"):
            setattr(total, field, getattr(total, field) + getattr(s, field))
    return total


def run_totals(
    summaries: list[EvaluationSummary], simulator_ids: Iterable[str], end_counts: dict[str, int]
) -> RunTotals:
    """The headline from per-evaluation summaries and conversation counts by end reason."""
    simulator = set(simulator_ids)
    return RunTotals(
        chatbot=pool((s for s in summaries if s.evaluation_id not in simulator), "chatbot"),
        simulator=pool((s for s in summaries if s.evaluation_id in simulator), "simulator") if simulator else None,
        conversations=sum(end_counts.values()),
        errored_conversations=end_counts.get(EndReason.ERROR.value, 0),
    )


def totals_text(totals: RunTotals) -> str:
    """One line: the chatbot's pooled pass rate, the simulator's apart, errored conversations."""
    parts = [f"chatbot pass rate {totals.chatbot.rate_text()} (verdicts over its evaluations)"]
    if totals.simulator is not None:
        parts.append(f"simulator's own checks {totals.simulator.rate_text()} (apart, not pooled)")
    parts.append(f"{totals.conversations} conversations, {totals.errored_conversations} errored")
    return " · ".join(parts)
