"""Runs, conversations and verdicts: writing them as they finish and reading them back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from sparring.data_model import Conversation, EndReason, Outcome, Run, TokenUsage, Verdict, unstorable_character
from sparring.store.base import NotFound, StoreBase, check_storable
from sparring.store.leases import RunLeased, live_lease_error
from sparring.store.tables import ConversationRow, DiscoveryReportRow, LabelRow, RunLeaseRow, RunRow, VerdictRow

# Statements the viewer runs on nearly every request, built once with bound parameters: a statement built at each
# call costs SQLAlchemy ~0.15 ms (construction and its cache key) before SQLite answers in ~0.01 ms.
_RUN_DATA = select(RunRow.data).where(RunRow.id == bindparam("ref"))
_CONVERSATION = select(*ConversationRow.__table__.columns).where(ConversationRow.id == bindparam("id"))
_VERDICTS = (
    select(*VerdictRow.__table__.columns).where(VerdictRow.conversation_id == bindparam("id")).order_by(VerdictRow.id)
)


@dataclass(frozen=True)
class DeletedRun:
    """What `delete_run` removed, and the human labels of its conversations it kept."""

    run_id: str
    conversations: int
    verdicts: int
    labels_kept: int


class RunRecords(StoreBase):
    """Runs, their conversations and verdicts."""

    def save_run(self, run: Run) -> None:
        """Insert or update a run (its status, usage and call statistics change as it goes)."""
        row = {"id": run.id, "label": run.label, "suite": run.suite, "status": run.status.value}
        check_storable("runs", row)
        with self._session.begin() as session:
            session.merge(RunRow(**row, started_at=run.started_at, data=run.model_dump(mode="json")))

    def get_run(self, ref: str) -> Run:
        """A run by id, unique id prefix, or label (the latest run with that label)."""
        if unstorable_character(ref):  # no stored name holds one (see check_storable)
            raise NotFound(f"no run with id or label {ref!r} in {self.url}")
        with self.engine.connect() as connection:  # Core, not the ORM: the viewer reads a run on most requests
            data = connection.scalar(_RUN_DATA, {"ref": ref})
            if data is None:
                found = connection.scalars(select(RunRow.data).where(RunRow.id.startswith(ref))).all()
                data = found[0] if len(found) == 1 else None
            if data is None:
                latest = select(RunRow.data).where(RunRow.label == ref).order_by(RunRow.started_at.desc()).limit(1)
                data = connection.scalar(latest)
        if data is None:
            raise NotFound(f"no run with id or label {ref!r} in {self.url}")
        return Run.model_validate(data)

    def labelled_run(self, label: str, suite: str) -> Run | None:
        """The newest run of `suite` labelled exactly `label`, or None."""
        query = (
            select(RunRow)
            .where(RunRow.label == label, RunRow.suite == suite)
            .order_by(RunRow.started_at.desc())
            .limit(1)
        )
        with self._session() as session:
            row = None if unstorable_character(label + suite) else session.scalars(query).first()
            return Run.model_validate(row.data) if row else None

    def list_runs(self, limit: int = 50, suite: str | None = None, offset: int = 0) -> list[Run]:
        """Runs, newest first (one suite's, when given), `limit` of them from `offset`."""
        query = select(RunRow.data).order_by(RunRow.started_at.desc()).limit(limit).offset(offset)
        if suite:
            query = query.where(RunRow.suite == suite)
        with self.engine.connect() as connection:
            return [Run.model_validate(data) for data in connection.scalars(query)]

    def delete_run(self, run_id: str, lease_timeout_s: float = 60.0) -> DeletedRun:
        """Delete the run `run_id` (an exact id) with its conversations, verdicts, lease and the discovery reports
        filed under it, in one transaction. Refused (RunLeased, nothing deleted) while another live process holds
        its lease (a heartbeat within `lease_timeout_s`); `NotFound` when there is no such run. Human labels of its
        conversations are kept (labelling is costly work, and `labels export` still lists them): their count is
        returned. Runs rejudged from it are copies of their own and stay."""
        with self.engine.begin() as connection:
            if connection.scalar(select(RunRow.id).where(RunRow.id == run_id)) is None:
                raise NotFound(f"no run with id {run_id!r} in {self.url}")
            held = live_lease_error(connection, run_id, lease_timeout_s)
            if held:
                raise RunLeased(f"cannot delete: {held}")
            ids = select(ConversationRow.id).where(ConversationRow.run_id == run_id).scalar_subquery()
            labelled = select(func.count()).select_from(LabelRow).where(LabelRow.conversation_id.in_(ids))
            labels = connection.scalar(labelled)
            verdicts = connection.execute(delete(VerdictRow).where(VerdictRow.run_id == run_id)).rowcount
            conversations = connection.execute(delete(ConversationRow).where(ConversationRow.run_id == run_id)).rowcount
            connection.execute(delete(RunLeaseRow).where(RunLeaseRow.run_id == run_id))
            connection.execute(delete(DiscoveryReportRow).where(DiscoveryReportRow.run_id == run_id))
            connection.execute(delete(RunRow).where(RunRow.id == run_id))
        return DeletedRun(run_id, int(conversations), int(verdicts), int(labels or 0))

    def save_conversation(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        """Store one finished conversation with its verdicts in one transaction (see `save_conversations`)."""
        self.save_conversations([(conversation, verdicts)])

    def save_conversations(self, finished: list[tuple[Conversation, list[Verdict]]], run: Run | None = None) -> None:
        """One transaction: the conversations, their verdicts, pending cache entries and, with `run`, the run
        row (its running usage and call statistics, so a killed run loses none of them). A conversation that
        was stored as errored is replaced (a resume trying it again); any other duplicate is refused. Core
        statements rather than ORM objects: this runs once per commit, and shards on several workers share the
        database."""
        conversation_rows = [_conversation_row(c) for c, _ in finished]
        verdict_rows = [
            {
                "run_id": c.run_id,
                "conversation_id": v.conversation_id,
                "evaluation_id": v.evaluation_id,
                "outcome": v.outcome.value,
                "reasoning": v.reasoning,
                "judge_model": v.judge_model,
                "prompt_hash": v.prompt_hash,
                "check_name": v.check_name,
                "attempts": v.attempts,
                "details": v.model_dump(mode="json", include={"samples", "agreement", "unstable"})
                if v.samples
                else None,
            }
            for c, verdicts in finished
            for v in verdicts
        ]
        for conversation_row in conversation_rows:
            check_storable("conversations", conversation_row)
        for verdict_row in verdict_rows:
            check_storable("verdicts", verdict_row)
        with self.engine.begin() as connection:
            self._write_pending_cache(connection)
            _delete_errored(connection, [c.id for c, _ in finished])
            connection.execute(insert(ConversationRow), conversation_rows)
            if verdict_rows:
                connection.execute(insert(VerdictRow), verdict_rows)
            if run is not None:
                self._update_run(connection, run)

    def _update_run(self, connection: Connection, run: Run) -> None:
        connection.execute(
            update(RunRow).where(RunRow.id == run.id).values(status=run.status.value, data=run.model_dump(mode="json"))
        )

    def usage_totals(self, run_id: str, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, TokenUsage]:
        """Tokens per role summed over the run's stored conversations (but `exclude`): the run's true usage,
        whatever processes, crashes and resumes produced them."""
        totals: dict[str, TokenUsage] = {}
        with self._session() as session:
            query = select(ConversationRow.id, ConversationRow.usage).where(ConversationRow.run_id == run_id)
            for cid, usage in session.execute(query):
                if cid in exclude:
                    continue
                if usage is None:  # stored before the usage column existed
                    usage = self.conversation(cid).model_dump(mode="json")["usage"]
                for role, counted in usage.items():
                    totals.setdefault(role, TokenUsage()).add(TokenUsage.model_validate(counted))
        return totals

    def errored_conversations(self, run_id: str, kinds: set[str]) -> dict[str, dict[str, TokenUsage]]:
        """The run's errored conversations whose cause is one of `kinds` ("other" for unclassified), with
        their usage."""
        with self._session() as session:
            query = select(ConversationRow.id, ConversationRow.error_kind, ConversationRow.usage).where(
                ConversationRow.run_id == run_id, ConversationRow.end_reason == EndReason.ERROR.value
            )
            return {
                cid: {role: TokenUsage.model_validate(u) for role, u in (usage or {}).items()}
                for cid, kind, usage in session.execute(query)
                if (kind or "other") in kinds
            }

    def error_counts(self, run_id: str) -> tuple[int, dict[str, tuple[int, str]]]:
        """(stored conversations, {cause: (errored conversations, one example error)}) of a run."""
        with self._session() as session:
            total = self.conversation_count(run_id)
            query = (
                select(ConversationRow.error_kind, func.count(), func.min(ConversationRow.id))
                .where(ConversationRow.run_id == run_id, ConversationRow.end_reason == EndReason.ERROR.value)
                .group_by(ConversationRow.error_kind)
            )
            counts: dict[str, tuple[int, str]] = {}
            for kind, count, example_id in session.execute(query).all():
                example = self.conversation(example_id).error or ""
                key = kind or "other"
                previous = counts.get(key, (0, example))
                counts[key] = (previous[0] + int(count), previous[1])
            return total, counts

    def suspect_scenario_ids(self, run_id: str, simulator_evaluation_ids: list[str]) -> list[str]:
        """Scenarios with a conversation whose simulated customer failed one of its own checks."""
        with self._session() as session:
            query = (
                select(ConversationRow.scenario_id)
                .join(VerdictRow, VerdictRow.conversation_id == ConversationRow.id)
                .where(
                    ConversationRow.run_id == run_id,
                    VerdictRow.evaluation_id.in_(simulator_evaluation_ids),
                    VerdictRow.outcome == Outcome.FAIL.value,
                )
                .distinct()
            )
            return sorted(session.scalars(query))

    def conversations(self, run_id: str) -> list[Conversation]:
        """Every stored conversation of a run, by id."""
        with self._session() as session:
            rows = session.scalars(
                select(ConversationRow).where(ConversationRow.run_id == run_id).order_by(ConversationRow.id)
            )
            return [_conversation(r) for r in rows]

    def conversation(self, conversation_id: str) -> Conversation:
        """One conversation by its id (`RUN:SCENARIO:TRIAL`); `NotFound` when there is none."""
        row = None
        if not unstorable_character(conversation_id):
            with self.engine.connect() as connection:
                row = connection.execute(_CONVERSATION, {"id": conversation_id}).one_or_none()
        if row is None:
            raise NotFound(f"no conversation {conversation_id!r} in {self.url}")
        return _conversation(row)

    def conversation_ids(self, run_id: str) -> set[str]:
        """The ids of a run's stored conversations (what a resume skips)."""
        with self._session() as session:
            return set(session.scalars(select(ConversationRow.id).where(ConversationRow.run_id == run_id)))

    def existing_conversations(self) -> set[str]:
        """The ids of every stored conversation, all runs together (what label imports are checked against)."""
        with self._session() as session:
            return set(session.scalars(select(ConversationRow.id)))

    def conversation_count(self, run_id: str) -> int:
        """How many conversations of a run are stored, counted by the database."""
        with self._session() as session:
            query = select(func.count()).select_from(ConversationRow).where(ConversationRow.run_id == run_id)
            return int(session.scalar(query) or 0)

    def verdicts(self, run_id: str) -> list[Verdict]:
        """Every verdict of a run, in the order they were stored."""
        with self._session() as session:
            rows = session.scalars(select(VerdictRow).where(VerdictRow.run_id == run_id).order_by(VerdictRow.id))
            return [_verdict(r) for r in rows]

    def conversation_verdicts(self, conversation_id: str) -> list[Verdict]:
        """The verdicts of one conversation, one per evaluation."""
        with self.engine.connect() as connection:
            return [_verdict(r) for r in connection.execute(_VERDICTS, {"id": conversation_id})]


# Conversation fields that are columns of their own: stored there only, not again in the `data` document.
_COLUMNS = frozenset({"id", "run_id", "scenario_id", "trial", "end_reason", "error_kind", "usage", "snapshot_digest"})


def _conversation_row(conversation: Conversation) -> dict[str, Any]:
    """A conversation's row: its columns, and the rest of it as the `data` document."""
    document = conversation.model_dump(mode="json")
    return {name: document.pop(name) for name in _COLUMNS} | {"data": document}


def _conversation(row: ConversationRow | Row[Any]) -> Conversation:
    """A conversation from its row: the columns put back beside the document (rows stored before the columns were
    left out of it hold them inside, and read as they were)."""
    columns = {name: value for name in _COLUMNS if (value := getattr(row, name)) is not None}
    return Conversation.model_validate(columns | row.data)


def _delete_errored(connection: Connection, ids: list[str]) -> None:
    """Remove stored errored conversations (and their verdicts) that are about to be stored again."""
    errored = list(
        connection.scalars(
            select(ConversationRow.id).where(
                ConversationRow.id.in_(ids), ConversationRow.end_reason == EndReason.ERROR.value
            )
        )
    )
    if errored:
        connection.execute(delete(VerdictRow).where(VerdictRow.conversation_id.in_(errored)))
        connection.execute(delete(ConversationRow).where(ConversationRow.id.in_(errored)))


def _verdict(row: VerdictRow | Row[Any]) -> Verdict:
    return Verdict(
        evaluation_id=row.evaluation_id,
        conversation_id=row.conversation_id,
        outcome=Outcome(row.outcome),
        reasoning=row.reasoning,
        judge_model=row.judge_model,
        prompt_hash=row.prompt_hash,
        check_name=row.check_name,
        attempts=row.attempts,
        **(row.details or {}),
    )
