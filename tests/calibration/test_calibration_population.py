"""Calibration estimates the population the labels were sampled from, not the sample: items are weighted
by 1/π (recorded when sampling), checked against scikit-learn's sample_weight; the bootstrap resamples
within strata; and the issue's example (10% true fails, a judge catching half, a stratified sample with
target fails) runs end to end through a real SQLite store, calibrate and the warning in `sparring run`."""

from datetime import UTC, datetime

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_score, recall_score

from sparring import ScriptedModel, Store
from sparring.calibration import (
    Item,
    LabelFileError,
    calibrate,
    calibration_warnings,
    estimates,
    read_labels,
    sample_for_labelling,
    write_labels,
)
from sparring.calibration.agreement import weighted_confusion
from sparring.data_model import (
    Conversation,
    CustomerTurn,
    Label,
    ModelSettings,
    Outcome,
    Run,
    TokenUsage,
    Verdict,
)
from sparring.evaluations import EvaluationSpec, Judge
from sparring.models import MeteredModel

SPEC = EvaluationSpec(id="tone", kind="judge", description="tone", criterion="The agent is polite.")
POPULATION, TRUE_FAILS, CAUGHT, FALSE_FLAGS = 1000, 100, 50, 18  # population κ 0.56, fail recall 0.50


def population() -> tuple[dict[str, str], dict[str, str]]:
    """(human truth, judge verdict) per conversation id: 10% true fails, the judge catching half of them."""
    ids = [f"c{i:04}" for i in range(POPULATION)]
    truth = {cid: "fail" if i < TRUE_FAILS else "pass" for i, cid in enumerate(ids)}
    flagged = set(ids[:CAUGHT]) | set(ids[TRUE_FAILS : TRUE_FAILS + FALSE_FLAGS])
    return truth, {cid: "fail" if cid in flagged else "pass" for cid in ids}


def verdicts_of(judge: dict[str, str]) -> list[Verdict]:
    return [Verdict(evaluation_id=SPEC.id, conversation_id=c, outcome=Outcome(v)) for c, v in judge.items()]


def sampled_items(size: int, target_fails: int, seed: int) -> list[Item]:
    truth, judge = population()
    chosen = sample_for_labelling(verdicts_of(judge), size, target_fails, seed)
    return [
        Item(truth[s.verdict.conversation_id], judge[s.verdict.conversation_id], 1 / s.inclusion_probability, s.stratum)
        for s in chosen
    ]


def test_weighted_figures_match_scikit_learn_sample_weight():
    items = sampled_items(120, 40, seed=3)
    humans, judges = [i.human for i in items], [i.judge for i in items]
    weights = [i.weight for i in items]
    c = weighted_confusion(items)
    matrix = confusion_matrix(humans, judges, labels=["fail", "pass"], sample_weight=weights)
    assert [c.true_fail, c.missed_fail, c.false_flag, c.true_pass] == pytest.approx(matrix.ravel().tolist())
    m = estimates(items, draws=50)
    assert m["kappa"].value == pytest.approx(cohen_kappa_score(humans, judges, sample_weight=weights))
    recall = recall_score(humans, judges, pos_label="fail", sample_weight=weights)
    assert m["fail_recall"].value == pytest.approx(recall)
    assert m["fail_precision"].value == pytest.approx(
        precision_score(humans, judges, pos_label="fail", sample_weight=weights)
    )
    false_flags = 1 - recall_score(humans, judges, pos_label="pass", sample_weight=weights)
    assert m["false_flag_rate"].value == pytest.approx(false_flags)
    assert c.n == pytest.approx(POPULATION), "1/π weights add up to the population the strata came from"


def test_the_weighted_prevalence_is_unbiased_over_repeated_samples():
    samples = [sampled_items(120, 40, seed) for seed in range(300)]
    weighted = [weighted_confusion(items) for items in samples]
    prevalence = np.mean([(c.true_fail + c.missed_fail) / c.n for c in weighted])
    unweighted = np.mean([sum(i.human == "fail" for i in items) / len(items) for items in samples])
    assert prevalence == pytest.approx(TRUE_FAILS / POPULATION, abs=0.005)
    assert unweighted > 0.25, "the stratified sample itself is full of fails: unweighted it overstates them"


def test_the_judges_fail_share_never_gets_a_zero_width_interval():
    # Each stratum is one judge verdict. The stratified bootstrap kept the judge's fail share fixed at the design's
    # and gave it no width, although the judge's verdicts on the unlabelled conversations of each stratum are not
    # known: the Jeffreys interval of its fail share within each stratum gives it one, around the design's value.
    items = sampled_items(120, 40, seed=1)
    m = estimates(items, draws=3000, seed=2)
    share = m["judge_fail_prevalence"]
    assert share.value == pytest.approx((CAUGHT + FALSE_FLAGS) / POPULATION)
    assert share.low < share.value <= share.high and share.high - share.low > 0.005
    pooled = estimates([Item(i.human, i.judge, i.weight) for i in items], draws=300, seed=2)
    assert pooled["judge_fail_prevalence"].high > pooled["judge_fail_prevalence"].low
    assert m["fail_recall"].low < m["fail_recall"].value < m["fail_recall"].high


def judge_reply(request):
    """A scripted judge that repeats the population's judge verdict written in the transcript."""
    return {"reasoning": "scripted", "verdict": "fail" if "JUDGED-fail" in request.messages[-1].content else "pass"}


def store_population_sample(tmp_path, size: int, target_fails: int, seed: int) -> tuple[Store, Run]:
    """A run holding the sampled conversations, with their stored verdicts and design-carrying labels."""
    truth, judge = population()
    store = Store.open(str(tmp_path / "population.db"))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="scripted:test", agent="scripted:test", judge="scripted:test")
    run = Run(id="run-1", label="v1", suite="s", settings=settings, clock=now, started_at=now)
    store.save_run(run)
    prompt_hash = Judge(SPEC, "the policy").prompt_hash
    chosen = sample_for_labelling(verdicts_of(judge), size, target_fails, seed)
    for s in chosen:
        cid = s.verdict.conversation_id
        turns = [CustomerTurn(content=f"JUDGED-{judge[cid]} conversation {cid}")]
        conversation = Conversation(id=cid, run_id=run.id, scenario_id=cid, turns=turns)
        verdict = s.verdict.model_copy(update={"prompt_hash": prompt_hash, "judge_model": "scripted:test"})
        store.save_conversation(conversation, [verdict])
    labels = [
        Label(
            conversation_id=s.verdict.conversation_id,
            evaluation_id=SPEC.id,
            label=truth[s.verdict.conversation_id],
            labeller="ann",
            inclusion_probability=s.inclusion_probability,
            stratum=s.stratum,
        )
        for s in chosen
    ]
    store.save_labels(labels)
    return store, run


async def test_the_issue_example_population_figures_not_the_sample(tmp_path):
    store, run = store_population_sample(tmp_path, 120, 40, seed=20)
    model = MeteredModel(ScriptedModel(judge_reply), TokenUsage())
    report = await calibrate(SPEC, "the policy", store, model, split="all", seed=0)
    assert report.n == 120 and report.strata == {"fail": 40, "pass": 80} and report.without_design == 0
    assert report.sample_metrics["fail_recall"].value == pytest.approx(0.875, abs=0.01)
    assert report.metrics["fail_recall"].value == pytest.approx(0.5, abs=0.05), "the true recall is 0.50"
    assert report.sample_metrics["kappa"].value > 0.6 > report.metrics["kappa"].value
    assert report.metrics["kappa"].value == pytest.approx(0.56, abs=0.03)
    assert report.metrics["human_fail_prevalence"].value == pytest.approx(0.1, abs=0.02)
    assert report.population_confusion.n == pytest.approx(POPULATION)
    assert report.confusion.n == 120
    store.save_calibration(SPEC.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    [warning] = calibration_warnings(store, run.id, min_kappa=0.6)
    assert "population κ 0.55" in warning and "< 0.6" in warning


async def test_labels_without_a_design_are_a_simple_random_sample_and_said_so(tmp_path):
    store, _run = store_population_sample(tmp_path, 120, 40, seed=20)
    undesigned = [lb.model_copy(update={"inclusion_probability": None, "stratum": None}) for lb in store.labels()]
    store.save_labels(undesigned)
    model = MeteredModel(ScriptedModel(judge_reply), TokenUsage())
    report = await calibrate(SPEC, "the policy", store, model, split="all", seed=0)
    assert report.without_design == 120 and report.strata == {"no design": 120}
    assert report.metrics == report.sample_metrics


def test_the_design_survives_export_and_import_and_a_bad_probability_names_its_line(tmp_path):
    store, _run = store_population_sample(tmp_path, 12, 4, seed=1)
    for suffix in (".csv", ".jsonl"):
        file = tmp_path / f"labels{suffix}"
        write_labels(store.labels(), file)
        again = read_labels(file, store.existing_conversations())
        assert [(lb.inclusion_probability, lb.stratum) for lb in again] == [
            (lb.inclusion_probability, lb.stratum) for lb in store.labels()
        ]
    bad = tmp_path / "bad.csv"
    bad.write_text("conversation_id,evaluation_id,label,inclusion_probability\nc0001,tone,fail,1.5\n")
    with pytest.raises(LabelFileError, match=r"bad\.csv:2: inclusion_probability: Input should be less than or equal"):
        read_labels(bad)
