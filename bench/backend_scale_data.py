"""Seeded generator of the backend-scale suite (issue 20, benchmarks): a ~50 MB snapshot (≥ 100,000 records over
6 collections with references) and 1,000 scenario files, each with backend overrides and a known fact naming an
order (`backend.fact_ids`, so loading checks every scenario's fact against the orders collection: issue 28).

    python bench/backend_scale_data.py OUT_DIR [--scenarios 1000] [--customers 20000] [--seed 7]

The suite's only tool, `record_contact`, is the first tool the stub server's agent calls: it reads the session
record a scenario overrides (which customer is calling), bumps that customer's contact count and files a
contact record, so every conversation writes a diff that depends on its scenario. Its checks read the end state
(`new_records`, `final_state`) and the built-in `end_state_matches` compares listed record fields.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import yaml

WORDS = [
    "late",
    "missing",
    "cold",
    "refund",
    "courier",
    "address",
    "parcel",
    "damaged",
    "invoice",
    "delivery",
    "order",
    "return",
    "voucher",
]

SUITE_YAML = """name: backend-scale
policy: policy.md
backend:
  snapshot: snapshot.json
  tools: tools.py
  references:
    orders.customer_id: customers
    orders.product_ids: products
    shipments.order_id: orders
    tickets.customer_id: customers
    tickets.order_id: orders
    contacts.customer_id: customers
    session.customer_id: customers
  action_tools: [record_contact]
  fact_ids:
    order number: orders
scenarios: scenarios
simulation:
  max_turns: 3
  clock: "2026-06-01T12:00:00+00:00"
evaluations:
  - use: contact_logged
  - use: contact_count_bumped
  - use: end_state_matches
"""

TOOLS_PY = '''"""The backend-scale suite's tools."""

from sparring import BackendState, tool


@tool
def record_contact(db: BackendState, note: str) -> dict:
    """File a contact note for the calling customer."""
    customer_id = db.data["session"]["current"]["customer_id"]
    customer = db.data["customers"][customer_id]
    customer["contacts"] = customer.get("contacts", 0) + 1
    contact_id = f"K-{customer_id}-{customer['contacts']}"
    db.data["contacts"][contact_id] = {"customer_id": customer_id, "note": note, "at": db.now.isoformat()}
    return {"contact_id": contact_id}


@tool
def lookup_order(db: BackendState, order_id: str) -> dict:
    """Look an order up by id."""
    return dict(db.data["orders"][order_id])
'''

CHECKS_PY = '''"""State-reading checks of the backend-scale suite."""

from sparring import CheckContext, CheckResult, check, failed, passed


@check(family="backend")
def contact_logged(ctx: CheckContext) -> CheckResult:
    """At least one contact note is filed, every one for the calling customer."""
    caller = ctx.initial_state["session"]["current"]["customer_id"]
    notes = ctx.new_records("contacts")
    if notes and all(note["customer_id"] == caller for note in notes.values()):
        return passed(f"{len(notes)} notes for the caller")
    return failed(f"{len(notes)} notes filed")


@check(family="backend")
def contact_count_bumped(ctx: CheckContext) -> CheckResult:
    """The calling customer's contact count goes up by one per note filed."""
    caller = ctx.initial_state["session"]["current"]["customer_id"]
    before = ctx.initial_state["customers"][caller].get("contacts", 0)
    after = ctx.final_state["customers"][caller].get("contacts", 0)
    notes = len(ctx.new_records("contacts"))
    return passed("bumped") if after == before + notes else failed(f"{before} -> {after} for {notes} notes")
'''


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def snapshot(rng: random.Random, customers: int) -> dict[str, dict[str, dict[str, object]]]:
    """customers, products, orders (→ customers, products), shipments (→ orders), tickets (→ customers, orders),
    an empty contacts collection and the session record scenarios override."""
    data: dict[str, dict[str, dict[str, object]]] = {"customers": {}, "products": {}, "orders": {}}
    for i in range(customers):
        data["customers"][f"C-{i}"] = {
            "name": f"Customer {i}",
            "email": f"c{i}@example.com",
            "tier": rng.choice(["standard", "plus", "gold"]),
            "contacts": rng.randrange(5),
            "address": {"street": f"{rng.randrange(999)} {_text(rng, 2)} street", "city": _text(rng, 1)},
            "notes": _text(rng, 75),
        }
    for i in range(customers // 4):
        data["products"][f"P-{i}"] = {"title": _text(rng, 4), "price": round(rng.uniform(1, 90), 2)}
    for i in range(customers * 2):
        data["orders"][f"O-{i}"] = {
            "customer_id": f"C-{rng.randrange(customers)}",
            "product_ids": [f"P-{rng.randrange(customers // 4)}" for _ in range(rng.randint(1, 4))],
            "status": rng.choice(["placed", "shipped", "delivered", "returned"]),
            "total": round(rng.uniform(5, 300), 2),
            "placed_at": f"now-{rng.randrange(1, 400)}d",
            "comment": _text(rng, 40),
        }
    data["shipments"] = {
        f"S-{i}": {"order_id": f"O-{i}", "carrier": rng.choice(["ups", "dhl", "post"]), "events": _text(rng, 40)}
        for i in range(int(customers * 1.5))
    }
    data["tickets"] = {
        f"T-{i}": {
            "customer_id": f"C-{rng.randrange(customers)}",
            "order_id": f"O-{rng.randrange(customers * 2)}",
            "body": _text(rng, 75),
        }
        for i in range(customers * 3 // 4)
    }
    data["contacts"] = {}
    data["session"] = {"current": {"customer_id": "C-0"}}
    return data


def scenario(rng: random.Random, index: int, data: dict[str, dict[str, dict[str, object]]]) -> dict[str, object]:
    """One scenario: a caller (the session override), a changed order of theirs, sometimes a new ticket, and the
    expected end state of the caller's contact count (one short of what the stub's agent does in every fourth)."""
    customers = len(data["customers"])
    caller = f"C-{rng.randrange(customers)}"
    order = f"O-{rng.randrange(len(data['orders']))}"
    overrides: dict[str, object] = {
        "session": {"current": {"customer_id": caller}},
        "orders": {order: {"customer_id": caller, "status": rng.choice(["delayed", "lost", "damaged"])}},
    }
    if index % 3 == 0:
        overrides["tickets"] = {f"T-new-{index}": {"customer_id": caller, "order_id": order, "body": _text(rng, 8)}}
    contacts = data["customers"][caller]["contacts"]
    assert isinstance(contacts, int)
    expected = contacts + (1 if index % 4 == 0 else 2)  # the stub's agent files two notes: every 4th scenario fails
    return {
        "id": f"scale-{index:04d}",
        "persona": {"traits": ["busy"], "patience": 3},
        "situation": f"Order {order} is {_text(rng, 3)}.",
        "desired_outcome": "A note on file.",
        "known_facts": [{"key": "order number", "value": order, "reveal": "upfront"}],
        "backend_overrides": overrides,
        "expected_state": {"records": {"customers": {caller: {"contacts": expected}}}},
    }


def generate(out: Path, scenarios: int = 1000, customers: int = 20000, seed: int = 7) -> Path:
    """Write the suite into `out` (created) and return it."""
    rng = random.Random(seed)
    (out / "scenarios").mkdir(parents=True, exist_ok=True)
    data = snapshot(rng, customers)
    (out / "snapshot.json").write_text(json.dumps(data, separators=(",", ":")))
    (out / "suite.yaml").write_text(SUITE_YAML)
    (out / "tools.py").write_text(TOOLS_PY)
    (out / "checks.py").write_text(CHECKS_PY)
    (out / "policy.md").write_text("File a contact note for every customer who writes in.\n")
    for index in range(scenarios):
        text = yaml.safe_dump(scenario(rng, index, data), sort_keys=False)
        (out / "scenarios" / f"scale-{index:04d}.yaml").write_text(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.scenarios, args.customers, args.seed)
    size = (args.out / "snapshot.json").stat().st_size / 2**20
    print(f"wrote {args.out}: snapshot {size:.1f} MB, {args.scenarios} scenarios")


if __name__ == "__main__":
    main()
