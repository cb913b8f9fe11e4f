"""Realistic airline support logs shaped like τ-bench's (OpenAI chat messages with tool calls and large
JSON tool results: user profiles, reservations, flight searches), about 16 KB per transcript. Generated
at bench time from a seed; nothing large is committed. `python bench/airline_logs.py N FILE` writes N
of them as JSONL (one conversation per line, the format `sparring eval` and `scenarios extract` read)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from faker import Faker

TARGET_BYTES = 16_000
AIRPORTS = ("JFK", "LAX", "SFO", "ORD", "ATL", "SEA", "BOS", "MIA", "DFW", "DEN", "PHX", "LAS", "EWR", "IAH")
CABINS = ("basic_economy", "economy", "business")


def _reservation_id(rng: random.Random) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(6))


def _flight(rng: random.Random, day: int) -> dict[str, Any]:
    origin, destination = rng.sample(AIRPORTS, 2)
    hour = rng.randrange(5, 22)
    return {
        "flight_number": f"HAT{rng.randrange(1, 300):03d}",
        "origin": origin,
        "destination": destination,
        "date": f"2024-05-{day:02d}",
        "scheduled_departure_time_est": f"{hour:02d}:00:00",
        "scheduled_arrival_time_est": f"{(hour + rng.randrange(1, 6)) % 24:02d}:30:00",
        "status": rng.choice(("available", "delayed", "on time")),
        "available_seats": {c: rng.randrange(0, 20) for c in CABINS},
        "prices": {c: rng.randrange(50, 2000) for c in CABINS},
    }


def _user(fake: Faker, rng: random.Random, user_id: str) -> dict[str, Any]:
    first, last = fake.first_name(), fake.last_name()
    card = f"credit_card_{rng.randrange(1_000_000, 9_999_999)}"
    return {
        "user_id": user_id,
        "name": {"first_name": first, "last_name": last},
        "address": {
            "address1": fake.street_address(),
            "address2": f"Suite {rng.randrange(100, 999)}",
            "city": fake.city(),
            "country": "USA",
            "state": fake.state_abbr(),
            "zip": fake.postcode(),
        },
        "email": f"{first.lower()}.{last.lower()}{rng.randrange(1, 99)}@example.com",
        "dob": f"19{rng.randrange(50, 99)}-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}",
        "payment_methods": {
            card: {"source": "credit_card", "brand": "visa", "last_four": f"{rng.randrange(1000, 9999)}", "id": card},
            f"gift_card_{rng.randrange(1_000_000, 9_999_999)}": {
                "source": "gift_card",
                "amount": rng.randrange(0, 300),
            },
        },
        "saved_passengers": [{"first_name": fake.first_name(), "last_name": fake.last_name(), "dob": "1990-04-12"}],
        "membership": rng.choice(("regular", "silver", "gold")),
        "reservations": [_reservation_id(rng) for _ in range(rng.randrange(2, 6))],
    }


def _reservation(rng: random.Random, rid: str, user: dict[str, Any]) -> dict[str, Any]:
    return {
        "reservation_id": rid,
        "user_id": user["user_id"],
        "trip_type": rng.choice(("one_way", "round_trip")),
        "flights": [_flight(rng, rng.randrange(1, 29)) for _ in range(rng.randrange(1, 4))],
        "passengers": [user["name"] | {"dob": user["dob"]}] + user["saved_passengers"][: rng.randrange(0, 2)],
        "payment_history": [{"payment_id": next(iter(user["payment_methods"])), "amount": rng.randrange(100, 3000)}],
        "created_at": f"2024-05-{rng.randrange(1, 14):02d}T{rng.randrange(0, 24):02d}:12:44",
        "total_baggages": rng.randrange(0, 4),
        "insurance": rng.choice(("yes", "no")),
    }


def _call(messages: list[dict[str, Any]], number: int, name: str, arguments: dict[str, Any], result: Any) -> None:
    call_id = f"call_{number}"
    function = {"name": name, "arguments": json.dumps(arguments)}
    messages.append({"role": "assistant", "content": None, "tool_calls": [{"id": call_id, "function": function}]})
    messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)})


def transcript(seed: int) -> dict[str, Any]:
    """One conversation: the customer gives their name, id, email and phone, the agent looks them up and
    searches flights until the log reaches about 16 KB."""
    rng, fake = random.Random(seed), Faker("en_US")
    fake.seed_instance(seed)
    user_id = f"{fake.first_name().lower()}_{fake.last_name().lower()}_{rng.randrange(1000, 9999)}"
    user = _user(fake, rng, user_id)
    name = f"{user['name']['first_name']} {user['name']['last_name']}"
    phone = f"({rng.randrange(201, 989)}) 555-{rng.randrange(1000, 9999)}"
    rid = user["reservations"][0]
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are an airline agent. Follow the policy."},
        {"role": "user", "content": f"Hi, my name is {name} and I want to change reservation {rid}."},
        {"role": "assistant", "content": "Sure. Could you give me your user id, please?"},
        {"role": "user", "content": f"It's {user_id}. You can also reach me at {phone} or {user['email']}."},
    ]
    _call(messages, 0, "get_user_details", {"user_id": user_id}, user)
    _call(messages, 1, "get_reservation_details", {"reservation_id": rid}, _reservation(rng, rid, user))
    number = 2
    while len(json.dumps(messages)) < TARGET_BYTES:
        day = rng.randrange(1, 29)
        origin, destination = rng.sample(AIRPORTS, 2)
        flights = [_flight(rng, day) for _ in range(rng.randrange(2, 5))]
        messages.append({"role": "user", "content": f"What about flights from {origin} to {destination} on May {day}?"})
        _call(messages, number, "search_direct_flight", {"origin": origin, "destination": destination}, flights)
        best = min(flights, key=lambda f: f["prices"]["economy"])
        messages.append(
            {
                "role": "assistant",
                "content": f"{best['flight_number']} leaves at {best['scheduled_departure_time_est']} for "
                f"${best['prices']['economy']} in economy; the fare difference would be "
                f"${rng.randrange(10, 400)}.{rng.randrange(0, 99):02d}. Shall I book it, {user['name']['first_name']}?",
            }
        )
        number += 1
    messages.append({"role": "user", "content": f"Thanks, that's all. My card ends in {rng.randrange(1000, 9999)}."})
    return {"id": f"airline-{seed}", "messages": messages}


def write(count: int, file: Path, seed: int = 0) -> Path:
    """`count` transcripts as JSONL in `file`, deterministic for a seed."""
    with file.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(transcript(seed * 1_000_003 + index)) + "\n")
    return file


if __name__ == "__main__":
    print(write(int(sys.argv[1]), Path(sys.argv[2])))
