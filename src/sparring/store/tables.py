"""Database tables. Full pydantic objects are stored as JSON beside the columns that queries need; a
conversation's document is stored compressed."""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class CompressedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON document stored as zlib-compressed UTF-8 in a binary column (BLOB, bytea): a conversation's document
    takes about a third of its JSON text."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> bytes | None:
        """The document, compact JSON, compressed."""
        return None if value is None else zlib.compress(json.dumps(value, separators=(",", ":")).encode())

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        """The document back from its compressed bytes."""
        return None if value is None else json.loads(zlib.decompress(value))


def any_length(sqlite_length: int) -> String:
    """A name or id of any length on both databases: unbounded VARCHAR on PostgreSQL; on SQLite, which never
    enforces a declared length, the length it was first declared with (changing it would rebuild every table of
    every store for nothing)."""
    return String(sqlite_length).with_variant(String(), "postgresql")


# Columns are declared in the order the migrations added them: a new store is created from these classes and
# has the same column order as a migrated one (positional SQL such as INSERT ... SELECT * copies between them).
class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class RunRow(Base):
    """A run: one row of the runs table."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(any_length(200), index=True)
    suite: Mapped[str] = mapped_column(any_length(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    data: Mapped[dict[str, Any]]


class ConversationRow(Base):
    """One conversation of a run (its turns and end state compressed): a row of the conversations table."""

    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(any_length(300), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(any_length(200), index=True)
    trial: Mapped[int] = mapped_column(Integer)
    end_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    usage: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # tokens per role: reports sum these
    error_kind: Mapped[str | None] = mapped_column(String(30), nullable=True)  # why an errored one failed
    snapshot_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the state it began on
    # the rest of the conversation (what is a column above is left out, see store/records.py), compressed
    data: Mapped[dict[str, Any]] = mapped_column(CompressedJSON)


class VerdictRow(Base):
    """One evaluation's verdict on one conversation: a row of the verdicts table."""

    __tablename__ = "verdicts"
    __table_args__ = (
        UniqueConstraint("conversation_id", "evaluation_id"),
        # every count a report makes reads this index alone (it also serves lookups by run)
        Index("ix_verdicts_run_counts", "run_id", "evaluation_id", "outcome", "conversation_id"),
        # the rows with judge samples, the only ones that can be unstable
        Index(
            "ix_verdicts_run_samples",
            "run_id",
            "evaluation_id",
            "outcome",
            sqlite_where=text("details IS NOT NULL"),
            postgresql_where=text("details IS NOT NULL"),
        ),
        # the judge versions a run used (a report's calibration figures): judged verdicts only
        Index(
            "ix_verdicts_run_versions",
            "run_id",
            "evaluation_id",
            "prompt_hash",
            "judge_model",
            sqlite_where=text("prompt_hash IS NOT NULL"),
            postgresql_where=text("prompt_hash IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    # found by the unique index above (conversation_id leads it) and, per run, by ix_verdicts_run_counts
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    evaluation_id: Mapped[str] = mapped_column(any_length(200))
    outcome: Mapped[str] = mapped_column(String(20))
    reasoning: Mapped[str] = mapped_column(Text)
    judge_model: Mapped[str | None] = mapped_column(any_length(300), nullable=True)
    prompt_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer)
    # repeated-judging samples; SQL NULL when there are none (the partial index above counts on it)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    check_name: Mapped[str | None] = mapped_column(any_length(300), nullable=True)  # a check's verdict: its function


class CacheRow(Base):
    __tablename__ = "model_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(any_length(300), index=True)
    response: Mapped[dict[str, Any]]


class LabelRow(Base):
    """Human labels: one per conversation, evaluation and labeller (a new label replaces the old one)."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("conversation_id", "evaluation_id", "labeller"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(any_length(300), index=True)
    evaluation_id: Mapped[str] = mapped_column(any_length(200), index=True)
    label: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text)
    labeller: Mapped[str] = mapped_column(any_length(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the labelling design: probability that this item entered the sample, and its stratum (None: not sampled
    # by Sparring, e.g. imported; treated as a simple random sample and reported as such)
    inclusion_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    stratum: Mapped[str | None] = mapped_column(any_length(50), nullable=True)


class CalibrationRow(Base):
    """A calibration report of one judge prompt version (content hash) against the human labels."""

    __tablename__ = "calibrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[str] = mapped_column(any_length(200), index=True)
    prompt_hash: Mapped[str] = mapped_column(String(64), index=True)
    judge_model: Mapped[str] = mapped_column(any_length(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]]


class RunLeaseRow(Base):
    """Who is working on a run now: one row per run, refreshed by a heartbeat; a stale one can be taken over."""

    __tablename__ = "run_leases"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(any_length(300))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DiscoveryReportRow(Base):
    """A `sparring discover` report, filed under each run it analysed (the report names every one)."""

    __tablename__ = "discovery_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, Any]]
