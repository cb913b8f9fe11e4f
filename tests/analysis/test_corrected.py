"""Judge-error-corrected pass rates (issue 27, item 6): a run whose judge passes 92% of conversations when humans
pass 90%, labelled with the `sparring label` design and calibrated through a real SQLite store; the corrected rate
and its interval sit on the truth, the raw rate does not, and a `corrected: true` gate decides on it."""

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.analysis.corrected import (
    CorrectedPassRate,
    corrected_gate_outcome,
    corrected_interval,
    effective_fail_count,
)
from sparring.analysis.gate import check_gates
from sparring.analysis.judge_calibration import calibration_summary
from sparring.analysis.pass_rates import EvaluationSummary
from sparring.calibration import calibrate, sample_for_labelling
from sparring.cli import app
from sparring.data_model import Conversation, CustomerTurn, Label, ModelSettings, Outcome, Run, TokenUsage, Verdict
from sparring.evaluations import EvaluationSpec, Judge
from sparring.models import MeteredModel
from sparring.suite import load_suite
from sparring.suite.config import GateConfig

SPEC = EvaluationSpec(id="tone", kind="judge", description="tone", criterion="The agent is polite.")
SCENARIOS, TRIALS = 200, 2  # 400 conversations: 40 human fails; the judge catches 24 and flags 8 passes
HUMAN_FAILS, CAUGHT, FALSE_FLAGS = 40, 24, 8


def population() -> tuple[dict[str, str], dict[str, str]]:
    """(human label, judge verdict) by conversation id."""
    ids = [f"run-1:s{i // TRIALS:03}:{i % TRIALS}" for i in range(SCENARIOS * TRIALS)]
    human = {cid: "fail" if i < HUMAN_FAILS else "pass" for i, cid in enumerate(ids)}
    flagged = set(ids[:CAUGHT]) | set(ids[HUMAN_FAILS : HUMAN_FAILS + FALSE_FLAGS])
    return human, {cid: "fail" if cid in flagged else "pass" for cid in ids}


def judge_reply(request):
    return {"reasoning": "scripted", "verdict": "fail" if "JUDGED-fail" in request.messages[-1].content else "pass"}


@pytest.fixture
async def calibrated(tmp_path) -> tuple[Store, Run]:
    """A stored run with every verdict, 80 labels sampled by the label design, and its calibration stored."""
    human, judge = population()
    store = Store.open(str(tmp_path / "corrected.db"))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="scripted:test", agent="scripted:test", judge="scripted:test")
    run = Run(id="run-1", label="v1", suite="s", settings=settings, clock=now, started_at=now)
    store.save_run(run)
    prompt_hash = Judge(SPEC, "the policy").prompt_hash
    verdicts = []
    for cid, verdict in judge.items():
        _run, scenario, trial = cid.split(":")
        turns = [CustomerTurn(content=f"JUDGED-{verdict} conversation {cid}")]
        conversation = Conversation(id=cid, run_id=run.id, scenario_id=scenario, trial=int(trial), turns=turns)
        stored = Verdict(
            evaluation_id=SPEC.id,
            conversation_id=cid,
            outcome=Outcome(verdict),
            prompt_hash=prompt_hash,
            judge_model="scripted:test",
        )
        store.save_conversation(conversation, [stored])
        verdicts.append(stored)
    chosen = sample_for_labelling(verdicts, 80, seed=3)
    store.save_labels(
        [
            Label(
                conversation_id=s.verdict.conversation_id,
                evaluation_id=SPEC.id,
                label=human[s.verdict.conversation_id],
                labeller="ann",
                inclusion_probability=s.inclusion_probability,
                stratum=s.stratum,
            )
            for s in chosen
        ]
    )
    report = await calibrate(SPEC, "the policy", store, MeteredModel(ScriptedModel(judge_reply), TokenUsage()))
    store.save_calibration(SPEC.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    return store, run


async def test_the_corrected_rate_covers_the_human_rate_the_raw_rate_misses(calibrated):
    store, run = calibrated
    [rate] = calibration_summary(store, run.id, 0.6).corrected
    assert rate.raw_pass_rate == pytest.approx(1 - (CAUGHT + FALSE_FLAGS) / (SCENARIOS * TRIALS))  # 0.92
    assert rate.conversations == SCENARIOS * TRIALS and rate.scenarios == SCENARIOS
    assert rate.labels["fail"] >= 10 and rate.labels["pass"] >= 10 and rate.withheld is None
    truth = 1 - HUMAN_FAILS / (SCENARIOS * TRIALS)  # 0.90
    assert rate.low < truth < rate.high
    assert abs(rate.corrected - truth) < abs(rate.raw_pass_rate - truth)
    raw_low, raw_high = proportion_confint(round(rate.raw_pass_rate * 400), 400, method="wilson")
    assert not raw_low <= truth <= raw_high or rate.high - rate.low > raw_high - raw_low


async def test_a_corrected_gate_does_not_pass_what_only_the_judges_error_lifts(calibrated):
    store, run = calibrated
    corrected = {r.evaluation_id: r for r in calibration_summary(store, run.id, 0.6).corrected}
    summary = EvaluationSummary(evaluation_id=SPEC.id, passed=368, failed=32)
    outcomes = {SPEC.id: {f"s{i}": [i >= 32] for i in range(400)}}  # the same 368 of 400, one trial a scenario
    raw = GateConfig(evaluation=SPEC.id, min_pass_rate=0.91, decide_on="estimate")  # the judge's raw 92% says pass
    fixed = GateConfig(evaluation=SPEC.id, min_pass_rate=0.91, corrected=True)
    low = GateConfig(evaluation=SPEC.id, min_pass_rate=0.5, corrected=True)
    results = check_gates(
        [raw, fixed, low], [SPEC], [summary], lambda *_: [], 0.0, outcomes=outcomes, corrected=corrected
    )
    assert [r.passed for r in results] == [True, False, True]
    assert results[1].outcome in ("fail", "inconclusive") and results[2].outcome == "pass"
    assert "corrected pass rate" in results[1].detail and "judge-error-corrected" in results[1].gate
    no_calibration = check_gates([fixed], [SPEC], [summary], lambda *_: [], 0.0, outcomes=outcomes, corrected={})
    assert no_calibration[0].outcome == "inconclusive" and "no calibration" in no_calibration[0].detail


def test_the_corrected_option_needs_one_evaluation_and_a_min_pass_rate():
    with pytest.raises(ValidationError, match="corrected: true applies"):
        GateConfig(family="tone", min_pass_rate=0.9, corrected=True)
    with pytest.raises(ValidationError, match="corrected: true applies"):
        GateConfig(no_regression_vs="v1", corrected=True)


def test_a_judge_that_labels_agree_with_leaves_the_rate_and_clustering_widens_it():
    spread = [(1, 10)] * 10 + [(0, 10)] * 90  # 10 fails in 100 scenarios × 10 trials
    clumped = [(10, 10)] + [(0, 10)] * 99  # the same 10 fails, all in one scenario
    agree = {"pass": (4000.0, 0.0), "fail": (0.0, 4000.0)}  # so many labels that the run's share dominates
    value, low, high = corrected_interval(spread, agree)
    assert value == pytest.approx(0.99) and low < 0.99 <= high
    _, clumped_low, clumped_high = corrected_interval(clumped, agree)
    assert clumped_high - clumped_low > 2 * (high - low), "trials of one scenario are not independent"
    assert effective_fail_count(spread) == (10, 1000) and effective_fail_count(clumped)[1] < 200


def test_a_corrected_gate_is_inconclusive_when_the_interval_straddles_the_threshold():
    rng = np.random.default_rng(0)
    per_scenario = [(int(f), 3) for f in rng.binomial(3, 0.1, 100)]
    labels = {"pass": (9.0, 1.0), "fail": (2.0, 8.0)}  # 10 labels each: just enough
    value, low, high = corrected_interval(per_scenario, labels)
    assert low < value < high
    rate = CorrectedPassRate(
        evaluation_id="e",
        raw_pass_rate=0.9,
        corrected=value,
        low=low,
        high=high,
        conversations=300,
        scenarios=100,
        labels={"pass": 10, "fail": 10},
        prompt_hash="h",
        judge_model="m",
    )
    assert corrected_gate_outcome(rate, (low + high) / 2)[0] == "inconclusive"
    assert corrected_gate_outcome(rate, low - 0.01)[0] == "pass"
    assert corrected_gate_outcome(rate, high + 0.01)[0] == "fail"


async def test_sparring_gate_reads_the_corrected_rate_of_the_stored_run(suite_copy, tmp_path):
    """The real path: a suite gate with `corrected: true`, a run of the example suite in a SQLite file, `sparring
    gate --json` before and after a calibration of the judge version that judged it."""
    suite_yaml = suite_copy / "suite.yaml"
    gate = "  - evaluation: professional_tone\n    min_pass_rate: 0.5\n    corrected: true\n"
    suite_yaml.write_text(suite_yaml.read_text() + gate)
    suite = load_suite(suite_copy)
    db = tmp_path / "gate.db"
    store = Store.open(str(db))
    pool = ModelPool()
    pool.add(ScriptedModel(world_reply, "scripted:world"))
    options = RunOptions(
        label="v1", evaluation_ids=["professional_tone"], cache=False, models=RoleOverrides(model="scripted:world")
    )
    run = (await run_suite(suite, store, options, pool)).run
    runner = CliRunner()

    def corrected_gate() -> dict:
        result = runner.invoke(app, ["gate", str(suite_copy), "v1", "--json", "--db", str(db)])
        return next(r for r in json.loads(result.stdout)["results"] if "judge-error-corrected" in r["gate"])

    before = corrected_gate()
    assert not before["passed"] and "no calibration of the judge version" in before["detail"]
    labels = [
        Label(conversation_id=c.id, evaluation_id="professional_tone", label="pass", labeller="ann")
        for c in store.conversations(run.id)
    ]
    store.save_labels(labels)
    spec = next(e for e in suite.evaluations if e.id == "professional_tone")
    world = MeteredModel(ScriptedModel(world_reply, "scripted:world"), TokenUsage())
    report = await calibrate(spec, suite.policy, store, world, split="all")
    store.save_calibration(spec.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    after = corrected_gate()
    assert not after["passed"] and "too few labels: need ≥ 10 judged pass and ≥ 10 judged fail" in after["detail"]
