"""How well a judge agrees with human labels. "fail" is the positive class: the judge's job is to
catch failures, so a miss is a human fail judged pass and a false flag a human pass judged fail.

Each labelled item carries a weight, the inverse of its probability of having been sampled for labelling,
and a stratum (the judge's verdict when it was sampled). Weighted, every figure estimates the population
the sample was drawn from (Horvitz-Thompson totals; each figure is a ratio of two of them). Intervals are
percentile bootstrap 95% intervals that resample items within each stratum, seeded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from pydantic import BaseModel

Pair = tuple[str, str]  # (human, judge), each "pass" or "fail"
CELLS = ("true_fail", "missed_fail", "false_flag", "true_pass")


class Confusion(BaseModel):
    """Counts of labelled items (or, weighted, estimated counts in the population) per cell."""

    true_fail: int | float = 0  # human fail, judge fail
    missed_fail: int | float = 0  # human fail, judge pass
    false_flag: int | float = 0  # human pass, judge fail
    true_pass: int | float = 0  # human pass, judge pass

    @property
    def n(self) -> int | float:
        """All items (or the estimated population size)."""
        return self.true_fail + self.missed_fail + self.false_flag + self.true_pass


@dataclass(frozen=True)
class Item:
    """One labelled item: the human's and the judge's label, its weight 1/π and its sampling stratum."""

    human: str
    judge: str
    weight: float = 1.0
    stratum: str = "all"


def _cell(human: str, judge: str) -> int:
    """Index in CELLS: fail/fail, fail/pass, pass/fail, pass/pass (human first)."""
    return (0 if human == "fail" else 2) + (0 if judge == "fail" else 1)


def confusion(pairs: Sequence[Pair]) -> Confusion:
    """Unweighted counts of (human, judge) pairs."""
    return weighted_confusion([Item(h, j) for h, j in pairs], integer=True)


def weighted_confusion(items: Sequence[Item], integer: bool = False) -> Confusion:
    """Sum of weights per cell: with weights 1/π, Horvitz-Thompson estimates of the population's counts."""
    totals = np.zeros(len(CELLS))
    for item in items:
        totals[_cell(item.human, item.judge)] += item.weight
    values = [int(v) if integer else float(v) for v in totals]
    return Confusion(**dict(zip(CELLS, values, strict=True)))


def _metrics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric from cell counts (last axis: CELLS order); NaN where a metric is undefined."""
    tf, mf, ff, tp = (counts[..., i].astype(float) for i in range(len(CELLS)))
    n = tf + mf + ff + tp
    with np.errstate(divide="ignore", invalid="ignore"):
        human_fail, judge_fail = (tf + mf) / n, (tf + ff) / n
        observed = (tf + tp) / n
        chance = human_fail * judge_fail + (1 - human_fail) * (1 - judge_fail)
        kappa = np.where(chance < 1.0, (observed - chance) / (1 - chance), np.nan)
        return {
            "agreement": observed,
            "kappa": kappa,
            "fail_recall": tf / (tf + mf),
            "fail_precision": tf / (tf + ff),
            "false_flag_rate": ff / (ff + tp),
            "human_fail_prevalence": human_fail,
            "judge_fail_prevalence": judge_fail,
        }


def _value(x: np.ndarray) -> float | None:
    return None if np.isnan(x) else float(x)


def cohen_kappa(c: Confusion) -> float | None:
    """κ = (observed − chance agreement) / (1 − chance); None when undefined (no items, or one class only)."""
    return _value(_metrics(np.array([getattr(c, cell) for cell in CELLS]))["kappa"])


class Estimate(BaseModel):
    """A point estimate with its bootstrap 95% interval (None when it cannot be computed)."""

    value: float | None
    low: float | None = None
    high: float | None = None


def _bootstrap_counts(items: Sequence[Item], resamples: int, seed: int) -> np.ndarray:
    """(resamples, 4) weighted cell counts, each resample drawing n_h items with replacement in stratum h."""
    rng = np.random.default_rng(seed)
    cells = np.array([_cell(i.human, i.judge) for i in items])
    weights = np.array([i.weight for i in items])
    strata = np.array([i.stratum for i in items])
    draws = []
    for stratum in sorted(set(strata.tolist())):
        members = np.flatnonzero(strata == stratum)
        draws.append(members[rng.integers(0, len(members), (resamples, len(members)))])
    index = np.concatenate(draws, axis=1)
    drawn_cells, drawn_weights = cells[index], weights[index]
    return np.stack([(drawn_weights * (drawn_cells == k)).sum(axis=1) for k in range(len(CELLS))], axis=1)


def estimates(items: Sequence[Item], resamples: int = 2000, seed: int = 0) -> dict[str, Estimate]:
    """Every metric, weighted by the items' weights, with a stratified percentile bootstrap 95% interval."""
    point = weighted_confusion(items)
    values = _metrics(np.array([getattr(point, cell) for cell in CELLS]))
    result = {name: Estimate(value=_value(value)) for name, value in values.items()}
    if len(items) < 2:
        return result
    for name, draws in _metrics(_bootstrap_counts(items, resamples, seed)).items():
        finite = draws[~np.isnan(draws)]
        if finite.size:
            result[name].low, result[name].high = (float(v) for v in np.percentile(finite, [2.5, 97.5]))
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
