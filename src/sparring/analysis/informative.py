"""Are a run's figures informative? Not when its judge is a packaged plumbing model (the embedded SmolLM2-135M:
it answers, but its verdicts say nothing about the chatbot), when its LLM judges mostly did not answer (n/a or
errored on more than half of the conversations they were asked about), or when its simulated customer mostly
opened off topic (the `sim_opened_on_topic` check failed on more than half of the conversations it decided): the
report then leads with one line saying why, and the gate refuses to pass. Computed once here; the CLI and the
viewer only render it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select

from sparring.analysis.pass_rates import EvaluationSummary
from sparring.data_model import LEGACY_CHECK_PREFIX, Outcome, Run
from sparring.models import PACKAGED_MODELS
from sparring.store import VerdictRow

if TYPE_CHECKING:
    from sparring.store import Store

OPENING_CHECK = "sim_opened_on_topic"
UNINFORMATIVE_GATE = "informative: a real judge that answers, and a customer that opens on topic in most conversations"
PLUMBING_MODELS = frozenset(f"local:{name}" for name in PACKAGED_MODELS)  # prove the plumbing, judge nothing


def unanswered_counts(store: Store, run_id: str, evaluation_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per LLM judge among `evaluation_ids`: its n/a answers and its unreadable answers (errored verdicts), counted
    by the database over the verdicts that name the judge model it asked. A verdict reached without asking (an n/a
    by the scenario's tags, an errored conversation, an evaluation that raised) names no model and is left out; a
    check's verdict names its function instead. The run, evaluation and outcome terms let the verdicts' count
    index pick the n/a and errored rows alone; only those rows are read."""
    asked_judge = and_(
        VerdictRow.judge_model.is_not(None),
        VerdictRow.check_name.is_(None),
        # a check's verdict of the old form named its function as its judge model ("check:<function>")
        VerdictRow.judge_model.not_like(f"{LEGACY_CHECK_PREFIX}%"),
    )
    query = (
        select(VerdictRow.evaluation_id, VerdictRow.outcome, func.count())
        .where(VerdictRow.run_id == run_id, VerdictRow.evaluation_id.in_(evaluation_ids))
        .where(VerdictRow.outcome.in_([Outcome.ERROR.value, Outcome.NOT_APPLICABLE.value]), asked_judge)
        .group_by(VerdictRow.evaluation_id, VerdictRow.outcome)
    )
    counts: dict[str, dict[str, int]] = {}
    with store.engine.connect() as connection:
        for evaluation_id, outcome, n in connection.execute(query):
            counts.setdefault(evaluation_id, {})[outcome] = int(n)
    return counts


def _judge_reason(summary: EvaluationSummary, unanswered: dict[str, int]) -> str | None:
    """'judge X answered n/a on 3 of 3 conversations' when it did not answer on more than half of those it was
    asked about."""
    na, errors = unanswered.get(Outcome.NOT_APPLICABLE.value, 0), unanswered.get(Outcome.ERROR.value, 0)
    asked = summary.applicable + na + errors
    if 2 * (na + errors) <= asked:
        return None
    what = (
        "answered n/a"
        if not errors
        else "errored"
        if not na
        else f"answered n/a or errored ({na} n/a, {errors} errored)"
    )
    return f"judge {summary.evaluation_id} {what} on {na + errors} of {asked} conversations"


def _opening_reason(summary: EvaluationSummary) -> str | None:
    decided = summary.applicable + summary.errors
    if 2 * summary.failed <= decided:
        return None
    return f"the simulated customer opened off topic in {summary.failed} of {decided} conversations"


def uninformative(store: Store, run: Run, summaries: list[EvaluationSummary]) -> list[str]:
    """Why the run's figures are not informative (its judge model, then one reason per judge that mostly did not
    answer, then the customer's opening); empty when they are. `summaries`: the run's per-evaluation counts
    (`run_summaries`)."""
    reasons: list[str | None] = [_plumbing_reason(run.settings.judge)]
    unanswered = unanswered_counts(store, run.id, [s.evaluation_id for s in summaries])
    reasons += [_judge_reason(s, unanswered[s.evaluation_id]) for s in summaries if s.evaluation_id in unanswered]
    reasons += [_opening_reason(s) for s in summaries if s.evaluation_id == OPENING_CHECK]
    return [r for r in reasons if r]


def _plumbing_reason(judge: str) -> str | None:
    if judge not in PLUMBING_MODELS:
        return None
    return f"the judge is the embedded {judge}, a 135M model that proves the plumbing and judges nothing"


def uninformative_line(reasons: list[str]) -> str | None:
    """The one line a report leads with when its figures are not informative (None when they are)."""
    return f"The figures below are not informative: {'; '.join(reasons)}." if reasons else None
