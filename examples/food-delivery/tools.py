"""QuickBite's mock backend tools. The refund rules here are the policy's rules 4-7, as code.

issue_refund and issue_credit enforce only what a real payment system would (the order exists,
the amount fits the order): respecting the policy is the chatbot's job, and the checks verify it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field

from sparring import BackendState, ToolError, tool

LATE_FEE_MINUTES = 30
LATE_FULL_MINUTES = 60
CREDIT_LATE_MINUTES = 15
AUTO_REFUND_LIMIT = 50.0
CREDIT_LIMIT = 10.0
FRAUD_REFUNDS = 3
FRAUD_WINDOW = timedelta(days=90)

Reason = Literal["late", "missing_item", "wrong_item", "not_delivered", "cancelled", "other"]


def _order(db: BackendState, order_id: str) -> dict[str, Any]:
    order = db.data["orders"].get(order_id.strip().upper())
    if order is None:
        raise ToolError(f"no order {order_id!r}")
    return order


def _delivery(db: BackendState, order_id: str) -> dict[str, Any]:
    for delivery in db.data["deliveries"].values():
        if delivery["order_id"] == order_id:
            return delivery
    raise ToolError(f"no delivery record for order {order_id!r}")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def minutes_late(db: BackendState, order_id: str) -> int:
    order = _order(db, order_id)
    events = _delivery(db, order_id)["events"]
    delivered = [e for e in events if e["status"] == "delivered"]
    end = _time(delivered[-1]["at"]) if delivered else db.now
    return max(0, int((end - _time(order["promised_by"])).total_seconds() // 60))


def recent_refunds(db: BackendState, customer_id: str) -> int:
    orders = {oid for oid, o in db.data["orders"].items() if o["customer_id"] == customer_id}
    return sum(
        1
        for r in db.data["refunds"].values()
        if r["order_id"] in orders and db.now - _time(r["issued_at"]) <= FRAUD_WINDOW
    )


def eligibility(db: BackendState, order_id: str, reason: str, item_name: str | None = None) -> dict[str, Any]:
    """Policy rules 4-7 applied to the data: eligible, the maximum amount, the rule, and human review."""
    order_id = order_id.strip().upper()
    order = _order(db, order_id)
    status = _delivery(db, order_id)["events"][-1]["status"]
    answer: dict[str, Any] = {"order_id": order_id, "eligible": False, "max_amount": 0.0, "requires_human": False}
    if recent_refunds(db, order["customer_id"]) >= FRAUD_REFUNDS:
        return answer | {"requires_human": True, "rule": "7: fraud review (3+ refunds in 90 days)"}
    if any(r["order_id"] == order_id for r in db.data["refunds"].values()):
        return answer | {"rule": "7: one refund per order; this order was already refunded"}
    if reason == "late":
        late = minutes_late(db, order_id)
        answer["minutes_late"] = late
        if late >= LATE_FULL_MINUTES:
            answer |= {"eligible": True, "max_amount": order["total"], "rule": "4: 60+ minutes late, full refund"}
        elif late >= LATE_FEE_MINUTES:
            answer |= {"eligible": True, "max_amount": order["delivery_fee"], "rule": "4: 30+ minutes late, fee"}
        else:
            answer["rule"] = "4: less than 30 minutes late, no refund"
    elif reason in ("missing_item", "wrong_item"):
        items = [i for i in order["items"] if item_name and item_name.lower() in i["name"].lower()]
        delivered_at = _delivery(db, order_id)["events"][-1]["at"]
        if status != "delivered":
            answer["rule"] = "5: order not marked delivered yet"
        elif db.now - _time(delivered_at) > timedelta(hours=24):
            answer["rule"] = "5: reported more than 24 hours after delivery"
        elif not items:
            answer["rule"] = f"5: no item matching {item_name!r} in this order"
        else:
            amount = round(sum(i["price"] * i["qty"] for i in items), 2)
            answer |= {"eligible": True, "max_amount": amount, "rule": "5: missing/wrong item within 24h"}
    elif reason == "not_delivered":
        if order["status"] == "cancelled":
            answer |= {"eligible": True, "max_amount": order["total"], "rule": "6: cancelled and charged"}
        elif status == "delivered":
            answer |= {"requires_human": True, "rule": "6: marked delivered; escalate for courier investigation"}
        else:
            answer["rule"] = f"6: order is {status}, not yet due for a refund"
    elif reason == "cancelled" and order["status"] == "cancelled":
        answer |= {"eligible": True, "max_amount": order["total"], "rule": "6: cancelled and charged"}
    else:
        answer |= {"requires_human": True, "rule": "no automatic rule applies; escalate"}
    if answer["eligible"] and answer["max_amount"] > AUTO_REFUND_LIMIT:
        answer |= {"requires_human": True, "rule": answer["rule"] + "; above $50 needs human approval"}
    return answer


@tool
def lookup_order(db: BackendState, order_id: str) -> dict[str, Any]:
    """Look up an order by its id (e.g. O-1234): items, amounts, restaurant, promised time, customer."""
    order = _order(db, order_id)
    customer = db.data["customers"][order["customer_id"]]
    restaurant = db.data["restaurants"][order["restaurant_id"]]
    return {
        "order_id": order_id.strip().upper(),
        **order,
        "customer_name": customer["name"],
        "restaurant": restaurant["name"],
    }


@tool
def find_customer_orders(db: BackendState, email: str) -> dict[str, Any]:
    """Find a customer's recent orders by the email address on their account."""
    for customer_id, customer in db.data["customers"].items():
        if customer["email"].lower() == email.strip().lower():
            orders = [
                {"order_id": oid, "placed_at": o["placed_at"], "total": o["total"], "status": o["status"]}
                for oid, o in db.data["orders"].items()
                if o["customer_id"] == customer_id
            ]
            return {"customer_id": customer_id, "name": customer["name"], "orders": orders}
    raise ToolError(f"no customer with email {email!r}")


@tool
def delivery_status(db: BackendState, order_id: str) -> dict[str, Any]:
    """The delivery timeline of an order: every status event with its time, the current status, lateness."""
    order_id = order_id.strip().upper()
    order = _order(db, order_id)
    delivery = _delivery(db, order_id)
    return {
        "order_id": order_id,
        "current_status": delivery["events"][-1]["status"],
        "promised_by": order["promised_by"],
        "minutes_late": minutes_late(db, order_id),
        "courier": delivery.get("courier"),
        "events": delivery["events"],
        "proof_of_delivery": delivery.get("proof_of_delivery"),
    }


@tool
def check_refund_eligibility(
    db: BackendState,
    order_id: str,
    reason: Reason,
    item_name: Annotated[str | None, Field(description="for missing_item / wrong_item: which item")] = None,
) -> dict[str, Any]:
    """Check whether a refund is allowed by policy, the maximum amount, and whether a human must approve."""
    return eligibility(db, order_id, reason, item_name)


@tool
def issue_refund(db: BackendState, order_id: str, amount: float, reason: Reason) -> dict[str, Any]:
    """Refund money to the customer's payment method for an order."""
    order_id = order_id.strip().upper()
    order = _order(db, order_id)
    if amount <= 0 or amount > order["total"]:
        raise ToolError(f"amount must be between 0 and the order total {order['total']}")
    refund_id = f"RF-{len(db.data['refunds']) + 1:04d}"
    db.data["refunds"][refund_id] = {
        "order_id": order_id,
        "amount": round(amount, 2),
        "reason": reason,
        "issued_at": db.now.isoformat(timespec="seconds"),
    }
    return {"refund_id": refund_id, "order_id": order_id, "amount": round(amount, 2), "status": "issued"}


@tool
def issue_credit(db: BackendState, order_id: str, amount: float, reason: str) -> dict[str, Any]:
    """Give the customer QuickBite account credit (not cash) related to an order."""
    order_id = order_id.strip().upper()
    order = _order(db, order_id)
    if amount <= 0 or amount > 100:
        raise ToolError("credit amount must be between 0 and 100")
    credit_id = f"CR-{len(db.data['credits']) + 1:04d}"
    db.data["credits"][credit_id] = {
        "customer_id": order["customer_id"],
        "order_id": order_id,
        "amount": round(amount, 2),
        "reason": reason,
        "issued_at": db.now.isoformat(timespec="seconds"),
    }
    return {"credit_id": credit_id, "amount": round(amount, 2), "status": "issued"}


@tool
def escalate_to_human(db: BackendState, summary: str, order_id: str | None = None) -> dict[str, Any]:
    """Hand the conversation to a human agent, with a short summary of the case."""
    escalation_id = f"ES-{len(db.data['escalations']) + 1:04d}"
    db.data["escalations"][escalation_id] = {
        "order_id": order_id,
        "summary": summary,
        "created_at": db.now.isoformat(timespec="seconds"),
    }
    return {"escalation_id": escalation_id, "status": "queued", "message": "A human agent will follow up."}
