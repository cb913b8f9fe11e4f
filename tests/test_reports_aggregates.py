"""Reports aggregate in the database: the SQL path gives exactly what counting verdict objects gives."""

import random
from datetime import UTC, datetime

from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.analysis import summarize
from sparring.analysis.report import rate_text, run_summaries, run_totals
from sparring.data_model import ModelSettings, Run
from sparring.data_model.verdict import JudgeSample

CHATBOT = ["tone", "refund_rule", "escalated"]
SIMULATOR = ["sim_no_invented_facts"]


def make_run(run_id: str = "r1") -> Run:
    """A run with three chatbot evaluations and one simulator check."""
    return Run(
        id=run_id,
        label=run_id,
        suite="s",
        evaluation_ids=CHATBOT + SIMULATOR,
        simulator_evaluation_ids=SIMULATOR,
        clock=datetime(2026, 1, 1, tzinfo=UTC),
        started_at=datetime.now(UTC),
        settings=ModelSettings(simulator="m", agent="m", judge="m"),
    )


def random_verdict(rng: random.Random, conversation_id: str, evaluation_id: str) -> Verdict:
    """A verdict with a random outcome; some carry disagreeing judge samples (unstable)."""
    outcome = rng.choice(list(Outcome))
    unstable = rng.random() < 0.2
    samples = [JudgeSample(outcome=Outcome.PASS), JudgeSample(outcome=Outcome.FAIL)] if unstable else []
    return Verdict(
        evaluation_id=evaluation_id,
        conversation_id=conversation_id,
        outcome=outcome,
        samples=samples,
        unstable=unstable,
    )


def fill(store: Store, run: Run, conversations: int, errored: int, seed: int = 3) -> list[Verdict]:
    """Stores `conversations` conversations, the first `errored` of them errored (every verdict an error)."""
    rng = random.Random(seed)
    store.save_run(run)
    everything = []
    for i in range(conversations):
        conversation = Conversation(
            id=f"{run.id}:sc{i:03d}:0",
            run_id=run.id,
            scenario_id=f"sc{i:03d}",
            end_reason=EndReason.ERROR if i < errored else EndReason.RESOLVED,
        )
        verdicts = [
            Verdict(evaluation_id=e, conversation_id=conversation.id, outcome=Outcome.ERROR)
            if i < errored
            else random_verdict(rng, conversation.id, e)
            for e in CHATBOT + SIMULATOR
        ]
        store.save_conversation(conversation, verdicts)
        everything += verdicts
    return everything


def test_run_summaries_equal_counting_verdict_objects(tmp_path):
    store = Store.open(str(tmp_path / "agg.db"))
    run = make_run()
    verdicts = fill(store, run, conversations=60, errored=5)
    fill(store, make_run("other"), conversations=10, errored=10, seed=9)  # another run never leaks in
    expected = summarize(verdicts, run.evaluation_ids, run.simulator_evaluation_ids)
    got = run_summaries(store, run)
    assert [s.model_dump() for s in got] == [s.model_dump() for s in expected]
    assert any(s.unstable for s in got) and any(s.suspect_failed for s in got), "premise: every column exercised"


def test_headline_is_the_chatbots_and_names_errored_conversations(tmp_path):
    store = Store.open(str(tmp_path / "head.db"))
    run = make_run()
    verdicts = fill(store, run, conversations=40, errored=4)
    totals = run_totals(run_summaries(store, run), SIMULATOR, store.conversation_end_counts([run.id])[run.id])
    chatbot = [v for v in verdicts if v.evaluation_id in CHATBOT]
    count = {o: sum(v.outcome == o for v in chatbot) for o in Outcome}
    assert (totals.chatbot.passed, totals.chatbot.failed, totals.chatbot.errors) == (
        count[Outcome.PASS],
        count[Outcome.FAIL],
        count[Outcome.ERROR],
    )
    simulator = [v for v in verdicts if v.evaluation_id in SIMULATOR]
    assert totals.simulator is not None and totals.simulator.passed == sum(v.outcome == Outcome.PASS for v in simulator)
    assert (totals.conversations, totals.errored_conversations) == (40, 4)


def test_rate_text_never_hides_errors():
    assert rate_text(8, 2, 9) == "80% (8/10) · 9 errored"
    assert rate_text(0, 0, 10) == "— (0/0) · 10 errored"


def test_flagged_ids_stream_in_order(tmp_path):
    store = Store.open(str(tmp_path / "flag.db"))
    run = make_run()
    verdicts = fill(store, run, conversations=30, errored=2)
    flagged = sorted({v.conversation_id for v in verdicts if v.outcome in (Outcome.FAIL, Outcome.ERROR)})
    assert list(store.flagged_conversation_ids(run.id)) == flagged
