"""Redaction recall on realistic support messages with every PII string marked: a set the redactor was
tuned on and a held-out one written afterwards (tests/fixtures/pii_messages*.yaml). Per PII type, the
share of marked strings that do not survive; and the share of strings that must survive (order ids,
amounts, items) that do. Then throughput: 200 generated τ-bench-like airline logs of ~16 KB each
(bench/airline_logs.py, seeded) redacted on one core (CPU time of this process), and the same file
imported whole through the parallel path for the wall-clock figure. Exits 1 below any target."""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from airline_logs import write

from sparring.transcripts.formats import read_jsonl
from sparring.transcripts.parallel import MIN_CORES, PARALLEL_THRESHOLD, redact_many, usable_cores
from sparring.transcripts.redaction import Redactor, first_names, last_names, redact_transcript

TARGETS = {"EMAIL": 1.0, "PHONE": 1.0, "CARD": 1.0, "ADDRESS": 0.9, "NAME": 0.9, "keep": 0.95}
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
THROUGHPUT_TARGET = 200.0  # transcripts per second per core
LOGS = 200
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


def throughput() -> bool:
    """Transcripts redacted per CPU second on one core, and the parallel path's wall-clock rate."""
    with tempfile.TemporaryDirectory() as folder:
        file = write(LOGS, Path(folder) / "airline.jsonl")
        size = file.stat().st_size
        transcripts = [parse() for _, parse in read_jsonl(file)]
    first_names(), last_names()  # the gazetteers load once per process, not per transcript
    start = time.process_time()
    for transcript in transcripts:
        redact_transcript(transcript)
    rate = len(transcripts) / (time.process_time() - start)
    start = time.perf_counter()
    redact_many(transcripts, workers=usable_cores(), threshold=0)  # forced, even where imports stay serial
    wall = len(transcripts) / (time.perf_counter() - start)
    print(f"throughput ({LOGS} airline logs, {size / LOGS / 1000:.1f} KB each)")
    print(f"  one core  {rate:7.0f} transcripts/s  target >= {THROUGHPUT_TARGET:.0f}  ", end="")
    print("ok" if rate >= THROUGHPUT_TARGET else "BELOW")
    cores = usable_cores()
    print(
        f"  parallel  {wall:7.0f} transcripts/s wall clock, {cores} worker processes (no target; imports use ", end=""
    )
    print(f"them from {MIN_CORES} cores and {PARALLEL_THRESHOLD} transcripts)")
    return rate >= THROUGHPUT_TARGET


def recall() -> bool:
    """Recall per PII type and the kept share on both message sets, against TARGETS."""
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
    return ok


if __name__ == "__main__":
    sys.exit(0 if recall() & throughput() else 1)
