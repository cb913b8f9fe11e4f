"""The mock backend's tools: the chatbot under test calls them; they read and change the snapshot's copy.
Each @tool function takes the backend state first; its other typed parameters are what the model fills in."""

from __future__ import annotations

from typing import Any

from sparring import BackendState, ToolError, tool


def _order(db: BackendState, order_id: str) -> dict[str, Any]:
    order = db.data["orders"].get(order_id.strip().upper())
    if order is None:
        raise ToolError(f"no order {order_id!r}")
    return order


@tool
def lookup_order(db: BackendState, order_id: str) -> dict[str, Any]:
    """Look up an order by its id (e.g. O-1001): status, items, total, when it was placed."""
    return {"order_id": order_id.strip().upper(), **_order(db, order_id)}


@tool
def issue_refund(db: BackendState, order_id: str, amount: float) -> dict[str, Any]:
    """Refund money for an order to the customer's payment method."""
    order = _order(db, order_id)
    if amount <= 0 or amount > order["total"]:
        raise ToolError(f"amount must be between 0 and the order total {order['total']}")
    refund_id = f"RF-{len(db.data['refunds']) + 1:04d}"
    db.data["refunds"][refund_id] = {"order_id": order_id.strip().upper(), "amount": round(amount, 2)}
    return {"refund_id": refund_id, "amount": round(amount, 2), "status": "issued"}


@tool
def escalate_to_human(db: BackendState, order_id: str, summary: str) -> dict[str, Any]:
    """Hand the conversation to a human colleague, with a short summary of the case."""
    _order(db, order_id)
    ticket = f"ESC-{len(db.data['escalations']) + 1:04d}"
    db.data["escalations"][ticket] = {"order_id": order_id.strip().upper(), "summary": summary}
    return {"ticket": ticket, "status": "a colleague will follow up"}
