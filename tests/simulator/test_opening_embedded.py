"""The real path: the embedded model opens a demo conversation on its scenario (its order id, its issue), and the
`sim_opened_on_topic` check, stored in a real SQLite file, agrees."""

import pytest

from sparring import Outcome, RunOptions, Store, run_suite

pytestmark = pytest.mark.real


async def test_embedded_customer_opens_on_the_scenarios_order(example_suite, tmp_path):
    store = Store.open(str(tmp_path / "real.db"))
    options = RunOptions(
        label="opening", scenario_ids=["late-70min-full-refund"], evaluation_ids=["sim_opened_on_topic"], max_turns=1
    )
    result = await run_suite(example_suite, store, options)
    assert result.run.settings.simulator == "local:smollm2"
    reopened = Store.open(str(tmp_path / "real.db"))
    (conversation,) = reopened.conversations(result.run.id)
    opening = conversation.customer_turns()[0]
    assert "O-2001" in opening.content, opening
    assert "rephrasing kept" in opening.directive or "grounded opening was sent" in opening.directive
    (verdict,) = reopened.verdicts(result.run.id)
    assert verdict.evaluation_id == "sim_opened_on_topic" and verdict.outcome == Outcome.PASS, verdict.reasoning
