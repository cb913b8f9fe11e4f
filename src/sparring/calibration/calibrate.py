"""Calibrate a judge: run it on the conversations humans labelled and measure how often it agrees.

The ground truth of an item is its labellers' majority (ties are left out and counted). Only the test
split is reported by default, and any labelled conversation quoted in the judge's prompt (a few-shot
example) is left out: agreement measured on the judge's own examples would flatter it."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from sparring.calibration.agreement import Confusion, Estimate, LabellerAgreement, confusion, estimates, inter_labeller
from sparring.data_model import Label, Outcome, split_of
from sparring.evaluations.judge import Judge
from sparring.evaluations.spec import EvaluationSpec
from sparring.evaluations.transcript import render_transcript
from sparring.models.base import MeteredModel
from sparring.store import Store


class Mismatch(BaseModel):
    conversation_id: str
    human: str
    judge: str
    human_note: str
    judge_reasoning: str


class CalibrationReport(BaseModel):
    evaluation_id: str
    prompt_hash: str
    judge_model: str
    split: str
    n: int
    n_by_class: dict[str, int]
    confusion: Confusion
    metrics: dict[str, Estimate]
    repeats: int = 1
    self_flip_rate: float | None = Field(None, description="share of items whose repeated verdicts differ")
    inter_labeller: LabellerAgreement | None = None
    mismatches: list[Mismatch] = Field(default_factory=list)
    excluded: dict[str, int] = Field(default_factory=dict, description="left out, by reason")


def ground_truth(labels: list[Label]) -> tuple[dict[str, tuple[str, str]], int, dict[str, dict[str, str]]]:
    """Per conversation: (majority label, notes), the number of ties, and every labeller's label."""
    by_item: dict[str, dict[str, str]] = defaultdict(dict)
    notes: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        by_item[label.conversation_id][label.labeller] = label.label
        if label.note:
            notes[label.conversation_id].append(f"{label.labeller}: {label.note}")
    truth: dict[str, tuple[str, str]] = {}
    ties = 0
    for item, by in by_item.items():
        counts = Counter(by.values())
        if counts["pass"] == counts["fail"]:
            ties += 1
            continue
        truth[item] = (counts.most_common(1)[0][0], " | ".join(notes[item]))
    return truth, ties, dict(by_item)


async def calibrate(
    spec: EvaluationSpec,
    policy: str,
    store: Store,
    model: MeteredModel,
    repeats: int = 1,
    split: str = "test",
    seed: int = 0,
) -> CalibrationReport:
    if spec.kind != "judge":
        raise ValueError(f"{spec.id} is a deterministic check: calibration measures LLM judges")
    labels = store.labels(spec.id)
    if not labels:
        raise ValueError(f"no human labels for {spec.id}: label with `sparring label` or `sparring labels import`")
    truth, ties, by_item = ground_truth(labels)
    judge = Judge(spec.model_copy(update={"judge_samples": repeats}), policy)
    prompt_text = judge.template.text
    excluded: Counter[str] = Counter({"labeller tie": ties} if ties else {})
    pairs: list[tuple[str, str]] = []
    flips = 0
    mismatches: list[Mismatch] = []
    for conversation_id in sorted(truth):
        human, note = truth[conversation_id]
        if split != "all" and split_of(conversation_id) != split:
            excluded[f"{split_of(conversation_id)} split"] += 1
            continue
        if conversation_id in prompt_text:
            excluded["few-shot example in the prompt"] += 1
            continue
        try:
            conversation = store.conversation(conversation_id)
        except LookupError:
            excluded["conversation not in the database"] += 1
            continue
        verdict = await judge.judge(conversation, render_transcript(conversation), model)
        if verdict.outcome not in (Outcome.PASS, Outcome.FAIL):
            excluded[f"judge answered {verdict.outcome.value}"] += 1
            continue
        flips += repeats > 1 and len({s.outcome for s in verdict.samples}) > 1
        pairs.append((human, verdict.outcome.value))
        if human != verdict.outcome.value:
            mismatches.append(
                Mismatch(
                    conversation_id=conversation_id,
                    human=human,
                    judge=verdict.outcome.value,
                    human_note=note,
                    judge_reasoning=verdict.reasoning,
                )
            )
    return CalibrationReport(
        evaluation_id=spec.id,
        prompt_hash=judge.template.hash,
        judge_model=model.name,
        split=split,
        n=len(pairs),
        n_by_class=dict(Counter(h for h, _ in pairs)),
        confusion=confusion(pairs),
        metrics=estimates(pairs, seed=seed),
        repeats=repeats,
        self_flip_rate=flips / len(pairs) if repeats > 1 and pairs else None,
        inter_labeller=inter_labeller(by_item),
        mismatches=mismatches,
        excluded=dict(excluded),
    )


def write_report(report: CalibrationReport, file: Path) -> None:
    file.write_text(report.model_dump_json(indent=2), encoding="utf-8")


def calibration_warnings(store: Store, run_id: str, min_kappa: float) -> list[str]:
    """For the judge prompt versions a run used: those with no calibration, or a κ below `min_kappa`."""
    versions = {v.evaluation_id: v.prompt_hash for v in store.verdicts(run_id) if v.prompt_hash}
    warnings: list[str] = []
    uncalibrated: list[str] = []
    for evaluation_id, prompt_hash in sorted(versions.items()):
        matching = [r for r in store.calibrations(evaluation_id) if r["prompt_hash"] == prompt_hash]
        if not matching:
            uncalibrated.append(f"{evaluation_id} ({prompt_hash})")
            continue
        kappa = matching[-1]["metrics"]["kappa"]["value"]
        if kappa is None or kappa < min_kappa:
            shown = "undefined" if kappa is None else f"{kappa:.2f}"
            warnings.append(
                f"{evaluation_id}: judge prompt {prompt_hash} has κ {shown} < {min_kappa} against human labels"
            )
    if uncalibrated:
        warnings.insert(0, f"no calibration against human labels for {', '.join(uncalibrated)}; see sparring calibrate")
    return warnings
