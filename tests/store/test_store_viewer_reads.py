"""The reads behind every viewer page (a run, a conversation, its verdicts and labels, a run list, the rows a
comparison counts) go through SQLAlchemy Core rather than the ORM: each field of what was stored comes back, on a
real SQLite file and a real PostgreSQL database (`store_url`)."""

from datetime import UTC, datetime, timedelta

import pytest

from sparring import AgentTurn, Conversation, CustomerTurn, EndReason, Outcome, Store, Verdict
from sparring.data_model import ErrorKind, JudgeSample, Label, ModelSettings, Run, RunStatus, TokenUsage
from sparring.store import NotFound

START = datetime(2026, 3, 1, tzinfo=UTC)


def run_of(run_id: str, label: str, suite: str, hours: int) -> Run:
    settings = ModelSettings(simulator="openai:sim", agent="openai:bot", judge="openai:judge")
    return Run(
        id=run_id,
        label=label,
        suite=suite,
        settings=settings,
        status=RunStatus.COMPLETED,
        clock=START,
        started_at=START + timedelta(hours=hours),
    )


def full_conversation(run_id: str) -> tuple[Conversation, list[Verdict]]:
    conversation = Conversation(
        id=f"{run_id}:late-order:1",
        run_id=run_id,
        scenario_id="late-order",
        trial=1,
        turns=[CustomerTurn(content="Where is O-1?"), AgentTurn(content="On its way.")],
        end_reason=EndReason.ERROR,
        error_kind=ErrorKind.CHATBOT_ERROR,
        snapshot_digest="ab" * 32,
        usage={"agent": TokenUsage(prompt_tokens=7, completion_tokens=3, calls=1)},
    )
    verdicts = [
        Verdict(
            evaluation_id="tone",
            conversation_id=conversation.id,
            outcome=Outcome.FAIL,
            reasoning="curt",
            judge_model="openai:judge",
            prompt_hash="p1",
            attempts=2,
            samples=[JudgeSample(outcome=Outcome.FAIL, reasoning="a"), JudgeSample(outcome=Outcome.PASS)],
            agreement=0.5,
            unstable=True,
        ),
        Verdict(
            evaluation_id="refund_ok",
            conversation_id=conversation.id,
            outcome=Outcome.NOT_APPLICABLE,
            check_name="checks:refund_ok",
        ),
    ]
    return conversation, verdicts


def test_every_field_a_viewer_page_reads_comes_back(store_url):
    store = Store.open(store_url)
    older, newer = run_of("r-old", "v1", "food", 0), run_of("r-new", "v1", "food", 1)
    other = run_of("r-other", "v9", "travel", 2)
    for run in (older, newer, other):
        store.save_run(run)
    conversation, verdicts = full_conversation("r-new")
    store.save_conversation(conversation, verdicts)
    label = Label(
        conversation_id=conversation.id,
        evaluation_id="tone",
        label="pass",
        note="fine to me",
        labeller="ana",
        created_at=START,
        inclusion_probability=0.25,
        stratum="fail",
    )
    store.save_labels([label])

    assert store.conversation(conversation.id) == conversation
    assert store.conversation_verdicts(conversation.id) == verdicts
    (read,) = store.conversation_labels(conversation.id)
    # SQLite keeps no zone (as before these reads used Core): the same instant, read back as UTC
    assert read.model_copy(update={"created_at": read.created_at.replace(tzinfo=UTC)}) == label
    assert store.get_run("r-new") == newer
    assert store.get_run("v1") == newer, "a label names its newest run"
    assert store.get_run("r-ot") == other, "a unique id prefix"
    with pytest.raises(NotFound):
        store.get_run("r-")  # a prefix of three runs names none
    assert store.list_runs(suite="food") == [newer, older]
    assert store.list_runs(limit=1, offset=1) == [newer]
    assert store.scenario_outcome_rows("r-new") == [
        ("late-order", 1, "tone", "fail"),
        ("late-order", 1, "refund_ok", "not_applicable"),
    ]
    with pytest.raises(NotFound):
        store.conversation("r-new:late-order:0")
