"""Calibration statistics checked against scikit-learn on real human labels (Taskmaster-4 thumbs
up/down) and on edge cases; the bootstrap is reproducible by seed."""

import json
import random
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_score, recall_score

from sparring.calibration import Item, cohen_kappa, confusion, estimates, inter_labeller


def items(pairs):
    return [Item(h, j) for h, j in pairs]


REWARDS = Path(__file__).parents[1] / "fixtures" / "transcripts" / "taskmaster4_rewards.jsonl"


def real_pairs(agreement: float, seed: int) -> list[tuple[str, str]]:
    """Human thumbs (1 = pass, 0 = fail) against a seeded rater that agrees with probability `agreement`."""
    rng = random.Random(seed)
    humans = ["pass" if json.loads(line)["reward"] >= 0.5 else "fail" for line in REWARDS.read_text().splitlines()]
    return [(h, h if rng.random() < agreement else ("fail" if h == "pass" else "pass")) for h in humans]


@pytest.mark.parametrize(("agreement", "seed"), [(0.9, 1), (0.7, 2), (0.55, 3)])
def test_matches_scikit_learn_on_real_human_labels(agreement, seed):
    pairs = real_pairs(agreement, seed)
    humans, judges = [h for h, _ in pairs], [j for _, j in pairs]
    assert len(pairs) == 300 and 20 < humans.count("fail") < 280, "both classes present in the real labels"
    c = confusion(pairs)
    [[true_fail, missed], [false_flag, true_pass]] = confusion_matrix(humans, judges, labels=["fail", "pass"])
    assert (c.true_fail, c.missed_fail, c.false_flag, c.true_pass) == (true_fail, missed, false_flag, true_pass)
    assert cohen_kappa(c) == pytest.approx(cohen_kappa_score(humans, judges))
    metrics = estimates(items(pairs), draws=200, seed=0)
    assert metrics["fail_recall"].value == pytest.approx(recall_score(humans, judges, pos_label="fail"))
    assert metrics["fail_precision"].value == pytest.approx(precision_score(humans, judges, pos_label="fail"))
    false_flag_rate = 1 - recall_score(humans, judges, pos_label="pass")
    assert metrics["false_flag_rate"].value == pytest.approx(false_flag_rate)
    for estimate in metrics.values():
        assert estimate.low <= estimate.value <= estimate.high


def test_edge_cases():
    all_agree = [("pass", "pass"), ("fail", "fail"), ("pass", "pass")]
    assert cohen_kappa(confusion(all_agree)) == pytest.approx(1.0)
    no_fails = [("pass", "pass")] * 5
    m = estimates(items(no_fails), draws=50, min_items=0)
    assert m["agreement"].value == 1.0 and m["kappa"].value is None, "κ undefined with one class only"
    assert m["fail_recall"].value is None and m["fail_precision"].value is None and m["false_flag_rate"].value == 0
    judge_never_fails = [("fail", "pass"), ("pass", "pass"), ("fail", "pass")]
    m = estimates(items(judge_never_fails), draws=50, min_items=0)
    assert m["fail_recall"].value == 0 and m["fail_precision"].value is None
    assert m["kappa"].value == pytest.approx(cohen_kappa_score(["fail", "pass", "fail"], ["pass"] * 3))
    assert estimates([], draws=10)["agreement"].value is None
    opposite = [("pass", "fail"), ("fail", "pass")] * 3
    assert cohen_kappa(confusion(opposite)) == pytest.approx(cohen_kappa_score(*zip(*opposite, strict=True)))


def test_intervals_are_reproducible_by_seed():
    pairs = items(real_pairs(0.8, 5))
    first, again, other = estimates(pairs, seed=7), estimates(pairs, seed=7), estimates(pairs, seed=8)
    assert first == again
    assert first["kappa"].low != other["kappa"].low or first["kappa"].high != other["kappa"].high


def test_inter_labeller_agreement_matches_scikit_learn():
    rng = random.Random(3)
    a = [rng.choice(["pass", "fail"]) for _ in range(40)]
    b = [x if rng.random() < 0.8 else rng.choice(["pass", "fail"]) for x in a]
    items = {f"c{i}": {"ann": x, "bo": y} for i, (x, y) in enumerate(zip(a, b, strict=True))}
    items["solo"] = {"ann": "pass"}
    result = inter_labeller(items)
    assert result.labellers == 2 and result.shared_items == 40
    assert result.kappa == pytest.approx(cohen_kappa_score(a, b))
    assert inter_labeller({"x": {"ann": "pass"}}) is None
