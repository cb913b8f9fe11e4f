"""Which judged conversations to label: a stratified sample, because failures are usually rare and a
random sample would hold too few of them to measure how many the judge misses."""

from __future__ import annotations

import random
from collections.abc import Set as AbstractSet

from sparring.data_model import Outcome, Verdict


def sample_for_labelling(
    verdicts: list[Verdict],
    size: int,
    target_fails: int | None = None,
    seed: int = 0,
    exclude: AbstractSet[str] = frozenset(),
) -> list[Verdict]:
    """Up to `size` verdicts: `target_fails` judged fail (default: half), the rest judged pass, topped up from
    the other side when one runs short. n/a and error verdicts have nothing to label. Reproducible by seed."""
    rng = random.Random(seed)
    usable = sorted(
        (v for v in verdicts if v.outcome in (Outcome.PASS, Outcome.FAIL) and v.conversation_id not in exclude),
        key=lambda v: v.conversation_id,
    )
    fails = [v for v in usable if v.outcome == Outcome.FAIL]
    passes = [v for v in usable if v.outcome == Outcome.PASS]
    rng.shuffle(fails)
    rng.shuffle(passes)
    want_fails = min(len(fails), size // 2 if target_fails is None else target_fails, size)
    chosen = fails[:want_fails] + passes[: size - want_fails]
    chosen += fails[want_fails : want_fails + size - len(chosen)]
    return sorted(chosen, key=lambda v: v.conversation_id)
