"""Judges and checks are two implementations of one Evaluation protocol: the Evaluator runs any Evaluation
without asking its kind, and every verdict records what produced it (a check is never named as a model)."""

import sqlite3
from datetime import UTC, datetime

from sparring import AgentTurn, Conversation, CustomerTurn, Outcome, ScriptedModel, Store, Verdict
from sparring.data_model import Scenario, TokenUsage
from sparring.evaluations import (
    Check,
    CheckContext,
    CheckResult,
    Evaluation,
    EvaluationContext,
    EvaluationSpec,
    Evaluator,
    Judge,
    SuiteFacts,
    build_evaluations,
    check,
    failed,
    passed,
)
from sparring.models import MeteredModel
from store.test_store import make_run

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RUN_ID = "20260601-120000-abcdef"
CONVERSATION = Conversation(
    id=f"{RUN_ID}:s:0",
    run_id=RUN_ID,
    scenario_id="s",
    turns=[CustomerTurn(content="where is my order?"), AgentTurn(content="It is on its way.")],
)
SCENARIO = Scenario.model_validate(
    {"id": "s", "persona": {}, "situation": "late order", "desired_outcome": "an answer", "tags": ["late"]}
)
JUDGE_SPEC = EvaluationSpec(id="answers", kind="judge", description="d", criterion="The agent answers.")
CHECK_SPEC = EvaluationSpec(id="short", kind="check", description="d", function="short", source="builtin")
FACTS = SuiteFacts("the policy")


@check
def short(ctx: CheckContext) -> CheckResult:
    """Every agent reply is under 40 characters."""
    long = [t.content for t in ctx.conversation.agent_turns() if len(t.content) >= 40]
    return failed(f"{len(long)} long replies") if long else passed("all short")


def judge_model(verdict: str = "pass") -> MeteredModel:
    return MeteredModel(ScriptedModel(lambda request: {"reasoning": "scripted", "verdict": verdict}), TokenUsage())


class EndsPolitely:
    """A third implementation, neither judge nor check: the Evaluator must run it all the same."""

    spec = EvaluationSpec(id="polite_end", kind="check", description="d", function="x", applies_to=["late"])
    id = "polite_end"
    family = "communication"

    def applies_to(self, scenario: Scenario) -> bool:
        return self.spec.applies(scenario.tags)

    def verdict(self, conversation: Conversation, outcome: Outcome, reasoning: str) -> Verdict:
        return Verdict(evaluation_id=self.id, conversation_id=conversation.id, outcome=outcome, reasoning=reasoning)

    async def evaluate(self, conversation: Conversation, context: EvaluationContext) -> Verdict:
        last = conversation.agent_turns()[-1].content
        outcome = Outcome.PASS if last.endswith(".") else Outcome.FAIL
        return self.verdict(conversation, outcome, f"transcript {context.transcript.boundary}")


def test_judge_check_and_a_new_kind_all_satisfy_the_protocol():
    judge, short_check = build_evaluations([JUDGE_SPEC, CHECK_SPEC], {"short": short}, FACTS)
    assert isinstance(judge, Judge) and isinstance(short_check, Check)
    assert all(isinstance(e, Evaluation) for e in (judge, short_check, EndsPolitely()))


async def test_the_evaluator_runs_any_evaluation_in_order_without_knowing_its_kind():
    evaluations = [*build_evaluations([JUDGE_SPEC, CHECK_SPEC], {"short": short}, FACTS), EndsPolitely()]
    verdicts = await Evaluator(evaluations).evaluate(CONVERSATION, SCENARIO, {}, judge_model("fail"), NOW)
    assert [(v.evaluation_id, v.outcome) for v in verdicts] == [
        ("answers", Outcome.FAIL),
        ("short", Outcome.PASS),
        ("polite_end", Outcome.PASS),
    ]
    assert verdicts[2].reasoning.startswith("transcript transcript-"), "the shared rendered transcript"
    untagged = SCENARIO.model_copy(update={"tags": []})
    [*_, skipped] = await Evaluator(evaluations).evaluate(CONVERSATION, untagged, {}, judge_model(), NOW)
    assert skipped.outcome == Outcome.NOT_APPLICABLE and "include none of ['late']" in skipped.reasoning


async def test_verdicts_name_their_producer_and_survive_the_store(tmp_path):
    evaluations = build_evaluations([JUDGE_SPEC, CHECK_SPEC], {"short": short}, FACTS)
    verdicts = await Evaluator(evaluations).evaluate(CONVERSATION, SCENARIO, {}, judge_model(), NOW)
    judged, checked = verdicts
    assert judged.judge_model == "scripted:test" and judged.prompt_hash == Judge(JUDGE_SPEC, "the policy").prompt_hash
    assert judged.check_name is None
    assert checked.check_name == f"{__name__}.short"
    assert checked.judge_model is None and checked.prompt_hash is None, "a check is not a model"
    store = Store.open(str(tmp_path / "s.db"))
    store.save_run(make_run(RUN_ID, "v1"))
    store.save_conversation(CONVERSATION, verdicts)
    assert store.verdicts(RUN_ID) == verdicts


def test_a_suite_check_is_named_by_its_file_and_function():
    spec = CHECK_SPEC.model_copy(update={"source": "/suites/food/evaluations/style.py"})
    assert Check(spec, short, FACTS).name == "style.py:short"


def test_a_verdict_stored_by_an_older_version_still_reads_as_a_check(tmp_path):
    file = tmp_path / "old.db"
    store = Store.open(str(file))
    store.save_run(make_run(RUN_ID, "v1"))
    store.save_conversation(CONVERSATION, [])
    with sqlite3.connect(file) as db:
        db.execute(
            "insert into verdicts (run_id, conversation_id, evaluation_id, outcome, reasoning, judge_model, attempts)"
            f" values ('{RUN_ID}', '{CONVERSATION.id}', 'short', 'fail', 'long', 'check:short', 1)"
        )
    [verdict] = store.verdicts(RUN_ID)
    assert verdict.check_name == "short" and verdict.judge_model is None and verdict.outcome == Outcome.FAIL


async def test_a_check_that_raises_or_returns_garbage_is_an_error_verdict_naming_the_check():
    def broken(ctx: CheckContext) -> CheckResult:
        raise KeyError("order")

    def garbage(ctx: CheckContext) -> CheckResult:
        return "pass"  # type: ignore[return-value]

    specs = [CHECK_SPEC.model_copy(update={"id": name, "function": name}) for name in ("broken", "garbage")]
    evaluations = build_evaluations(specs, {"broken": broken, "garbage": garbage}, FACTS)
    raised, returned = await Evaluator(evaluations).evaluate(CONVERSATION, SCENARIO, {}, judge_model(), NOW)
    assert raised.outcome == Outcome.ERROR and "evaluation raised KeyError" in raised.reasoning
    assert returned.outcome == Outcome.ERROR and "returned str, not CheckResult" in returned.reasoning
    assert raised.check_name.endswith("broken") and returned.check_name.endswith("garbage")


async def test_simulator_evaluations_do_not_apply_to_a_real_customer():
    spec = JUDGE_SPEC.model_copy(update={"family": "simulator"})
    model = ScriptedModel([])
    [verdict] = await Evaluator(build_evaluations([spec], {}, FACTS)).evaluate(
        CONVERSATION, SCENARIO, None, MeteredModel(model, TokenUsage()), NOW
    )
    assert verdict.outcome == Outcome.NOT_APPLICABLE and "a real customer" in verdict.reasoning
    assert model.requests == [], "no model call"
