"""Aggregates the reports need, counted by the database so that large runs stay fast."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sqlalchemy import Row, Select, func, literal, select

from sparring.data_model import Outcome
from sparring.store.base import StoreBase
from sparring.store.tables import ConversationRow, RunRow, VerdictRow


class OutcomeCount(NamedTuple):
    """Verdicts of one evaluation with one outcome, on suspect conversations or not."""

    evaluation_id: str
    outcome: str
    suspect: bool
    unstable: int
    n: int


class ReportQueries(StoreBase):
    """Counts and narrow projections over runs and verdicts."""

    def verdict_counts(self, run_ids: list[str]) -> dict[str, dict[str, dict[str, int]]]:
        """run id -> evaluation id -> outcome -> count, counted by the database (fast on large runs)."""
        counts: dict[str, dict[str, dict[str, int]]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return counts
        with self._session() as session:
            query = (
                select(VerdictRow.run_id, VerdictRow.evaluation_id, VerdictRow.outcome, func.count())
                .where(VerdictRow.run_id.in_(run_ids))
                .group_by(VerdictRow.run_id, VerdictRow.evaluation_id, VerdictRow.outcome)
            )
            for run_id, evaluation_id, outcome, n in session.execute(query):
                counts[run_id].setdefault(evaluation_id, {})[outcome] = n
        return counts

    def suspect_counts(self, run_id: str, simulator_ids: list[str]) -> tuple[set[str], dict[str, dict[str, int]]]:
        """Conversations where a simulator evaluation failed, and per other evaluation the outcome counts on
        them (for "suspect (simulator)" columns), counted by the database."""
        if not simulator_ids:
            return set(), {}
        with self._session() as session:
            suspects = set(session.scalars(_suspect_ids(run_id, simulator_ids)))
        return suspects, self.suspect_outcome_counts(run_id, simulator_ids)

    def suspect_outcome_counts(self, run_id: str, simulator_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per chatbot evaluation, outcome counts on the conversations where a simulator evaluation failed."""
        counts: dict[str, dict[str, int]] = {}
        if simulator_ids:
            query = _on_suspects(run_id, simulator_ids).where(VerdictRow.evaluation_id.not_in(simulator_ids))
            with self._session() as session:
                for evaluation_id, outcome, n in session.execute(query):
                    counts.setdefault(evaluation_id, {})[outcome] = int(n)
        return counts

    def outcome_counts(self, run_id: str, simulator_ids: list[str]) -> list[OutcomeCount]:
        """Per evaluation, outcome and suspect flag (a simulator evaluation failed on the conversation): verdicts
        and unstable ones among them. Three narrow queries the verdicts indexes serve, none reading every row:
        counts (index only), the same on suspect conversations (through their ids), and unstable verdicts among
        the rows that carry judge samples (the partial index)."""
        totals = select(VerdictRow.evaluation_id, VerdictRow.outcome, func.count()).where(VerdictRow.run_id == run_id)
        with self._session() as session:
            counts = _by_outcome(session.execute(totals.group_by(VerdictRow.evaluation_id, VerdictRow.outcome)))
            suspect = _by_outcome(session.execute(_on_suspects(run_id, simulator_ids))) if simulator_ids else {}
            unstable = {(e, o, bool(f)): int(n) for e, o, f, n in session.execute(_unstable(run_id, simulator_ids))}
        return _split_by_suspect(counts, suspect, unstable)

    def error_verdicts(self, run_id: str, limit: int) -> list[tuple[str, str, str]]:
        """The run's first `limit` error verdicts as (conversation id, evaluation id, reasoning), read by the
        database: listing a few never loads a large run's verdicts."""
        query = (
            select(VerdictRow.conversation_id, VerdictRow.evaluation_id, VerdictRow.reasoning)
            .where(VerdictRow.run_id == run_id, VerdictRow.outcome == Outcome.ERROR.value)
            .order_by(VerdictRow.id)
            .limit(limit)
        )
        with self._session() as session:
            return [(c, e, r) for c, e, r in session.execute(query)]

    def conversation_end_counts(self, run_ids: list[str]) -> dict[str, dict[str, int]]:
        """run id -> end reason ("unfinished" when none) -> number of conversations, counted by the database."""
        counts: dict[str, dict[str, int]] = {run_id: {} for run_id in run_ids}
        query = (
            select(ConversationRow.run_id, ConversationRow.end_reason, func.count())
            .where(ConversationRow.run_id.in_(run_ids))
            .group_by(ConversationRow.run_id, ConversationRow.end_reason)
        )
        with self._session() as session:
            for run_id, end_reason, n in session.execute(query):
                counts[run_id][end_reason or "unfinished"] = int(n)
        return counts

    def flagged_conversation_ids(self, run_id: str) -> Iterator[str]:
        """Conversations of a run with a fail or error verdict, in id order, streamed from the database."""
        query = (
            select(VerdictRow.conversation_id)
            .where(VerdictRow.run_id == run_id, VerdictRow.outcome.in_([Outcome.FAIL.value, Outcome.ERROR.value]))
            .distinct()
            .order_by(VerdictRow.conversation_id)
            .execution_options(yield_per=1000)
        )
        with self._session() as session:
            yield from session.scalars(query)

    def flagged_conversations(self, run_id: str, limit: int = 50, offset: int = 0) -> tuple[list[tuple[str, int]], int]:
        """Conversations of a run with a fail or error verdict, most flagged first: [(id, count)], total."""
        flagged = VerdictRow.outcome.in_([Outcome.FAIL.value, Outcome.ERROR.value])
        with self._session() as session:
            total = session.scalar(
                select(func.count(func.distinct(VerdictRow.conversation_id))).where(
                    VerdictRow.run_id == run_id, flagged
                )
            )
            query = (
                select(VerdictRow.conversation_id, func.count())
                .where(VerdictRow.run_id == run_id, flagged)
                .group_by(VerdictRow.conversation_id)
                .order_by(func.count().desc(), VerdictRow.conversation_id)
                .limit(limit)
                .offset(offset)
            )
            return [(cid, n) for cid, n in session.execute(query)], int(total or 0)

    def judge_versions(self, run_id: str) -> list[tuple[str, str, str]]:
        """The judge versions a run used: distinct (evaluation id, prompt hash, judge model or ""), sorted; verdicts
        without a prompt hash (checks) are not judged and left out. Found by the database, no verdict loaded."""
        with self._session() as session:
            return sorted((e, str(h), m) for e, h, m in session.execute(_judge_versions(run_id)))

    def count_runs(self) -> int:
        """How many runs are stored."""
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(RunRow)) or 0)

    def scenario_outcome_rows(self, run_id: str) -> list[tuple[str, int, str, str]]:
        """(scenario, trial, evaluation id, outcome) for every verdict of a run: what statistics need, and
        only that, so comparisons stay fast on large runs."""
        query = (
            select(ConversationRow.scenario_id, ConversationRow.trial, VerdictRow.evaluation_id, VerdictRow.outcome)
            .join(VerdictRow, VerdictRow.conversation_id == ConversationRow.id)
            .where(ConversationRow.run_id == run_id)
            .order_by(VerdictRow.id)
        )
        with self.engine.connect() as connection:  # Core rows, not the ORM's: a large run has many
            return [(s, t, e, o) for s, t, e, o in connection.execute(query)]


def _suspect_ids(run_id: str, simulator_ids: list[str]) -> Select[str]:
    """The conversations of a run where a simulator evaluation failed."""
    return select(VerdictRow.conversation_id).where(
        VerdictRow.run_id == run_id,
        VerdictRow.evaluation_id.in_(simulator_ids),
        VerdictRow.outcome == Outcome.FAIL.value,
    )


def _on_suspects(run_id: str, simulator_ids: list[str]) -> Select[str, str, int]:
    """(evaluation, outcome, count) over the verdicts of the conversations where a simulator evaluation failed,
    reached through those conversations' ids (faster than testing every verdict of the run)."""
    suspects = _suspect_ids(run_id, simulator_ids).distinct().subquery()
    return (
        select(VerdictRow.evaluation_id, VerdictRow.outcome, func.count())
        .join(suspects, VerdictRow.conversation_id == suspects.c.conversation_id)
        .group_by(VerdictRow.evaluation_id, VerdictRow.outcome)
    )


def _unstable(run_id: str, simulator_ids: list[str]) -> Select[str, str, bool, int]:
    """(evaluation, outcome, suspect flag, count) of a run's unstable verdicts: only rows with judge samples."""
    suspect = _suspect_ids(run_id, simulator_ids).scalar_subquery()
    flag = VerdictRow.conversation_id.in_(suspect) if simulator_ids else literal(False)
    return (
        select(VerdictRow.evaluation_id, VerdictRow.outcome, flag.label("suspect"), func.count())
        .where(
            VerdictRow.run_id == run_id,
            VerdictRow.details.is_not(None),
            VerdictRow.details["unstable"].as_boolean().is_(True),
        )
        .group_by(VerdictRow.evaluation_id, VerdictRow.outcome, "suspect")
    )


def _by_outcome(rows: Iterable[Row[str, str, int]]) -> dict[tuple[str, str], int]:
    """(evaluation, outcome) -> count from grouped rows."""
    return {(evaluation_id, outcome): int(n) for evaluation_id, outcome, n in rows}


def _split_by_suspect(
    counts: dict[tuple[str, str], int], suspect: dict[tuple[str, str], int], unstable: dict[tuple[str, str, bool], int]
) -> list[OutcomeCount]:
    """OutcomeCount rows from counts per (evaluation, outcome), those on suspect conversations, and unstable
    ones per (evaluation, outcome, suspect flag); no row with a zero count."""
    rows = []
    for (evaluation_id, outcome), n in counts.items():
        on_suspects = suspect.get((evaluation_id, outcome), 0)
        for flag, k in ((True, on_suspects), (False, n - on_suspects)):
            if k:
                rows.append(
                    OutcomeCount(evaluation_id, outcome, flag, unstable.get((evaluation_id, outcome, flag), 0), k)
                )
    return rows


def _judge_versions(run_id: str) -> Select[str, str | None, str]:
    """Distinct (evaluation id, prompt hash, judge model or "") of a run's judged verdicts (their own index)."""
    return (
        select(VerdictRow.evaluation_id, VerdictRow.prompt_hash, func.coalesce(VerdictRow.judge_model, ""))
        .where(VerdictRow.run_id == run_id, VerdictRow.prompt_hash.is_not(None), VerdictRow.prompt_hash != "")
        .distinct()
    )
