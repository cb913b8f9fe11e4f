"""Round trip through a real SQLite file and a real PostgreSQL database (`store_url`)."""

from datetime import UTC, datetime

import pytest

from sparring import AgentTurn, Conversation, CustomerAnalysis, CustomerTurn, EndReason, Outcome, Store, Verdict
from sparring.data_model import Calibration, ModelSettings, Run, RunStatus, TokenUsage, ToolCallRecord
from sparring.store import NotFound


def make_run(run_id: str, label: str) -> Run:
    return Run(
        id=run_id,
        label=label,
        suite="s",
        seed=1,
        scenario_ids=["a"],
        clock=datetime(2026, 1, 1, tzinfo=UTC),
        started_at=datetime.now(UTC),
        settings=ModelSettings(simulator="local:smollm2", agent="openai:x", judge="openai:y"),
    )


def test_run_conversation_and_verdicts_round_trip(store_url):
    store = Store.open(store_url)
    run = make_run("20260101-000000-aaaaaa", "v1")
    store.save_run(run)
    conversation = Conversation(
        id="20260101-000000-aaaaaa:a:0",
        run_id="20260101-000000-aaaaaa",
        scenario_id="a",
        turns=[
            CustomerTurn(content="late!", intent="open"),
            AgentTurn(
                content="Refunded.",
                tool_calls=[ToolCallRecord(id="1", name="issue_refund", arguments={"amount": 3.5}, result={"ok": 1})],
            ),
            CustomerTurn(content="thanks", analysis=CustomerAnalysis(issue_addressed=True, frustration=2)),
        ],
        end_reason=EndReason.RESOLVED,
        final_state={"refunds": {"RF-1": {}}},
        usage={"judge": TokenUsage(prompt_tokens=5, completion_tokens=2, calls=1)},
    )
    verdicts = [
        Verdict(
            evaluation_id="e1",
            conversation_id=conversation.id,
            outcome=Outcome.PASS,
            reasoning="ok",
            judge_model="openai:y",
            prompt_hash="abc",
        ),
        Verdict(evaluation_id="e2", conversation_id=conversation.id, outcome=Outcome.ERROR, reasoning="bad"),
    ]
    store.save_conversation(conversation, verdicts)
    store.save_run(run.model_copy(update={"status": RunStatus.COMPLETED, "usage": {"judge": TokenUsage(calls=1)}}))
    store.close()

    reopened = Store.open(store_url)
    assert reopened.conversation(conversation.id) == conversation
    assert reopened.verdicts("20260101-000000-aaaaaa") == verdicts
    run = reopened.get_run("v1")
    assert run.status == RunStatus.COMPLETED and run.usage["judge"].calls == 1
    assert reopened.get_run("20260101").id == run.id, "unique id prefix"
    with pytest.raises(NotFound):
        reopened.get_run("nope")
    if reopened.engine.dialect.name == "sqlite":
        mode = reopened.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"


def test_a_failed_save_writes_nothing(store_url):
    store = Store.open(store_url)
    store.save_run(make_run("r1", "v1"))
    conversation = Conversation(id="r1:a:0", run_id="r1", scenario_id="a")
    duplicate = [Verdict(evaluation_id="e", conversation_id="r1:a:0", outcome=Outcome.PASS)] * 2
    with pytest.raises(Exception):  # noqa: B017 - the unique constraint, whatever the driver calls it
        store.save_conversation(conversation, duplicate)
    assert store.conversation_count("r1") == 0 and store.verdicts("r1") == []


def test_calibrations_are_models_oldest_first_with_their_report(store_url):
    store = Store.open(store_url)
    old_report = {"n": 10, "metrics": {"kappa": {"value": 0.4, "low": 0.1, "high": 0.7}}}
    store.save_calibration("tone", "h1", "openai:y", old_report)
    store.save_calibration("tone", "h2", "openai:y", {"n": 12, "metrics": {"kappa": {"value": None}}})
    store.save_calibration("other", "h3", "openai:z", {"n": 3})
    first, second = store.calibrations("tone")
    assert isinstance(first, Calibration) and (first.prompt_hash, second.prompt_hash) == ("h1", "h2")
    assert first.report == old_report and first.judge_model == "openai:y"
    assert first.created_at.tzinfo is not None and first.created_at <= second.created_at
    assert first.metric("kappa") == 0.4 and second.metric("kappa") is None
    assert [c.evaluation_id for c in store.calibrations()] == ["tone", "tone", "other"]
    assert store.calibrations("other")[0].metric("kappa") is None, "a report without metrics reads"
