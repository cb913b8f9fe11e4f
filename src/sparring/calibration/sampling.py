"""Which judged conversations to label: a stratified sample, because failures are usually rare and a
random sample would hold too few of them to measure how many the judge misses.

The strata are the judge's verdicts. Each chosen item records its inclusion probability (items taken from
its stratum / items in its stratum), so calibration can weight it back to the population it came from."""

from __future__ import annotations

import random
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from sparring.data_model import Outcome, Verdict


@dataclass(frozen=True)
class SampledItem:
    """A verdict chosen for labelling, with the design that chose it."""

    verdict: Verdict
    inclusion_probability: float
    stratum: str  # the judge's verdict when sampled: "fail" or "pass"


def sample_for_labelling(
    verdicts: list[Verdict],
    size: int,
    target_fails: int | None = None,
    seed: int = 0,
    exclude: AbstractSet[str] = frozenset(),
) -> list[SampledItem]:
    """Up to `size` verdicts: `target_fails` judged fail (default: half), the rest judged pass, topped up from
    the other side when one runs short; a simple random sample within each stratum. n/a and error verdicts
    have nothing to label; `exclude`d conversations (already labelled) are not part of the population.
    Reproducible by seed."""
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
    take_passes = min(len(passes), size - want_fails)
    take_fails = min(len(fails), size - take_passes)
    chosen = [SampledItem(v, take_fails / len(fails), "fail") for v in fails[:take_fails]]
    chosen += [SampledItem(v, take_passes / len(passes), "pass") for v in passes[:take_passes]]
    return sorted(chosen, key=lambda item: item.verdict.conversation_id)
