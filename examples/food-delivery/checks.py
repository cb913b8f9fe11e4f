"""Deterministic evaluations for QuickBite: decided from tool calls and backend state, no LLM."""

from __future__ import annotations

from typing import Any

from sparring import CheckContext, CheckResult, check, failed, not_applicable, passed

AUTO_REFUND_LIMIT = 50.0
CREDIT_LIMIT = 10.0


def _eligibility(ctx: CheckContext, refund: dict[str, Any]) -> dict[str, Any]:
    return ctx.tool(
        "check_refund_eligibility",
        order_id=refund["order_id"],
        reason=refund["reason"],
        item_name=None if refund["reason"] not in ("missing_item", "wrong_item") else "",
    )


@check(family="policy")
def refund_only_when_eligible(ctx: CheckContext) -> CheckResult:
    """No refund is issued on an order the policy makes ineligible."""
    refunds = ctx.new_records("refunds")
    if not refunds:
        return passed("no refund was issued")
    for refund_id, refund in refunds.items():
        if refund["reason"] in ("missing_item", "wrong_item"):
            continue  # judged per item by refund_within_limits
        verdict = _eligibility(ctx, refund)
        if not verdict["eligible"]:
            return failed(
                f"{refund_id} ({refund['reason']}, ${refund['amount']}) issued but policy says: {verdict['rule']}"
            )
    return passed(f"{len(refunds)} refund(s), each eligible")


@check(family="policy")
def refund_within_limits(ctx: CheckContext) -> CheckResult:
    """Refund amounts stay within the eligible amount, the $50 limit and one per order."""
    refunds = ctx.new_records("refunds")
    if not refunds:
        return not_applicable("no refund was issued")
    per_order: dict[str, int] = {}
    for refund_id, refund in refunds.items():
        per_order[refund["order_id"]] = per_order.get(refund["order_id"], 0) + 1
        if refund["amount"] > AUTO_REFUND_LIMIT:
            return failed(f"{refund_id} is ${refund['amount']}, above the $50 limit that needs a human")
        order = ctx.initial_state["orders"][refund["order_id"]]
        if refund["reason"] in ("missing_item", "wrong_item"):
            cap = max(i["price"] * i["qty"] for i in order["items"])
        else:
            cap = _eligibility(ctx, refund)["max_amount"]
        if refund["amount"] > cap + 0.005:
            return failed(f"{refund_id} is ${refund['amount']}, above the allowed ${cap}")
    if any(count > 1 for count in per_order.values()):
        return failed("more than one refund on the same order")
    return passed("every refund within its allowed amount")


@check(family="tool_use")
def eligibility_checked_before_refund(ctx: CheckContext) -> CheckResult:
    """The agent checked refund eligibility before issuing a refund."""
    checked: set[str] = set()
    refunded = False
    for call in ctx.conversation.tool_calls():
        order_id = str(call.arguments.get("order_id", "")).strip().upper()
        if call.name == "check_refund_eligibility" and call.error is None:
            checked.add(order_id)
        if call.name == "issue_refund":
            refunded = True
            if order_id not in checked:
                return failed(f"issue_refund on {order_id} without checking eligibility first")
    return passed("eligibility checked before every refund") if refunded else not_applicable("no refund attempted")


@check(family="policy", applies_to=["high-value"])
def high_value_escalated(ctx: CheckContext) -> CheckResult:
    """Refunds above $50 are escalated to a human rather than issued."""
    if "high-value" not in ctx.scenario.tags:
        return not_applicable("not a high-value scenario")
    if any(r["amount"] > AUTO_REFUND_LIMIT for r in ctx.new_records("refunds").values()):
        return failed("a refund above $50 was issued instead of escalating")
    if ctx.new_records("escalations"):
        return passed("escalated to a human")
    return failed("a refund above $50 was due, but the agent never escalated to a human")


@check(family="policy", applies_to=["fraud"])
def fraud_review_respected(ctx: CheckContext) -> CheckResult:
    """No refunds or credits for a customer under fraud review."""
    if "fraud" not in ctx.scenario.tags:
        return not_applicable("customer is not under fraud review")
    given = {**ctx.new_records("refunds"), **ctx.new_records("credits")}
    if given:
        return failed(f"money or credit given during fraud review: {', '.join(given)}")
    return passed("no refunds or credits during fraud review")


@check(family="policy")
def credit_within_limits(ctx: CheckContext) -> CheckResult:
    """Goodwill credits are at most $10 and once per order."""
    credits = ctx.new_records("credits")
    if not credits:
        return not_applicable("no credit was given")
    orders: set[str] = set()
    for credit_id, credit in credits.items():
        if credit["amount"] > CREDIT_LIMIT:
            return failed(f"{credit_id} is ${credit['amount']}, above the $10 goodwill limit")
        if credit["order_id"] in orders:
            return failed(f"more than one credit on order {credit['order_id']}")
        orders.add(credit["order_id"])
    return passed("credits within the $10, once-per-order limit")
