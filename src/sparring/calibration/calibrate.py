"""Calibrate a judge: run it on the conversations humans labelled and measure how often it agrees.

The ground truth of an item is its labellers' majority (ties are left out and counted). Only the test
split is reported by default, and any labelled conversation quoted in the judge's prompt (a few-shot
example) is left out: agreement measured on the judge's own examples would flatter it.

The headline figures estimate the population the labels were sampled from: each item is weighted by the
inverse of its inclusion probability, recorded when `sparring label` sampled it. Labels without a design
(imported, or older) count as a simple random sample (weight 1), and the report says how many there are.
The unweighted figures of the labelled sample are kept apart as `sample_metrics`."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from sparring.calibration.agreement import (
    Confusion,
    Estimate,
    Item,
    LabellerAgreement,
    estimates,
    inter_labeller,
    stratum_shares,
    weighted_confusion,
)
from sparring.data_model import Label, Outcome, split_of
from sparring.evaluations import EvaluationSpec, Judge, render_transcript
from sparring.models import MeteredModel
from sparring.store import Store

NO_DESIGN = "no design"  # the stratum of labels that no recorded sampling design chose


class Mismatch(BaseModel):
    """A labelled item where the judge and the humans disagree, with both explanations."""

    conversation_id: str
    human: str
    judge: str
    human_note: str
    judge_reasoning: str


class CalibrationReport(BaseModel):
    """Agreement of one judge prompt version and model with the human labels of one evaluation."""

    evaluation_id: str
    prompt_hash: str
    judge_model: str
    split: str
    n: int
    n_by_class: dict[str, int]
    confusion: Confusion = Field(description="counts in the labelled sample")
    population_confusion: Confusion = Field(description="estimated counts in the sampled population (1/π)")
    metrics: dict[str, Estimate] = Field(description="population estimates (weighted by 1/π), stratified CIs")
    sample_metrics: dict[str, Estimate] = Field(description="sample (unweighted): the labelled items as they are")
    strata: dict[str, int] = Field(default_factory=dict, description="labelled items per sampling stratum")
    without_design: int = Field(0, description="items with no recorded sampling design, weighted 1")
    repeats: int = 1
    self_flip_rate: float | None = Field(None, description="share of items whose repeated verdicts differ")
    inter_labeller: LabellerAgreement | None = None
    mismatches: list[Mismatch] = Field(default_factory=list)
    excluded: dict[str, int] = Field(default_factory=dict, description="left out, by reason")


@dataclass
class Truth:
    """The majority label of one conversation, its labellers' notes, and the design that sampled it."""

    label: str
    note: str
    weight: float = 1.0
    stratum: str = NO_DESIGN


def _design(labels: list[Label]) -> tuple[float, str]:
    """(weight, stratum) from the first label that records a design; weight 1 when none does."""
    designed = next((lb for lb in labels if lb.inclusion_probability), None)
    if designed is None or designed.inclusion_probability is None:
        return 1.0, NO_DESIGN
    return 1.0 / designed.inclusion_probability, designed.stratum or "all"


def ground_truth(labels: list[Label]) -> tuple[dict[str, Truth], int, dict[str, dict[str, str]]]:
    """Per conversation its Truth, the number of ties, and every labeller's label."""
    by_item: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_item[label.conversation_id].append(label)
    truth: dict[str, Truth] = {}
    ties = 0
    for item, item_labels in by_item.items():
        counts = Counter({lb.labeller: lb.label for lb in item_labels}.values())
        if counts["pass"] == counts["fail"]:
            ties += 1
            continue
        note = " | ".join(f"{lb.labeller}: {lb.note}" for lb in item_labels if lb.note)
        truth[item] = Truth(counts.most_common(1)[0][0], note, *_design(item_labels))
    labellers: dict[str, dict[str, str]] = {item: {lb.labeller: lb.label for lb in ls} for item, ls in by_item.items()}
    return truth, ties, labellers


@dataclass
class _Tally:
    """What calibrate collects item by item."""

    items: list[Item] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    excluded: Counter[str] = field(default_factory=Counter)
    flips: int = 0


async def _judge_items(
    judge: Judge,
    truth: dict[str, Truth],
    store: Store,
    model: MeteredModel,
    split: str,
    tally: _Tally,
    uncut: frozenset[str],
) -> None:
    prompt_text = judge.template.text
    for conversation_id in sorted(truth):
        t = truth[conversation_id]
        if split != "all" and split_of(conversation_id) != split:
            tally.excluded[f"{split_of(conversation_id)} split"] += 1
            continue
        if conversation_id in prompt_text:
            tally.excluded["few-shot example in the prompt"] += 1
            continue
        try:
            conversation = store.conversation(conversation_id)
        except LookupError:
            tally.excluded["conversation not in the database"] += 1
            continue
        verdict = await judge.judge(conversation, render_transcript(conversation, uncut=uncut), model)
        if verdict.outcome not in (Outcome.PASS, Outcome.FAIL):
            tally.excluded[f"judge answered {verdict.outcome.value}"] += 1
            continue
        tally.flips += len({s.outcome for s in verdict.samples}) > 1
        tally.items.append(Item(t.label, verdict.outcome.value, t.weight, t.stratum))
        if t.label != verdict.outcome.value:
            tally.mismatches.append(
                Mismatch(
                    conversation_id=conversation_id,
                    human=t.label,
                    judge=verdict.outcome.value,
                    human_note=t.note,
                    judge_reasoning=verdict.reasoning,
                )
            )


async def calibrate(
    spec: EvaluationSpec,
    policy: str,
    store: Store,
    model: MeteredModel,
    repeats: int = 1,
    split: str = "test",
    seed: int = 0,
    uncut: frozenset[str] = frozenset(),
) -> CalibrationReport:
    """Judge every labelled conversation of `spec` again and compare with the human majority label; the judge
    reads the transcript as a run's judge does (`uncut`: the suite's tools whose answers it reads whole)."""
    if spec.kind != "judge":
        raise ValueError(f"{spec.id} is a deterministic check: calibration measures LLM judges")
    labels = store.labels(spec.id)
    if not labels:
        raise ValueError(f"no human labels for {spec.id}: label with `sparring label` or `sparring labels import`")
    truth, ties, by_item = ground_truth(labels)
    judge = Judge(spec.model_copy(update={"judge_samples": repeats}), policy)
    tally = _Tally(excluded=Counter({"labeller tie": ties} if ties else {}))
    await _judge_items(judge, truth, store, model, split, tally, uncut)
    items = tally.items
    # The strata's population shares come from every sampled label (any split, judged or not): the design.
    shares = stratum_shares([Item(t.label, t.label, t.weight, t.stratum) for t in truth.values()])
    return CalibrationReport(
        evaluation_id=spec.id,
        prompt_hash=judge.prompt_hash,
        judge_model=model.name,
        split=split,
        n=len(items),
        n_by_class=dict(Counter(i.human for i in items)),
        confusion=weighted_confusion([Item(i.human, i.judge) for i in items], integer=True),
        population_confusion=weighted_confusion(items),
        metrics=estimates(items, shares, seed=seed),
        sample_metrics=estimates([Item(i.human, i.judge) for i in items], seed=seed),
        strata=dict(Counter(i.stratum for i in items)),
        without_design=sum(i.stratum == NO_DESIGN for i in items),
        repeats=repeats,
        self_flip_rate=tally.flips / len(items) if repeats > 1 and items else None,
        inter_labeller=inter_labeller(by_item),
        mismatches=tally.mismatches,
        excluded=dict(tally.excluded),
    )


def labelled_judge_model(store: Store, evaluation_id: str) -> str | None:
    """The judge model whose verdicts the labelled conversations of `evaluation_id` carry: the judge of the run the
    labels came from, which `sparring calibrate` measures unless told otherwise. None when no labelled conversation
    has a judged verdict of it (imported labels); ValueError when they carry more than one judge model."""
    models = Counter(
        verdict.judge_model
        for conversation_id in sorted({label.conversation_id for label in store.labels(evaluation_id)})
        for verdict in store.conversation_verdicts(conversation_id)
        if verdict.evaluation_id == evaluation_id and verdict.judge_model
    )
    if len(models) > 1:
        shown = ", ".join(f"{model} ({n})" for model, n in models.most_common())
        raise ValueError(f"the labelled conversations of {evaluation_id} were judged by {shown}: pick --judge-model")
    return next(iter(models), None)


def write_report(report: CalibrationReport, file: Path) -> None:
    """The report as JSON."""
    file.write_text(report.model_dump_json(indent=2), encoding="utf-8")
