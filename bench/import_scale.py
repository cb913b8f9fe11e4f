"""Imports at scale (issue 20, item 5): 5,000, 10,000 and 20,000 imported support conversations judged
against the stub model server by `sparring eval`, each size in a fresh process. Prints wall time, time
per conversation and peak resident memory of each, then two figures against their targets: time per
conversation at 20,000 within 1.25x of that at 5,000 (linear in the number) and peak RSS <= 500 MB.
Exits 1 on a miss.

    python bench/import_scale.py                       # about 10 minutes on 2 busy cores
    python bench/import_scale.py --sizes 500 2000      # a quick look

The conversations are generated at bench time from a seed (nothing large is committed): a few turns of
a food-delivery support chat with tool calls (order lookups, delivery status, refund eligibility,
refunds), about 2 KB each, as OpenAI-format JSONL. The stub runs in its own process (its CPU is not
counted); the figures are whole-process: start-up, import, redaction, judging and storing included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner import SUITE, Figure, StubProcess, machine

SIZES = (5_000, 10_000, 20_000)
JUDGES = ("no_invented_policy", "professional_tone", "outcome_addressed", "no_duplicate_actions")
LINEARITY_TARGET = 1.25  # time per conversation at the largest size / at the smallest
RSS_TARGET_MB = 500.0
ITEMS = ("Margherita pizza", "garlic bread", "pad thai", "spring rolls", "burrito bowl", "iced latte", "ramen")
PROBLEMS = ("late", "missing_item", "wrong_item", "cold_food")
OPENINGS = {
    "late": "Hi, my order {order} is really late, it was supposed to be here {minutes} minutes ago.",
    "missing_item": "Hello, order {order} arrived but the {item} is missing.",
    "wrong_item": "I got the wrong food in {order}, there's no {item} in the bag.",
    "cold_food": "My food from order {order} arrived completely cold. Can you help?",
}


@dataclass
class Measured:
    """One size: how long `sparring eval` took and its peak resident memory."""

    conversations: int
    wall_s: float
    peak_rss_mb: float

    @property
    def per_conversation_ms(self) -> float:
        """Wall time per conversation, in milliseconds."""
        return self.wall_s / self.conversations * 1000


def _tool_turn(messages: list[dict[str, Any]], number: int, name: str, arguments: dict[str, Any], result: Any) -> None:
    call_id = f"call_{number}"
    function = {"name": name, "arguments": json.dumps(arguments)}
    messages.append({"role": "assistant", "content": None, "tool_calls": [{"id": call_id, "function": function}]})
    messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result)})


def conversation(seed: int) -> dict[str, Any]:
    """One support chat: the customer reports a problem with an order, the agent looks it up, checks the
    delivery and the refund eligibility, refunds (sometimes) and closes."""
    rng = random.Random(seed)
    order, item, problem = f"O-{rng.randrange(1000, 99999)}", rng.choice(ITEMS), rng.choice(PROBLEMS)
    amount = round(rng.uniform(3, 60), 2)
    opening = OPENINGS[problem].format(order=order, item=item, minutes=rng.randrange(20, 90))
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are QuickBite's support assistant. Follow the refund policy."},
        {"role": "user", "content": opening},
    ]
    items = [{"name": name, "price": round(rng.uniform(3, 25), 2)} for name in rng.sample(ITEMS, 3)]
    _tool_turn(messages, 0, "lookup_order", {"order_id": order}, {"order_id": order, "items": items, "total": amount})
    status = {"order_id": order, "status": rng.choice(("delivered", "out_for_delivery")), "minutes_late": 35}
    _tool_turn(messages, 1, "delivery_status", {"order_id": order}, status)
    messages.append({"role": "assistant", "content": f"Thanks for waiting. I can see order {order}; let me check."})
    messages.append({"role": "user", "content": rng.choice(("ok", "Please hurry.", "Thanks.", "What can you do?"))})
    eligible = rng.random() < 0.6
    check = {"eligible": eligible, "max_amount": amount if eligible else 0, "rule": "2" if eligible else "4"}
    _tool_turn(messages, 2, "check_refund_eligibility", {"order_id": order, "reason": problem}, check)
    if eligible:
        _tool_turn(messages, 3, "issue_refund", {"order_id": order, "amount": amount, "reason": problem}, {"ok": True})
        closing = f"I've refunded ${amount:.2f} to your original payment method. Sorry about this!"
    else:
        closing = "I'm sorry, this order isn't eligible for a refund under our policy, but I've noted your feedback."
    messages.append({"role": "assistant", "content": closing})
    messages.append({"role": "user", "content": rng.choice(("Thanks, bye.", "ok.", "That's not good enough."))})
    return {"id": f"chat-{seed}", "messages": messages}


def write(count: int, file: Path, seed: int = 0) -> Path:
    """`count` conversations as JSONL in `file`, deterministic for a seed."""
    with file.open("w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(conversation(seed * 1_000_003 + index)) + "\n")
    return file


def judge_file(file: Path, db: Path, base_url: str, concurrency: int, log: Path) -> Measured:
    """`sparring eval` on `file` in a fresh process (its output in `log`): wall time and peak RSS."""
    command = [sys.executable, "-m", "sparring.cli", "eval", str(file), "--suite", str(SUITE)]
    command += ["--judge-model", "openai:stub", "--base-url", base_url, "--db", str(db)]
    command += ["--concurrency", str(concurrency)] + [f"--eval={judge}" for judge in JUDGES]
    start = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not every child's
    wall = time.perf_counter() - start
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"sparring eval failed ({os.waitstatus_to_exitcode(status)}):\n" + "\n".join(lines[-30:]))
    print("  " + next((line for line in lines if "transcripts judged" in line), lines[-1]))
    return Measured(sum(1 for _ in file.open()), wall, usage.ru_maxrss / 1024)  # Linux: kilobytes


def figures(measured: list[Measured]) -> list[Figure]:
    """Linearity (time per conversation, largest size over smallest) and the worst peak RSS."""
    first, last = measured[0], measured[-1]
    ratio = last.per_conversation_ms / first.per_conversation_ms
    return [
        Figure(
            f"time per conversation at {last.conversations:,} / at {first.conversations:,}",
            ratio,
            LINEARITY_TARGET,
            False,
            "x",
        ),
        Figure(
            "peak RSS of `sparring eval` (largest of the sizes)",
            max(m.peak_rss_mb for m in measured),
            RSS_TARGET_MB,
            False,
            " MB",
        ),
    ]


def main() -> int:
    """Generate, judge each size in a fresh process, print the figures; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="conversations per file")
    parser.add_argument("--concurrency", type=int, default=64, help="conversations judged at once")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="the stub's latency per call")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"python bench/import_scale.py, {started}, {machine()} (load at the start)")
    os.environ.pop("OPENAI_API_KEY", None)
    measured = []
    with tempfile.TemporaryDirectory() as tmp, StubProcess(latency_ms=args.latency_ms) as stub:
        for size in sorted(args.sizes):
            file = write(size, Path(tmp) / f"chats-{size}.jsonl")
            print(f"{size:,} conversations ({file.stat().st_size / 2**20:.1f} MB of JSONL), {len(JUDGES)} evaluations:")
            result = judge_file(file, Path(tmp) / f"eval-{size}.db", stub.base_url, args.concurrency, Path(tmp) / "log")
            print(
                f"  wall {result.wall_s:.1f} s, {result.per_conversation_ms:.2f} ms per conversation, "
                f"peak RSS {result.peak_rss_mb:.0f} MB"
            )
            measured.append(result)
    results = figures(measured)
    for figure in results:
        print(figure.line())
    print(f"at the end: {machine()}")
    return 0 if all(f.ok for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
