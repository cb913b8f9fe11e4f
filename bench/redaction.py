"""Redaction recall on realistic support messages (tests/fixtures/pii_messages.yaml, every PII string
marked): per PII type, the share of marked strings that do not survive; and the share of strings that
must survive (order ids, amounts, items) that do. Exits 1 below the targets."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

from sparring.transcripts.redaction import Redactor

TARGETS = {"EMAIL": 1.0, "PHONE": 1.0, "CARD": 1.0, "ADDRESS": 0.9, "NAME": 0.9, "keep": 0.95}
MESSAGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pii_messages.yaml"


def measure() -> tuple[dict[str, float], list[str]]:
    found, total, misses = Counter(), Counter(), []
    for message in yaml.safe_load(MESSAGES.read_text()):
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
    rates, misses = measure()
    for line in misses:
        print(line)
    ok = True
    for kind, target in TARGETS.items():
        rate = rates.get(kind, 1.0)
        ok &= rate >= target
        print(f"{kind:8s} {rate:6.1%}  target >= {target:.0%}  {'ok' if rate >= target else 'BELOW'}")
    sys.exit(0 if ok else 1)
