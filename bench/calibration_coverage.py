"""Coverage of the calibration intervals at the label counts users have: 20, 40, 70 and 140 labels.

A fixed population of 1,000 judged conversations (three kinds: fails common, fails rare, a weak judge) with
known human labels; each simulation samples labels for it with `sample_for_labelling` (the `sparring label`
design: stratified by the judge's verdict, `--target-fails` of them judged fail; and, for the rare-fail
population, a simple random sample with no design, as imported labels are), keeps the test split as
`sparring calibrate` does (`split_of`), and computes the figures with `estimates` (stratified Jeffreys
intervals, stratum shares from every sampled label). The truth is the population's own figure. A figure
withheld for too few labels ("too few labels: need ≥ 10 judged fail and ≥ 10 judged pass") is counted apart;
coverage is held to the target wherever at least MIN_SHOWN of the simulations show the figure.

Prints, per population × labels × figure, the share of 95% intervals that cover the truth (target ≥ 93% for κ,
fail recall, precision, prevalence and false-flag rate; the judge's fail share is printed, never withheld, not a
target) and the mean width; then, for the labelling design, the mean width of the fail-recall and κ intervals
when 25%, 50% or 75% of the labels are judged fails. Exits 1 when a coverage target is missed.

    python bench/calibration_coverage.py [--simulations 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import numpy as np

from sparring.calibration.agreement import Item, estimates, stratum_shares
from sparring.calibration.sampling import sample_for_labelling
from sparring.data_model import Outcome, Verdict, split_of

TARGETED = ("kappa", "fail_recall", "fail_precision", "human_fail_prevalence", "false_flag_rate")
FIGURES = (*TARGETED, "judge_fail_prevalence")  # the judge's fail share: shown, never withheld, not a target
SIZES = (20, 40, 70, 140)  # 40: the default of `sparring label --sample`
TARGET = 0.93
MIN_SHOWN = 30  # simulations showing a figure, below which its coverage is printed but not judged
POPULATION = 1000


@dataclass(frozen=True)
class Population:
    """Conversations with a human label and a judge verdict, and the figures they have."""

    name: str
    human: dict[str, str]
    verdicts: list[Verdict]

    def truth(self) -> dict[str, float | None]:
        items = [Item(self.human[v.conversation_id], v.outcome.value) for v in self.verdicts]
        return {name: e.value for name, e in estimates(items, draws=2).items()}


def population(name: str, prevalence: float, recall: float, false_flags: float, seed: int) -> Population:
    """POPULATION conversations: human fail with `prevalence`; the judge flags a human fail with `recall`, a
    human pass with `false_flags`."""
    rng = np.random.default_rng(seed)
    human, verdicts = {}, []
    for i in range(POPULATION):
        cid = f"{name}-{i}"
        fails = rng.random() < prevalence
        flagged = rng.random() < (recall if fails else false_flags)
        human[cid] = "fail" if fails else "pass"
        outcome = Outcome.FAIL if flagged else Outcome.PASS
        verdicts.append(Verdict(evaluation_id="e", conversation_id=cid, outcome=outcome, reasoning=""))
    return Population(name, human, verdicts)


POPULATIONS = (
    population("fails-common", 0.30, 0.75, 0.08, 1),
    population("fails-rare", 0.08, 0.85, 0.03, 2),
    population("weak-judge", 0.15, 0.55, 0.12, 3),
)


def labelled(pop: Population, size: int, target_fails: int | None, seed: int) -> list[tuple[str, Item]]:
    """(conversation id, item) of one labelling: the `sparring label` design, or, with target_fails -1, a simple
    random sample with no design recorded (imported labels: weight 1, one stratum)."""
    if target_fails == -1:
        chosen = np.random.default_rng(seed).choice(len(pop.verdicts), size, replace=False)
        picked = [pop.verdicts[i] for i in sorted(chosen)]
        return [
            (v.conversation_id, Item(pop.human[v.conversation_id], v.outcome.value, 1.0, "no design")) for v in picked
        ]
    return [
        (
            s.verdict.conversation_id,
            Item(pop.human[s.verdict.conversation_id], s.verdict.outcome.value, 1 / s.inclusion_probability, s.stratum),
        )
        for s in sample_for_labelling(pop.verdicts, size, target_fails, seed)
    ]


def simulate(pop: Population, size: int, target_fails: int | None, seed: int) -> dict[str, tuple[float, float] | None]:
    """One labelling and calibration: each figure's interval, None when withheld or undefined."""
    sample = labelled(pop, size, target_fails, seed)
    shares = stratum_shares([item for _, item in sample])
    test = [item for cid, item in sample if split_of(cid) == "test"]
    found = estimates(test, shares, seed=seed)
    return {f: None if found[f].low is None else (found[f].low, found[f].high) for f in FIGURES}  # type: ignore[misc]


def coverage(pop: Population, size: int, simulations: int, target_fails: int | None = None) -> dict[str, list[float]]:
    """Per figure: [covered share, mean width, withheld share, simulations showing it]."""
    truth = pop.truth()
    runs = [simulate(pop, size, target_fails, seed) for seed in range(simulations)]
    table = {}
    for f in FIGURES:
        shown = [r[f] for r in runs if r[f] is not None]
        value = truth[f]
        covered = [lo - 1e-9 <= value <= hi + 1e-9 for lo, hi in shown] if value is not None else []
        widths = [hi - lo for lo, hi in shown]
        table[f] = [
            float(np.mean(covered)) if covered else float("nan"),
            float(np.mean(widths)) if widths else float("nan"),
            1 - len(shown) / len(runs),
            len(shown),
        ]
    return table


def main(simulations: int) -> int:
    print(f"load average {os.getloadavg()[0]:.1f}; {simulations} simulations per cell; target coverage ≥ {TARGET:.0%}")
    missed = []
    for pop, design in [(p, None) for p in POPULATIONS] + [(POPULATIONS[1], -1)]:
        truth = pop.truth()
        kind = "no design: simple random sample" if design == -1 else "stratified, half judged fails"
        print(f"\n{pop.name} ({kind}): " + ", ".join(f"{f} {truth[f]:.3f}" for f in FIGURES if truth[f] is not None))
        for size in SIZES:
            for f, (covered, width, withheld, shown) in coverage(pop, size, simulations, design).items():
                judged = shown >= MIN_SHOWN and f in TARGETED
                ok = not judged or covered >= TARGET
                missed += [] if ok else [f"{pop.name} {kind} {size} {f}"]
                verdict = ("ok" if ok else "MISS") if judged else "not a target" if f not in TARGETED else "withheld"
                print(
                    f"  {size:4d} labels  {f:22s} coverage {covered:6.1%}  mean width {width:.3f}  "
                    f"withheld {withheld:5.1%}  {verdict}"
                )
    print("\nlabelling design (70 labels): mean 95% CI width by judged-fail labels targeted")
    for pop in POPULATIONS:
        for share in (0.25, 0.5, 0.75):
            table = coverage(pop, 70, simulations // 2, round(70 * share))
            print(
                f"  {pop.name:13s} {share:4.0%} judged fails: fail recall {table['fail_recall'][1]:.3f}, "
                f"κ {table['kappa'][1]:.3f}, precision {table['fail_precision'][1]:.3f}, "
                f"prevalence {table['human_fail_prevalence'][1]:.3f}"
            )
    print(f"\n{'every coverage target met' if not missed else 'MISSED: ' + '; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=1000)
    sys.exit(main(parser.parse_args().simulations))
