"""A labelling session's bookkeeping, shared by `sparring label` and `sparring discover --accept`: which of an
evaluation's verdicts a labeller still has to label (the stratified sample of sampling.py, minus what they
already labelled) and the stored label of one answer, with the design that chose its conversation."""

from __future__ import annotations

from typing import Literal

from sparring.calibration.sampling import SampledItem, sample_for_labelling
from sparring.data_model import Label, Verdict
from sparring.store import Store


def pending_sample(
    store: Store,
    evaluation_id: str,
    verdicts: list[Verdict],
    labeller: str,
    size: int,
    target_fails: int | None = None,
    seed: int = 0,
) -> list[SampledItem]:
    """Up to `size` of `verdicts` of `evaluation_id` (other evaluations' are ignored) for `labeller` to label,
    the conversations they already labelled for it left out of the population."""
    done = {lb.conversation_id for lb in store.labels(evaluation_id) if lb.labeller == labeller}
    own = [v for v in verdicts if v.evaluation_id == evaluation_id]
    return sample_for_labelling(own, size, target_fails, seed, exclude=done)


def save_answer(store: Store, item: SampledItem, outcome: Literal["pass", "fail"], note: str, labeller: str) -> Label:
    """Store one human label for a sampled item, with its inclusion probability and stratum; returns it."""
    verdict = item.verdict
    label = Label(
        conversation_id=verdict.conversation_id,
        evaluation_id=verdict.evaluation_id,
        label=outcome,
        note=note,
        labeller=labeller,
        inclusion_probability=item.inclusion_probability,
        stratum=item.stratum,
    )
    store.save_labels([label])
    return label
