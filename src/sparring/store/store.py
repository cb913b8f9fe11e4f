"""The store: the only state shared between commands. SQLite (WAL) by default, any SQLAlchemy URL otherwise.

Each finished conversation is committed with its verdicts in one transaction, so an interrupted
(even SIGKILLed) run leaves only whole conversations behind and can be resumed.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml
from sqlalchemy.orm import sessionmaker

from sparring.data_model import Conversation, Label, Outcome, Run, Verdict
from sparring.store import migrations
from sparring.store.migrations import SchemaError
from sparring.store.tables import CacheRow, CalibrationRow, ConversationRow, LabelRow, RunRow, VerdictRow

DEFAULT_DB_PATH = Path(".sparring") / "sparring.db"


class RunNotFound(LookupError):
    pass


StoreError = SchemaError


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from `--db`: a URL as given, or a file path for SQLite."""
    if db and "://" in db:
        return db
    path = (Path(db) if db else DEFAULT_DB_PATH).resolve()  # absolute: workers may run elsewhere
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


class Store:
    def __init__(self, url: str, migrate: bool = True) -> None:
        """`migrate`: upgrade the schema to the newest revision (workers sharing an upgraded database pass
        False and only check it)."""
        self.url = url
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        if migrate:
            migrations.upgrade(self.engine)
        else:
            migrations.require_head(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        marker = {"qmark": "?", "format": "%s", "numeric": ":1"}.get(self.engine.dialect.paramstyle, "%s")
        self._cache_sql = f"SELECT response FROM model_cache WHERE key = {marker}"
        self._pending_cache: dict[str, dict[str, Any]] = {}
        self._pending_lock = threading.Lock()  # conversations are committed from a worker thread
        self._cache_reader: Connection | None = None

    @classmethod
    def open(cls, db: str | None = None, migrate: bool = True) -> Store:
        return cls(database_url(db), migrate)

    def close(self) -> None:
        if self._cache_reader is not None:
            self._cache_reader.close()
            self._cache_reader = None
        self.engine.dispose()

    # runs
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

    # conversations and verdicts
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

    def conversation_verdicts(self, conversation_id: str) -> list[Verdict]:
        with self._session() as session:
            query = select(VerdictRow).where(VerdictRow.conversation_id == conversation_id).order_by(VerdictRow.id)
            return [_verdict(r) for r in session.scalars(query)]

    def conversation_labels(self, conversation_id: str) -> list[Label]:
        with self._session() as session:
            rows = session.scalars(select(LabelRow).where(LabelRow.conversation_id == conversation_id))
            return [_label(r) for r in rows]

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

    # human labels and calibration reports (see sparring.calibration)
    def save_labels(self, labels: list[Label]) -> None:
        """Insert labels in one transaction; a labeller's new label for an item replaces the old one."""
        with self._session.begin() as session:
            for label in labels:
                existing = session.scalars(
                    select(LabelRow).where(
                        LabelRow.conversation_id == label.conversation_id,
                        LabelRow.evaluation_id == label.evaluation_id,
                        LabelRow.labeller == label.labeller,
                    )
                ).first()
                row = existing or LabelRow(
                    conversation_id=label.conversation_id, evaluation_id=label.evaluation_id, labeller=label.labeller
                )
                row.label, row.note, row.created_at = label.label, label.note, label.created_at
                session.add(row)

    def labels(self, evaluation_id: str | None = None) -> list[Label]:
        with self._session() as session:
            query = select(LabelRow).order_by(LabelRow.id)
            if evaluation_id:
                query = query.where(LabelRow.evaluation_id == evaluation_id)
            return [_label(r) for r in session.scalars(query)]

    def save_calibration(self, evaluation_id: str, prompt_hash: str, judge_model: str, report: dict[str, Any]) -> None:
        with self._session.begin() as session:
            session.add(
                CalibrationRow(
                    evaluation_id=evaluation_id,
                    prompt_hash=prompt_hash,
                    judge_model=judge_model,
                    created_at=datetime.now(UTC),
                    data=report,
                )
            )

    def calibrations(self, evaluation_id: str | None = None) -> list[dict[str, Any]]:
        """Stored calibration reports, oldest first, each with its evaluation, prompt hash, model and time."""
        with self._session() as session:
            query = select(CalibrationRow).order_by(CalibrationRow.id)
            if evaluation_id:
                query = query.where(CalibrationRow.evaluation_id == evaluation_id)
            return [
                {
                    **r.data,
                    "evaluation_id": r.evaluation_id,
                    "prompt_hash": r.prompt_hash,
                    "judge_model": r.judge_model,
                    "created_at": r.created_at.isoformat(),
                }
                for r in session.scalars(query)
            ]

    # model-call cache (see sparring.models.cache). It runs once per model call, so: Core statements,
    # and new entries wait in memory to be written with the next conversation (one commit, not one each).
    def cached_response(self, key: str) -> dict[str, Any] | None:
        with self._pending_lock:
            pending = self._pending_cache.get(key)
        if pending is not None:
            return pending["response"]
        if self._cache_reader is None:  # one connection kept for lookups (made from the event loop only)
            self._cache_reader = self.engine.connect()
        # The driver's own SQL: this lookup runs once per model call, and compiling it cost more than the read.
        value = self._cache_reader.exec_driver_sql(self._cache_sql, (key,)).scalar()
        self._cache_reader.rollback()  # end the read transaction so later commits stay visible
        if isinstance(value, str | bytes):
            value = json.loads(value)
        return value if isinstance(value, dict) else None

    def cache_response(self, key: str, model: str, response: dict[str, Any]) -> None:
        with self._pending_lock:
            self._pending_cache[key] = {"key": key, "model": model, "response": response}

    def flush_cache(self) -> None:
        with self.engine.begin() as connection:
            self._write_pending_cache(connection)

    def _write_pending_cache(self, connection: Connection) -> None:
        with self._pending_lock:
            rows = list(self._pending_cache.values())
            self._pending_cache = {}
        if not rows:
            return
        # Two commits in flight may both carry an answer to the same request: keep the first, quietly.
        dialect = self.engine.dialect.name
        if dialect in ("sqlite", "postgresql"):
            module = sqlite_dml if dialect == "sqlite" else postgresql_dml
            connection.execute(module.insert(CacheRow).on_conflict_do_nothing(index_elements=["key"]), rows)
            return
        known = set(connection.scalars(select(CacheRow.key).where(CacheRow.key.in_([r["key"] for r in rows]))))
        fresh = [r for r in rows if r["key"] not in known]
        if fresh:
            connection.execute(insert(CacheRow), fresh)


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


def _label(row: LabelRow) -> Label:
    return Label.model_validate(
        {
            "conversation_id": row.conversation_id,
            "evaluation_id": row.evaluation_id,
            "label": row.label,
            "note": row.note,
            "labeller": row.labeller,
            "created_at": row.created_at,
        }
    )
