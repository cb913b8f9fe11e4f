"""One store behaviour on SQLite and PostgreSQL (every test runs on both through `store_url`): names and ids of any
length and content ('/', unicode, over 300 characters) are stored and read back alike; a NUL character, which
PostgreSQL cannot store, is refused alike before anything is written; deleting a run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, update

from services import fresh_database
from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.data_model import Label, ModelSettings, Run, RunStatus
from sparring.store import NotFound, UnstorableText
from sparring.store.leases import RunLeased
from sparring.store.migrations import _config, head
from sparring.store.tables import Base, RunLeaseRow

LONG = "a/é/客服-" * 60  # 420 characters: '/', accents, CJK
NUL = "chat\x00one"


def run_named(label: str, suite: str = "food-delivery", run_id: str = "r1") -> Run:
    now = datetime.now(UTC)
    settings = ModelSettings(simulator="none", agent="none", judge="openai:" + LONG)
    return Run(id=run_id, label=label, suite=suite, settings=settings, clock=now, started_at=now)


def conversation_of(run: Run, scenario_id: str) -> tuple[Conversation, list[Verdict]]:
    conversation = Conversation(
        id=f"{run.id}:{scenario_id}:0", run_id=run.id, scenario_id=scenario_id, end_reason=EndReason.RESOLVED
    )
    verdict = Verdict(
        evaluation_id="eval-" + LONG,
        conversation_id=conversation.id,
        outcome=Outcome.PASS,
        reasoning="fine",
        judge_model="openai:" + LONG,
        check_name="check-" + LONG,
    )
    return conversation, [verdict]


def test_names_of_any_length_and_content_are_stored_and_read_back(store_url):
    store = Store.open(store_url)
    run = run_named("label-" + LONG, "suite-" + LONG)
    store.save_run(run)
    conversation, verdicts = conversation_of(run, "transcript-" + LONG)
    assert len(conversation.id) > 400
    store.save_conversation(conversation, verdicts)
    label = Label(conversation_id=conversation.id, evaluation_id="eval-" + LONG, label="pass", labeller=LONG)
    store.save_labels([label.model_copy(update={"stratum": "pass"})])
    store.save_calibration("eval-" + LONG, "h", "openai:" + LONG, {"n": 1})
    store.acquire_lease(run.id, "host-" + LONG + ":1", 60)

    assert store.get_run("label-" + LONG).suite == "suite-" + LONG
    assert store.list_runs(suite="suite-" + LONG)[0].id == run.id
    assert store.conversation(conversation.id) == conversation and store.verdicts(run.id) == verdicts
    assert store.conversation_labels(conversation.id)[0].labeller == LONG
    assert store.calibrations("eval-" + LONG)[0].judge_model == "openai:" + LONG
    assert store.lease_holder(run.id) == "host-" + LONG + ":1"


def test_a_nul_character_is_refused_alike_naming_its_field_and_nothing_is_written(store_url):
    store = Store.open(store_url)
    with pytest.raises(UnstorableText, match=r"runs\.label 'chat\\\\0one': contains a NUL character \(U\+0000\)"):
        store.save_run(run_named(NUL))
    assert store.count_runs() == 0
    run = run_named("fine")
    store.save_run(run)
    conversation, verdicts = conversation_of(run, NUL)
    with pytest.raises(UnstorableText, match=r"conversations\.id 'r1:chat\\\\0one:0': contains a NUL character"):
        store.save_conversation(conversation, verdicts)
    conversation, verdicts = conversation_of(run, "chat-one")
    bad_verdicts = [verdicts[0].model_copy(update={"evaluation_id": NUL})]
    with pytest.raises(UnstorableText, match=r"verdicts\.evaluation_id"):
        store.save_conversation(conversation, bad_verdicts)
    assert store.conversation_count(run.id) == 0 and store.verdicts(run.id) == []
    with pytest.raises(UnstorableText, match=r"labels\.labeller"):
        store.save_labels([Label(conversation_id="r1:a:0", evaluation_id="e", label="pass", labeller=NUL)])
    assert store.labels() == []
    with pytest.raises(NotFound, match="no run with id or label"):
        store.get_run(NUL)
    with pytest.raises(NotFound, match="no conversation"):
        store.conversation(NUL)


def test_a_postgresql_store_of_revision_0008_takes_long_names_after_its_upgrade(postgres_url):
    url = fresh_database(postgres_url, "at_0008")
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0008")
    engine.dispose()
    store = Store(url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    run = run_named("label-" + LONG)
    store.save_run(run)
    store.save_conversation(*conversation_of(run, "transcript-" + LONG))
    assert store.conversations(run.id)[0].scenario_id == "transcript-" + LONG
    store.close()


def test_deleting_a_run_removes_its_records_keeps_labels_and_leaves_other_runs(store_url):
    store = Store.open(store_url)
    first, second = run_named("one", run_id="r1"), run_named("two", run_id="r2")
    for run in (first, second):
        store.save_run(run.model_copy(update={"status": RunStatus.COMPLETED}))
        store.save_conversation(*conversation_of(run, "s"))
    store.save_labels([Label(conversation_id="r1:s:0", evaluation_id="e", label="pass")])
    store.save_discovery_report(["r1", "r2"], {"themes": []})

    deleted = store.delete_run("r1")

    assert (deleted.conversations, deleted.verdicts, deleted.labels_kept) == (1, 1, 1)
    assert [r.id for r in store.list_runs()] == ["r2"] and store.conversation_count("r1") == 0
    assert store.verdicts("r1") == [] and store.latest_discovery_report("r1") is None
    assert len(store.labels()) == 1, "human labels are kept"
    assert store.conversation_count("r2") == 1 and store.latest_discovery_report("r2") == {"themes": []}
    with pytest.raises(NotFound):
        store.delete_run("r1")


def test_a_run_under_a_live_lease_is_not_deleted(store_url):
    store = Store.open(store_url)
    store.save_run(run_named("busy"))
    store.save_conversation(*conversation_of(run_named("busy"), "s"))
    store.acquire_lease("r1", "other-host:4242", 60)
    with pytest.raises(RunLeased, match="cannot delete: run r1 is being worked on by other-host:4242"):
        store.delete_run("r1")
    assert store.conversation_count("r1") == 1
    with store.engine.begin() as connection:  # no heartbeat for 90 s: stale
        connection.execute(update(RunLeaseRow).values(heartbeat_at=datetime.now(UTC) - timedelta(seconds=90)))
    assert store.delete_run("r1").conversations == 1
    assert store.lease_holder("r1") is None
