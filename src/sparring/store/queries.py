"""Aggregates the reports need, counted by the database so that large runs stay fast."""

from __future__ import annotations

from sqlalchemy import func, select

from sparring.data_model import Outcome
from sparring.store.base import StoreBase
from sparring.store.tables import ConversationRow, RunRow, VerdictRow


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
            suspects = set(
                session.scalars(
                    select(VerdictRow.conversation_id).where(
                        VerdictRow.run_id == run_id,
                        VerdictRow.evaluation_id.in_(simulator_ids),
                        VerdictRow.outcome == Outcome.FAIL.value,
                    )
                )
            )
            counts: dict[str, dict[str, int]] = {}
            if suspects:
                query = (
                    select(VerdictRow.evaluation_id, VerdictRow.outcome, func.count())
                    .where(VerdictRow.conversation_id.in_(suspects), VerdictRow.evaluation_id.not_in(simulator_ids))
                    .group_by(VerdictRow.evaluation_id, VerdictRow.outcome)
                )
                for evaluation_id, outcome, n in session.execute(query):
                    counts.setdefault(evaluation_id, {})[outcome] = n
            return suspects, counts

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

    def count_runs(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(RunRow)) or 0)

    def scenario_outcome_rows(self, run_id: str) -> list[tuple[str, int, str, str]]:
        """(scenario, trial, evaluation id, outcome) for every verdict of a run: what statistics need, and
        only that, so comparisons stay fast on large runs."""
        with self._session() as session:
            query = (
                select(ConversationRow.scenario_id, ConversationRow.trial, VerdictRow.evaluation_id, VerdictRow.outcome)
                .join(VerdictRow, VerdictRow.conversation_id == ConversationRow.id)
                .where(ConversationRow.run_id == run_id)
                .order_by(VerdictRow.id)
            )
            return [(s, t, e, o) for s, t, e, o in session.execute(query)]
