"""How well a judge agrees with human labels. "fail" is the positive class: the judge's job is to
catch failures, so a miss is a human fail judged pass and a false flag a human pass judged fail.

Each labelled item carries a weight, the inverse of its probability of having been sampled for labelling,
and a stratum (the judge's verdict when it was sampled). Weighted, every figure estimates the population
the sample was drawn from (a stratified estimate: each stratum's cell shares, weighted by the stratum's share of
the population; each figure is a ratio of two of them).

Intervals are stratified Jeffreys intervals: within each stratum the labelled items are a simple random sample,
so the judge's fail share there and the human fail share given each judge verdict each get a Beta posterior
under the Jeffreys prior Beta(½, ½); seeded draws of those, combined with the strata's population shares, give
every figure's equal-tailed 95% interval. For one stratum's own proportion (precision, with the judge that
sampled the labels) this is exactly the Jeffreys interval (statsmodels' `proportion_confint(method="jeffreys")`);
no interval has zero width, an unobserved share keeps its prior's spread. Coverage is checked by simulation at
20, 70 and 140 labels in bench/calibration_coverage.py; a figure resting on fewer than MIN_ITEMS labelled items
of its class is withheld."""

from __future__ import annotations

from collections import Counter
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
    """A point estimate with its 95% interval (None when it cannot be computed), or the reason it is withheld
    (then value, low and high are None)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    withheld: str | None = None


DRAWS = 4000  # posterior draws per interval: Monte Carlo error of a 95% bound about ±0.01
PRIOR = 0.5  # Jeffreys: Beta(½, ½) for each proportion
MIN_ITEMS = 10
"""Labelled items per sampling stratum (judged fail, judged pass; or all, for labels without a design) below which
every figure that needs the human labels is withheld (measured: at 20 labels, about 7 per stratum in the test
split, the intervals of fail recall and prevalence covered 88-91% when fails are rare;
bench/calibration_coverage.py)."""


def _beta(rng: np.random.Generator, hits: float, misses: float, draws: int, boundary: bool) -> np.ndarray:
    """Draws of a proportion from its Jeffreys posterior; with `boundary`, one observed at 0 (or at 1) is held at
    0 (or 1): Brown, Cai and DasGupta's modification, which keeps the interval of a rare event down to 0."""
    if boundary and hits + misses > 0 and (hits == 0 or misses == 0):
        return np.full(draws, 1.0 if misses == 0 else 0.0)
    return rng.beta(hits + PRIOR, misses + PRIOR, draws)


def _posterior_cells(
    items: Sequence[Item], shares: dict[str, float], draws: int, seed: int, boundary: bool = False
) -> np.ndarray:
    """(draws, 4) population cell shares: per stratum h of population share W_h, the judge's fail share q_h and
    the human fail share given each judge verdict (a_h given fail, b_h given pass), each Beta(count + ½, ½ + rest);
    cells TF = Σ W q a, FF = Σ W q (1 − a), MF = Σ W (1 − q) b, TP = Σ W (1 − q)(1 − b)."""
    rng = np.random.default_rng(seed)
    total = np.zeros((draws, len(CELLS)))
    for stratum, share in sorted(shares.items()):
        counts = np.zeros(len(CELLS))
        for item in items:
            if item.stratum == stratum:
                counts[_cell(item.human, item.judge)] += 1
        tf, mf, ff, tp = counts
        q = _beta(rng, tf + ff, mf + tp, draws, boundary)
        a = _beta(rng, tf, ff, draws, boundary)
        b = _beta(rng, mf, tp, draws, boundary)
        total += share * np.stack([q * a, (1 - q) * b, q * (1 - a), (1 - q) * (1 - b)], axis=1)
    return total


def stratum_shares(items: Sequence[Item]) -> dict[str, float]:
    """Each stratum's share of the population, from the items' weights (Σ 1/π estimates a stratum's size)."""
    sizes: dict[str, float] = {}
    for item in items:
        sizes[item.stratum] = sizes.get(item.stratum, 0.0) + item.weight
    total = sum(sizes.values())
    return {stratum: size / total for stratum, size in sizes.items()} if total else {}


def _point(items: Sequence[Item], shares: dict[str, float]) -> np.ndarray:
    """The stratified estimate of the population's cell shares: Σ_h W_h × (stratum h's cell shares)."""
    cells = np.zeros(len(CELLS))
    for stratum, share in shares.items():
        members = [i for i in items if i.stratum == stratum]
        for item in members:
            cells[_cell(item.human, item.judge)] += share / len(members)
    return cells


NEEDS = {
    "agreement": (),
    "human_fail_prevalence": (),
    "fail_recall": ("human fail",),
    "false_flag_rate": ("human pass",),
    "fail_precision": ("judged fail",),
    "kappa": ("human fail", "human pass", "judged fail", "judged pass"),
}
"""The classes each figure rests on, beside the strata: a figure is withheld when one has fewer than MIN_ITEMS / 2
items (the judge's fail share needs no human label and is never withheld)."""


def _too_few(items: Sequence[Item], name: str, min_items: int) -> str | None:
    """Why figure `name` is withheld: fewer than `min_items` items in a sampling stratum, or fewer than half as many
    in a class it rests on (NEEDS); None when there are enough."""
    if name not in NEEDS:
        return None
    sizes = Counter(i.stratum for i in items)
    classes = Counter(f"human {i.human}" for i in items) + Counter(f"judged {i.judge}" for i in items)
    short = [f"{c} {classes[c]}" for c in NEEDS[name] if classes[c] * 2 < min_items]
    if min(sizes.values()) >= min_items and not short:
        return None
    have = ", ".join(f"{stratum} {n}" for stratum, n in sorted(sizes.items()))
    need = f" and ≥ {min_items // 2} per class it rests on (have {', '.join(short)})" if short else ""
    return f"too few labels: need ≥ {min_items} labelled conversations per sampling stratum (have {have}){need}"


def estimates(
    items: Sequence[Item],
    shares: dict[str, float] | None = None,
    draws: int = DRAWS,
    seed: int = 0,
    min_items: int = MIN_ITEMS,
) -> dict[str, Estimate]:
    """Every metric with its stratified Jeffreys 95% interval. `shares`: each stratum's share of the population
    (default: from the items' weights); a stratum with no item here is dropped and the others renormalised. When a
    stratum has fewer than `min_items` items, or a class a figure rests on fewer than half as many (NEEDS), that
    figure is withheld, with the reason; the judge's fail share never is."""
    shares = stratum_shares(items) if shares is None else shares
    present = {i.stratum for i in items}
    kept = {h: w for h, w in shares.items() if h in present and w > 0}
    total = sum(kept.values())
    kept = {h: w / total for h, w in kept.items()} if total else {}
    values = _metrics(_point(items, kept))
    result = {name: Estimate(value=_value(value)) for name, value in values.items()}
    if not items:
        return result
    for name in result:
        reason = _too_few(items, name, min_items)
        result[name] = Estimate(value=None, withheld=reason) if reason else result[name]
    jeffreys = _metrics(_posterior_cells(items, kept, draws, seed))
    held = _metrics(_posterior_cells(items, kept, draws, seed, boundary=True))
    for name, estimate in result.items():
        bounds = [
            np.percentile(d[~np.isnan(d)], [2.5, 97.5]) for d in (jeffreys[name], held[name]) if d[~np.isnan(d)].size
        ]
        if bounds and estimate.value is not None:
            estimate.low, estimate.high = float(min(b[0] for b in bounds)), float(max(b[1] for b in bounds))
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
