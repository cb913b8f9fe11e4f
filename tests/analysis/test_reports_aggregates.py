"""Reports aggregate in the database: the SQL path gives exactly what counting verdict objects gives."""

import random
from datetime import UTC, datetime

from sparring import Conversation, EndReason, Outcome, Store, Verdict
from sparring.analysis import summarize
from sparring.analysis.pass_rates import rate_text, run_summaries, run_totals
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


def test_a_conversation_failing_two_simulator_checks_is_counted_once(tmp_path):
    store = Store.open(str(tmp_path / "twice.db"))
    run = make_run().model_copy(update={"evaluation_ids": CHATBOT + ["sim_a", "sim_b"]})
    run = run.model_copy(update={"simulator_evaluation_ids": ["sim_a", "sim_b"]})
    store.save_run(run)
    everything = []
    for i, outcomes in enumerate([("fail", "fail", "fail"), ("pass", "fail", "pass"), ("fail", "pass", "pass")]):
        conversation = Conversation(id=f"r1:s{i}:0", run_id="r1", scenario_id=f"s{i}", end_reason=EndReason.RESOLVED)
        tone, sim_a, sim_b = (Outcome(o) for o in outcomes)
        verdicts = [
            Verdict(evaluation_id=e, conversation_id=conversation.id, outcome=o)
            for e, o in (("tone", tone), ("sim_a", sim_a), ("sim_b", sim_b))
        ]
        store.save_conversation(conversation, verdicts)
        everything += verdicts
    [tone] = [s for s in run_summaries(store, run) if s.evaluation_id == "tone"]
    assert (tone.suspect_failed, tone.suspect_passed, tone.failed, tone.passed) == (1, 1, 2, 1)
    assert store.suspect_counts("r1", ["sim_a", "sim_b"]) == ({"r1:s0:0", "r1:s1:0"}, {"tone": {"fail": 1, "pass": 1}})
    expected = summarize(everything, run.evaluation_ids, run.simulator_evaluation_ids)
    assert [s.model_dump() for s in run_summaries(store, run)] == [s.model_dump() for s in expected]


def test_a_run_without_simulator_checks_has_no_suspects(tmp_path):
    store = Store.open(str(tmp_path / "nosim.db"))
    run = make_run().model_copy(update={"simulator_evaluation_ids": []})
    verdicts = fill(store, run, conversations=20, errored=2)
    expected = summarize(verdicts, run.evaluation_ids, [])
    got = run_summaries(store, run)
    assert [s.model_dump() for s in got] == [s.model_dump() for s in expected]
    assert not any(s.suspect_failed or s.suspect_passed for s in got) and any(s.unstable for s in got)
