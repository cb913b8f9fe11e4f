"""Stored runs of the demo suite (food-delivery) for the viewer's decision, drill-down, compare and history tests:
real scenarios (titles, tags, briefs), chosen outcomes, a backend end-state diff, two agents, two trials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sparring import AgentTurn, Conversation, CustomerTurn, Outcome, Run, Store, ToolCallRecord, Verdict
from sparring.data_model import RunStatus
from sparring.data_model.conversation import EndReason, ErrorKind, StateDiff
from sparring.data_model.run import ModelSettings

# scenario -> outcome of refund_only_when_eligible (policy family) per trial; professional_tone always passes
SCENARIOS = {
    "high-value-party-order-late": ["pass", "fail"],  # flaky across its two trials
    "fraud-repeat-refunds": ["fail", "fail"],
    "late-70min-full-refund": ["pass", "pass"],
    "high-value-missing-items": ["pass", "pass"],
}
EVALUATIONS = ["refund_only_when_eligible", "professional_tone"]
SEARCHABLE = "zanzibar-voucher"  # said by the agent in one conversation only (a transcript search finds it)
REASON = "refunded although the order was not eligible"


def store_run(
    store: Store,
    run_id: str,
    outcomes: dict[str, list[str]],
    *,
    label: str | None = None,
    agent: str = "openai:bot",
    hours: int = 0,
    suite: str = "food-delivery",
    errored: str | None = None,
) -> Run:
    """A completed run of `suite`: per scenario and trial, refund_only_when_eligible's outcome as given and
    professional_tone passed; the conversation of `errored` (trial 0) ended in a chatbot error."""
    start = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=hours)
    run = Run(
        id=run_id,
        label=label or run_id,
        suite=suite,
        settings=ModelSettings(simulator="scripted:sim", agent=agent, judge="scripted:judge"),
        status=RunStatus.COMPLETED,
        scenario_ids=list(outcomes),
        evaluation_ids=EVALUATIONS,
        trials=max(len(v) for v in outcomes.values()),
        clock=start,
        started_at=start,
    )
    store.save_run(run)
    for scenario_id, per_trial in outcomes.items():
        for trial, outcome in enumerate(per_trial):
            said = f"I issued a {SEARCHABLE}." if (scenario_id, trial) == ("fraud-repeat-refunds", 0) else "Done."
            conversation = Conversation(
                id=f"{run_id}:{scenario_id}:{trial}",
                run_id=run_id,
                scenario_id=scenario_id,
                trial=trial,
                turns=[
                    CustomerTurn(content=f"About {scenario_id}: I want my money back."),
                    AgentTurn(
                        content=said,
                        tool_calls=[
                            ToolCallRecord(
                                id="t1", name="issue_refund", arguments={"order_id": "O-1"}, result={"ok": 1}
                            )
                        ],
                    ),
                ],
                end_reason=EndReason.RESOLVED,
                state_diff=StateDiff(created={"refunds": {"R-9": {"order_id": "O-1", "amount": 12.5}}}),
            )
            if scenario_id == errored and trial == 0:
                conversation.end_reason, conversation.error_kind = EndReason.ERROR, ErrorKind.CHATBOT_ERROR
                conversation.error = "HTTP 500 from the chatbot"
            verdicts = [
                Verdict(
                    evaluation_id="refund_only_when_eligible",
                    conversation_id=conversation.id,
                    outcome=Outcome(outcome),
                    reasoning=REASON if outcome == "fail" else "eligible refund",
                ),
                Verdict(
                    evaluation_id="professional_tone",
                    conversation_id=conversation.id,
                    outcome=Outcome.PASS,
                    reasoning="polite",
                ),
            ]
            store.save_conversation(conversation, verdicts)
    return run
