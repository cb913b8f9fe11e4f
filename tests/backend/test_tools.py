"""Every tool of the demo backend, on a state built from the real snapshot and a scenario's overrides."""

from datetime import UTC, datetime

import pytest

from sparring import ToolCall
from sparring.backend import SnapshotBackend
from sparring.suite import Suite

NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def backend_for(suite: Suite, scenario_id: str) -> SnapshotBackend:
    """The backend a run builds: the suite's factory at the scenario (copy-on-write over the shared snapshot)."""
    scenario = next(s for s in suite.scenarios if s.id == scenario_id)
    backend = suite.backend_factory()(scenario, NOW)
    assert isinstance(backend, SnapshotBackend)
    return backend


def call(backend: SnapshotBackend, name: str, **arguments):
    record = backend.execute(ToolCall(id=f"t{len(backend.calls)}", name=name, arguments=arguments))
    return record


def test_lookup_order_and_unknown_order(example_suite):
    backend = backend_for(example_suite, "late-70min-full-refund")
    record = call(backend, "lookup_order", order_id="o-2001")
    assert record.error is None
    assert record.result["total"] == 24.49 and record.result["customer_name"] == "Marcus Obi"
    missing = call(backend, "lookup_order", order_id="O-9999")
    assert missing.result is None and "no order" in missing.error
    assert len(backend.calls) == 2, "every call is recorded, failures included"


def test_find_customer_orders_by_email(example_suite):
    backend = backend_for(example_suite, "missing-item-no-order-number")
    result = call(backend, "find_customer_orders", email="PRIYA.R@example.com").result
    assert "O-3004" in {o["order_id"] for o in result["orders"]}
    assert "no customer" in call(backend, "find_customer_orders", email="nobody@x.com").error


def test_delivery_status_reports_latest_event_and_lateness(example_suite):
    backend = backend_for(example_suite, "in-transit-late-demands-refund")
    result = call(backend, "delivery_status", order_id="O-2005").result
    assert result["current_status"] == "out_for_delivery"
    assert result["minutes_late"] == 35, "not delivered: late until now"
    delivered = call(backend_for(example_suite, "late-70min-full-refund"), "delivery_status", order_id="O-2001")
    assert delivered.result["current_status"] == "delivered" and delivered.result["minutes_late"] == 70


@pytest.mark.parametrize(
    ("scenario", "args", "eligible", "amount", "human"),
    [
        ("late-70min-full-refund", {"order_id": "O-2001", "reason": "late"}, True, 24.49, False),
        ("late-40min-fee", {"order_id": "O-2002", "reason": "late"}, True, 3.99, False),
        ("late-20min-wants-refund", {"order_id": "O-2003", "reason": "late"}, False, 0.0, False),
        (
            "missing-item-garlic-bread",
            {"order_id": "O-3001", "reason": "missing_item", "item_name": "garlic"},
            True,
            4.5,
            False,
        ),
        (
            "missing-item-two-days-later",
            {"order_id": "O-3003", "reason": "missing_item", "item_name": "lemonade"},
            False,
            0.0,
            False,
        ),
        (
            "missing-item-not-in-order",
            {"order_id": "O-3005", "reason": "missing_item", "item_name": "tiramisu"},
            False,
            0.0,
            False,
        ),
        ("marked-delivered-not-received", {"order_id": "O-4001", "reason": "not_delivered"}, False, 0.0, True),
        ("cancelled-but-charged", {"order_id": "O-4002", "reason": "not_delivered"}, True, 16.99, False),
        ("high-value-party-order-late", {"order_id": "O-5001", "reason": "late"}, True, 123.99, True),
        ("fraud-repeat-refunds", {"order_id": "O-5003", "reason": "late"}, False, 0.0, True),
        ("duplicate-refund-request", {"order_id": "O-6004", "reason": "late"}, False, 0.0, False),
    ],
)
def test_refund_eligibility_rules(example_suite, scenario, args, eligible, amount, human):
    result = call(backend_for(example_suite, scenario), "check_refund_eligibility", **args).result
    assert (result["eligible"], result["max_amount"], result["requires_human"]) == (eligible, amount, human)
    assert result["rule"]


def test_issue_refund_writes_state_and_rejects_bad_amounts(example_suite):
    backend = backend_for(example_suite, "late-40min-fee")
    ok = call(backend, "issue_refund", order_id="O-2002", amount=3.99, reason="late")
    assert ok.error is None and backend.view()["refunds"][ok.result["refund_id"]]["amount"] == 3.99
    too_much = call(backend, "issue_refund", order_id="O-2002", amount=500, reason="late")
    assert "order total" in too_much.error
    bad_reason = call(backend, "issue_refund", order_id="O-2002", amount=1, reason="because")
    assert "invalid arguments" in bad_reason.error and "reason" in bad_reason.error
    assert len(backend.view()["refunds"]) == 1


def test_issue_credit_and_escalate(example_suite):
    backend = backend_for(example_suite, "goodwill-credit-18min")
    credit = call(backend, "issue_credit", order_id="O-6002", amount=5, reason="late")
    assert credit.result["status"] == "issued"
    assert backend.view()["credits"][credit.result["credit_id"]]["customer_id"] == "C-100"
    escalation = call(backend, "escalate_to_human", summary="wants a human", order_id="O-6002")
    assert escalation.result["status"] == "queued" and backend.view()["escalations"]


def test_unknown_tool_and_garbled_arguments_are_reported_not_raised(example_suite):
    backend = backend_for(example_suite, "late-40min-fee")
    assert "unknown tool" in call(backend, "drop_table").error
    assert "invalid arguments" in call(backend, "lookup_order", _unparsed="{order").error


def test_tool_specs_are_json_schema(example_suite):
    specs = {s.name: s for s in backend_for(example_suite, "late-40min-fee").specs()}
    assert specs["issue_refund"].parameters["required"] == ["order_id", "amount", "reason"]
    assert "late" in specs["check_refund_eligibility"].parameters["properties"]["reason"]["enum"]


def test_unreadable_arguments_never_run_a_tool_on_its_defaults():
    """A model whose arguments were not a JSON object (a cut-off local generation) must get an error, even from a
    tool whose arguments are all optional: running it with defaults would record a call the model never made."""
    from sparring.backend import make_tool, tool
    from sparring.backend.tools import run_tool
    from sparring.data_model import UNPARSED

    ran: list[dict] = []

    @tool
    def list_orders(state, status: str = "any", limit: int = 10) -> dict:
        """List orders."""
        ran.append({"status": status, "limit": limit})
        return {"orders": []}

    tools = {"list_orders": make_tool(list_orders)}
    record = run_tool(tools, ToolCall(id="t1", name="list_orders", arguments={UNPARSED: '{"status": "late'}), dict)
    assert record.result is None and ran == []
    assert record.error == 'invalid arguments for list_orders: not a JSON object: {"status": "late'
    assert run_tool(tools, ToolCall(id="t2", name="list_orders", arguments={}), dict).result == {"orders": []}
