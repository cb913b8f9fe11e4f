"""Runs, conversations and verdicts: writing them as they finish and reading them back."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from sparring.data_model import Conversation, Outcome, Run, Verdict
from sparring.store.base import RunNotFound, StoreBase
from sparring.store.tables import ConversationRow, RunRow, VerdictRow


class RunRecords(StoreBase):
    """Runs, their conversations and verdicts."""

    def save_run(self, run: Run) -> None:
        """Insert or update a run (its status, usage and call statistics change as it goes)."""
        with self._session.begin() as session:
            session.merge(
                RunRow(
                    id=run.id,
                    label=run.label,
                    suite=run.suite,
                    status=run.status.value,
                    started_at=run.started_at,
                    data=run.model_dump(mode="json"),
                )
            )

    def get_run(self, ref: str) -> Run:
        """A run by id, unique id prefix, or label (the latest run with that label)."""
        with self._session() as session:
            row = session.get(RunRow, ref)
            if row is None:
                rows = session.scalars(select(RunRow).where(RunRow.id.startswith(ref))).all()
                row = rows[0] if len(rows) == 1 else None
            if row is None:
                row = session.scalars(
                    select(RunRow).where(RunRow.label == ref).order_by(RunRow.started_at.desc()).limit(1)
                ).first()
            if row is None:
                raise RunNotFound(f"no run with id or label {ref!r} in {self.url}")
            return Run.model_validate(row.data)

    def list_runs(self, limit: int = 50, suite: str | None = None, offset: int = 0) -> list[Run]:
        with self._session() as session:
            query = select(RunRow).order_by(RunRow.started_at.desc()).limit(limit).offset(offset)
            if suite:
                query = query.where(RunRow.suite == suite)
            return [Run.model_validate(r.data) for r in session.scalars(query)]

    def save_conversation(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        self.save_conversations([(conversation, verdicts)])

    def save_conversations(self, finished: list[tuple[Conversation, list[Verdict]]]) -> None:
        """One transaction: the conversations, their verdicts and pending cache entries. Core statements
        rather than ORM objects: this runs once per commit, and shards on several workers share the database."""
        conversation_rows = [
            {
                "id": c.id,
                "run_id": c.run_id,
                "scenario_id": c.scenario_id,
                "trial": c.trial,
                "end_reason": c.end_reason.value if c.end_reason else None,
                "data": c.model_dump(mode="json"),
            }
            for c, _ in finished
        ]
        verdict_rows = [
            {
                "run_id": c.run_id,
                "conversation_id": v.conversation_id,
                "evaluation_id": v.evaluation_id,
                "outcome": v.outcome.value,
                "reasoning": v.reasoning,
                "judge_model": v.judge_model,
                "prompt_hash": v.prompt_hash,
                "attempts": v.attempts,
                "details": v.model_dump(mode="json", include={"samples", "agreement", "unstable"})
                if v.samples
                else None,
            }
            for c, verdicts in finished
            for v in verdicts
        ]
        with self.engine.begin() as connection:
            self._write_pending_cache(connection)
            connection.execute(insert(ConversationRow), conversation_rows)
            if verdict_rows:
                connection.execute(insert(VerdictRow), verdict_rows)

    def conversations(self, run_id: str) -> list[Conversation]:
        with self._session() as session:
            rows = session.scalars(
                select(ConversationRow).where(ConversationRow.run_id == run_id).order_by(ConversationRow.id)
            )
            return [Conversation.model_validate(r.data) for r in rows]

    def conversation(self, conversation_id: str) -> Conversation:
        with self._session() as session:
            row = session.get(ConversationRow, conversation_id)
            if row is None:
                raise LookupError(f"no conversation {conversation_id!r}")
            return Conversation.model_validate(row.data)

    def conversation_ids(self, run_id: str) -> set[str]:
        with self._session() as session:
            return set(session.scalars(select(ConversationRow.id).where(ConversationRow.run_id == run_id)))

    def existing_conversations(self) -> set[str]:
        with self._session() as session:
            return set(session.scalars(select(ConversationRow.id)))

    def conversation_count(self, run_id: str) -> int:
        with self._session() as session:
            query = select(func.count()).select_from(ConversationRow).where(ConversationRow.run_id == run_id)
            return int(session.scalar(query) or 0)

    def verdicts(self, run_id: str) -> list[Verdict]:
        with self._session() as session:
            rows = session.scalars(select(VerdictRow).where(VerdictRow.run_id == run_id).order_by(VerdictRow.id))
            return [_verdict(r) for r in rows]

    def conversation_verdicts(self, conversation_id: str) -> list[Verdict]:
        with self._session() as session:
            query = select(VerdictRow).where(VerdictRow.conversation_id == conversation_id).order_by(VerdictRow.id)
            return [_verdict(r) for r in session.scalars(query)]


def _verdict(row: VerdictRow) -> Verdict:
    return Verdict(
        evaluation_id=row.evaluation_id,
        conversation_id=row.conversation_id,
        outcome=Outcome(row.outcome),
        reasoning=row.reasoning,
        judge_model=row.judge_model,
        prompt_hash=row.prompt_hash,
        attempts=row.attempts,
        **(row.details or {}),
    )
