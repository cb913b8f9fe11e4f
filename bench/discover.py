"""Grouping time for 10,000 failure descriptions (the step of `sparring discover` that grows with the
data; describing is one model call each and measured by the models layer). Descriptions are generated,
seeded: 25 planted failure kinds, each in varied words with filler and one of 400 rare words. Prints the
time, the target (≤ 30 s on 2 cores), how many themes were found and how pure they are (share of each
theme's members from its most common kind, weighted by size), and exits 1 when the time target is missed."""

from __future__ import annotations

import random
import resource
import sys
import time
from collections import Counter

from sparring.discovery.grouping import group_descriptions

TARGET_S = 30.0
N = 10_000
KINDS = 25
VERBS = ["gave", "promised", "refused", "offered", "quoted", "skipped", "invented", "repeated", "ignored", "sent"]
OBJECTS = [
    "refund",
    "voucher",
    "address",
    "courier",
    "invoice",
    "password",
    "discount",
    "hotline",
    "receipt",
    "menu",
    "allergen",
    "tip",
    "subscription",
    "loyalty",
    "card",
    "driver",
    "photo",
    "schedule",
    "manager",
    "warranty",
    "pickup",
    "coupon",
    "deposit",
    "surcharge",
    "survey",
]
NOISE_WORDS = 400
FILLER = ["without checking", "at the end", "twice", "too early", "after the lookup", "in the first reply", "again"]


def descriptions(seed: int = 0) -> tuple[list[str], list[int]]:
    """N descriptions and the kind each was generated from."""
    rng = random.Random(seed)
    texts: list[str] = []
    kinds: list[int] = []
    for _ in range(N):
        kind = rng.randrange(KINDS)
        verb = VERBS[kind % len(VERBS)] if rng.random() < 0.7 else rng.choice(VERBS)
        noise = f"detail{rng.randrange(NOISE_WORDS)}"  # a rare word: a vocabulary large enough for the SVD path
        texts.append(f"{verb} the {OBJECTS[kind]} {rng.choice(FILLER)} {noise} {rng.choice(FILLER)}")
        kinds.append(kind)
    return texts, kinds


def purity(labels: list[int], kinds: list[int]) -> float:
    """Share of descriptions that belong to their theme's most common kind."""
    by_theme: dict[int, Counter[int]] = {}
    for label, kind in zip(labels, kinds, strict=True):
        by_theme.setdefault(label, Counter())[kind] += 1
    return sum(c.most_common(1)[0][1] for c in by_theme.values()) / len(labels)


def main() -> int:
    texts, kinds = descriptions()
    start = time.perf_counter()
    grouping = group_descriptions(texts)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"grouped {N} descriptions in {elapsed:.1f} s (target ≤ {TARGET_S:.0f} s on 2 cores); peak RSS {peak_mb:.0f} MB"
    )
    print(f"themes found: {grouping.themes} (generated kinds: {KINDS}); purity {purity(grouping.labels, kinds):.1%}")
    if elapsed > TARGET_S:
        print("MISSED: grouping time over target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
