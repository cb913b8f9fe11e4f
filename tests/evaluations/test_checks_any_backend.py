"""Checks that read the backend work on any Backend: `ctx.tool` and `end_state_matches`' replay of the expected
actions run on a fresh backend from the suite's own factory — the demo's snapshot backend and a real SQLite file —
through the suite's evaluator; an imported (real) transcript stays not applicable."""

import sqlite3

import pytest

from backend.test_backend_sqlite import NOW, write_suite
from scripted_world import world_model
from sparring import Outcome, ToolCall, ToolError, load_suite
from sparring.backend import SqliteBackendFactory
from sparring.backend.overlay import diff_views
from sparring.data_model import AgentTurn, Conversation, Scenario
from sparring.data_model.run import TokenUsage
from sparring.evaluations.check_functions import CheckContext
from sparring.evaluations.library import builtin_evaluations
from sparring.models import MeteredModel

CHECKS = '''
from sparring import CheckContext, CheckResult, ToolError, check, failed, passed


@check(family="policy")
def refund_tool_accepts_the_order(ctx: CheckContext) -> CheckResult:
    """The refund tool accepts the scenario's order on the state before the conversation."""
    order = ctx.scenario.situation.split()[1]
    try:
        answer = ctx.tool("issue_refund", order_id=order, amount=1.0)
    except ToolError as exc:
        return failed(f"refused: {exc}")
    return passed(f"accepted as refund {answer['refund_id']}")
'''

REFUND = {"tool": "issue_refund", "arguments": {"order_id": "O-1", "amount": 5.0}}
REPLAY = {"expected_actions": {"actions": [REFUND]}, "expected_state": {"replay_expected_actions": True}}
SCENARIOS = [
    {"id": "gold", "situation": "Order O-1 was late.", "desired_outcome": "a refund", **REPLAY},
    {
        "id": "gone",
        "situation": "Order O-1 never came.",
        "desired_outcome": "a refund",
        "backend_overrides": {"orders": {"O-1": None}},
    },
]


@pytest.fixture
def sqlite_suite(tmp_path):
    root = write_suite(tmp_path / "suite", scenarios=SCENARIOS)
    (root / "checks.py").write_text(CHECKS)
    return load_suite(root)


def played(suite, scenario: Scenario, calls: list[ToolCall]) -> tuple[Conversation, object]:
    """A conversation whose agent made `calls` on a fresh backend of the suite; (conversation, initial view)."""
    factory = suite.backend_factory()
    initial = factory(scenario, NOW).view()
    backend = factory(scenario, NOW)
    records = [backend.execute(call) for call in calls]
    conversation = Conversation(id="r:s:0", run_id="r", scenario_id=scenario.id)
    conversation.turns.append(AgentTurn(content="done", tool_calls=records))
    conversation.state_diff = diff_views(initial, backend.view())
    return conversation, initial


async def verdicts_of(suite, scenario, ids, calls, initial_known=True):
    evaluations = [builtin_evaluations().get(i) or suite.catalog.specs[i] for i in ids]
    conversation, initial = played(suite, scenario, calls)
    judge = MeteredModel(world_model(), TokenUsage())
    evaluator = suite.evaluator(evaluations)
    verdicts = await evaluator.evaluate(conversation, scenario, initial if initial_known else None, judge, NOW)
    return {v.evaluation_id: v for v in verdicts}


def refund(order_id: str, amount: float) -> ToolCall:
    return ToolCall(id="c1", name="issue_refund", arguments={"order_id": order_id, "amount": amount})


@pytest.mark.parametrize(("amount", "outcome"), [(5.0, Outcome.PASS), (4.0, Outcome.FAIL)])
async def test_end_state_matches_replays_on_a_sqlite_suite(sqlite_suite, amount, outcome):
    assert isinstance(sqlite_suite.backend_factory(), SqliteBackendFactory)
    scenario = sqlite_suite.scenarios[0]
    verdicts = await verdicts_of(sqlite_suite, scenario, ["end_state_matches"], [refund("O-1", amount)])
    verdict = verdicts["end_state_matches"]
    assert verdict.outcome == outcome, verdict.reasoning
    if outcome == Outcome.FAIL:
        assert verdict.reasoning.endswith("replay in refunds.2"), verdict.reasoning


async def test_a_sqlite_replay_leaves_out_ignored_columns_and_finds_a_missing_write(sqlite_suite):
    scenario = sqlite_suite.scenarios[0]
    later = NOW.replace(year=2027)
    ignoring = scenario.model_copy(
        update={"expected_state": scenario.expected_state.model_copy(update={"ignore": ["refunds.issued_at"]})}
    )
    for chosen, outcome in ((scenario, Outcome.FAIL), (ignoring, Outcome.PASS)):
        factory = sqlite_suite.backend_factory()
        backend = factory(chosen, later)  # the agent's refund is stamped a year later than the replay's
        backend.execute(refund("O-1", 5.0))
        conversation = Conversation(id="r:s:0", run_id="r", scenario_id=chosen.id)
        initial = factory(chosen, NOW).view()
        conversation.state_diff = diff_views(factory(chosen, later).view(), backend.view())
        judge = MeteredModel(world_model(), TokenUsage())
        evaluator = sqlite_suite.evaluator([builtin_evaluations()["end_state_matches"]])
        [verdict] = await evaluator.evaluate(conversation, chosen, initial, judge, NOW)
        assert verdict.outcome == outcome, verdict.reasoning
    missing = await verdicts_of(sqlite_suite, scenario, ["end_state_matches"], [])
    assert "replay in orders.O-1, refunds.2" in missing["end_state_matches"].reasoning


@pytest.mark.parametrize(("index", "outcome", "said"), [(0, Outcome.PASS, "refund 2"), (1, Outcome.FAIL, "no order")])
async def test_a_check_using_ctx_tool_runs_on_the_sqlite_backend(sqlite_suite, index, outcome, said):
    database = sqlite_suite.root / "shop.db"
    before = database.read_bytes()
    scenario = sqlite_suite.scenarios[index]
    verdicts = await verdicts_of(sqlite_suite, scenario, ["refund_tool_accepts_the_order"], [])
    verdict = verdicts["refund_tool_accepts_the_order"]
    assert verdict.outcome == outcome and said in verdict.reasoning, verdict.reasoning
    assert database.read_bytes() == before
    rows = sqlite3.connect(database).execute("SELECT COUNT(*) FROM refunds").fetchone()
    assert rows == (1,), "the check's write went to a throwaway copy"


async def test_an_imported_transcript_has_no_backend_for_these_checks(sqlite_suite):
    scenario = sqlite_suite.scenarios[0]
    ids = ["end_state_matches", "refund_tool_accepts_the_order"]
    verdicts = await verdicts_of(sqlite_suite, scenario, ids, [refund("O-1", 5.0)], initial_known=False)
    assert {v.outcome for v in verdicts.values()} == {Outcome.NOT_APPLICABLE}


def demo_context(suite, scenario: Scenario) -> CheckContext:
    conversation = Conversation(id="r:s:0", run_id="r", scenario_id=scenario.id)
    initial = suite.backend_factory()(scenario, NOW).view()
    return CheckContext(conversation, scenario, suite.policy, initial, NOW, backend=suite.backend_factory())


def test_ctx_tool_on_the_demo_backend_answers_refuses_and_writes_nowhere(example_suite):
    scenario = next(s for s in example_suite.scenarios if "O-2002" in s.backend_overrides.get("orders", {}))
    ctx = demo_context(example_suite, scenario)
    answer = ctx.tool("check_refund_eligibility", order_id="O-2002", reason="late")
    assert isinstance(answer["eligible"], bool) and "rule" in answer
    with pytest.raises(ToolError, match="O-404"):
        ctx.tool("check_refund_eligibility", order_id="O-404", reason="late")
    with pytest.raises(ToolError, match="unknown tool 'no_such_tool'"):
        ctx.tool("no_such_tool")
    ctx.tool("issue_refund", order_id="O-2002", amount=1.0, reason="late")
    assert ctx.fresh_backend().view() is ctx.initial_state, "the refund went to a throwaway backend"
