"""How well a judge agrees with human labels. "fail" is the positive class: the judge's job is to
catch failures, so a miss is a human fail judged pass and a false flag a human pass judged fail.
Every figure comes with a percentile bootstrap 95% interval over the labelled items, seeded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np
from pydantic import BaseModel

Pair = tuple[str, str]  # (human, judge), each "pass" or "fail"


class Confusion(BaseModel):
    true_fail: int = 0  # human fail, judge fail
    missed_fail: int = 0  # human fail, judge pass
    false_flag: int = 0  # human pass, judge fail
    true_pass: int = 0  # human pass, judge pass

    @property
    def n(self) -> int:
        return self.true_fail + self.missed_fail + self.false_flag + self.true_pass


def confusion(pairs: Sequence[Pair]) -> Confusion:
    c = Confusion()
    for human, judge in pairs:
        if human == "fail":
            c.true_fail += judge == "fail"
            c.missed_fail += judge == "pass"
        else:
            c.false_flag += judge == "fail"
            c.true_pass += judge == "pass"
    return c


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def cohen_kappa(c: Confusion) -> float | None:
    """κ = (observed − chance agreement) / (1 − chance); None when chance agreement is 1 (one class only)."""
    if not c.n:
        return None
    observed = (c.true_fail + c.true_pass) / c.n
    human_fail = (c.true_fail + c.missed_fail) / c.n
    judge_fail = (c.true_fail + c.false_flag) / c.n
    chance = human_fail * judge_fail + (1 - human_fail) * (1 - judge_fail)
    return None if chance >= 1.0 else (observed - chance) / (1 - chance)


METRICS: dict[str, Callable[[Confusion], float | None]] = {
    "agreement": lambda c: _ratio(c.true_fail + c.true_pass, c.n),
    "kappa": cohen_kappa,
    "fail_recall": lambda c: _ratio(c.true_fail, c.true_fail + c.missed_fail),
    "fail_precision": lambda c: _ratio(c.true_fail, c.true_fail + c.false_flag),
    "false_flag_rate": lambda c: _ratio(c.false_flag, c.false_flag + c.true_pass),
    "human_fail_prevalence": lambda c: _ratio(c.true_fail + c.missed_fail, c.n),
    "judge_fail_prevalence": lambda c: _ratio(c.true_fail + c.false_flag, c.n),
}


class Estimate(BaseModel):
    value: float | None
    low: float | None = None
    high: float | None = None


def estimates(pairs: Sequence[Pair], resamples: int = 2000, seed: int = 0) -> dict[str, Estimate]:
    """Every metric with a percentile bootstrap 95% interval (resampling items; reproducible by seed)."""
    point = confusion(pairs)
    result = {name: Estimate(value=metric(point)) for name, metric in METRICS.items()}
    if len(pairs) < 2:
        return result
    rng = np.random.default_rng(seed)
    codes = np.array([(h == "fail", j == "fail") for h, j in pairs], dtype=bool)
    draws: dict[str, list[float]] = {name: [] for name in METRICS}
    for _ in range(resamples):
        sample = codes[rng.integers(0, len(codes), len(codes))]
        human, judge = sample[:, 0], sample[:, 1]
        c = Confusion(
            true_fail=int(np.sum(human & judge)),
            missed_fail=int(np.sum(human & ~judge)),
            false_flag=int(np.sum(~human & judge)),
            true_pass=int(np.sum(~human & ~judge)),
        )
        for name, metric in METRICS.items():
            value = metric(c)
            if value is not None:
                draws[name].append(value)
    for name, values in draws.items():
        if values:
            result[name].low, result[name].high = (float(v) for v in np.percentile(values, [2.5, 97.5]))
    return result


class LabellerAgreement(BaseModel):
    """Between human labellers, on the items two of them both labelled (mean over pairs of labellers)."""

    labellers: int
    shared_items: int
    agreement: float | None
    kappa: float | None


def inter_labeller(labels: dict[str, dict[str, str]]) -> LabellerAgreement | None:
    """`labels`: item -> {labeller: label}. None when no item has two labellers."""
    labellers = sorted({who for by in labels.values() for who in by})
    kappas: list[float] = []
    agreements: list[float] = []
    shared = 0
    for a, b in combinations(labellers, 2):
        pairs = [(by[a], by[b]) for by in labels.values() if a in by and b in by]
        if not pairs:
            continue
        shared += len(pairs)
        c = confusion(pairs)
        agreements.append((c.true_fail + c.true_pass) / c.n)
        kappa = cohen_kappa(c)
        if kappa is not None:
            kappas.append(kappa)
    if not agreements:
        return None
    return LabellerAgreement(
        labellers=len(labellers),
        shared_items=shared,
        agreement=float(np.mean(agreements)),
        kappa=float(np.mean(kappas)) if kappas else None,
    )
