"""Redaction recall on realistic support messages with every PII string marked: a set the redactor was
tuned on and a held-out one written afterwards (tests/fixtures/pii_messages*.yaml). Per PII type, the
share of marked strings that do not survive; and the share of strings that must survive (order ids,
amounts, items) that do. Exits 1 below the targets."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

from sparring.transcripts.redaction import Redactor

TARGETS = {"EMAIL": 1.0, "PHONE": 1.0, "CARD": 1.0, "ADDRESS": 0.9, "NAME": 0.9, "keep": 0.95}
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
SETS = {"tuning set": FIXTURES / "pii_messages.yaml", "held-out set": FIXTURES / "pii_messages_heldout.yaml"}


def measure(messages: Path) -> tuple[dict[str, float], list[str]]:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for message in yaml.safe_load(messages.read_text()):
        redacted = Redactor().text(message["text"])
        for kind, values in (message.get("pii") or {}).items():
            for value in values:
                total[kind] += 1
                if value.lower() in redacted.lower():
                    misses.append(f"{kind} survived: {value!r} in {redacted!r}")
                else:
                    found[kind] += 1
        for value in message.get("keep", []):
            total["keep"] += 1
            if value in redacted:
                found["keep"] += 1
            else:
                misses.append(f"over-redacted: {value!r} in {redacted!r}")
    return {kind: found[kind] / total[kind] for kind in total}, misses


if __name__ == "__main__":
    ok = True
    for name, file in SETS.items():
        rates, misses = measure(file)
        print(f"{name} ({file.name})")
        for line in misses:
            print("  " + line)
        for kind, target in TARGETS.items():
            rate = rates.get(kind, 1.0)
            ok &= rate >= target
            print(f"  {kind:8s} {rate:6.1%}  target >= {target:.0%}  {'ok' if rate >= target else 'BELOW'}")
    sys.exit(0 if ok else 1)
