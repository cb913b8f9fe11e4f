"""Calibration intervals that hold (issue 27, item 7): stratified Jeffreys intervals checked against statsmodels,
figures withheld below the labels they need, the judge's fail share never zero-width, and `sparring calibrate`
measuring the judge of the run the labels came from (real SQLite store, real HTTP judge on 127.0.0.1)."""

import json
from datetime import UTC, datetime

import pytest
from statsmodels.stats.proportion import proportion_confint
from typer.testing import CliRunner

from sparring import Store
from sparring.calibration import Item, calibration_warnings, estimates, labelled_judge_model, stratum_shares
from sparring.calibration.agreement import MIN_ITEMS
from sparring.cli import app
from sparring.data_model import Conversation, CustomerTurn, Label, ModelSettings, Outcome, Run, Verdict
from sparring.testing import StubServer

runner = CliRunner(env={"COLUMNS": "250"})
EVAL = "professional_tone"


def items(cells: dict[tuple[str, str], int], stratum: str = "all", weight: float = 1.0) -> list[Item]:
    return [Item(h, j, weight, stratum) for (h, j), n in cells.items() for _ in range(n)]


@pytest.mark.parametrize(("true_fail", "false_flag"), [(12, 8), (19, 1), (20, 0), (3, 17)])
def test_one_strata_precision_is_the_jeffreys_interval_of_statsmodels(true_fail, false_flag):
    labelled = items({("fail", "fail"): true_fail, ("pass", "fail"): false_flag, ("pass", "pass"): 30})
    precision = estimates(labelled, draws=40_000, seed=1)["fail_precision"]
    low, high = proportion_confint(true_fail, true_fail + false_flag, method="jeffreys")
    assert precision.value == pytest.approx(true_fail / (true_fail + false_flag))
    assert precision.low == pytest.approx(low, abs=0.01)
    # At 20 of 20 the upper bound is 1 (Brown, Cai and DasGupta's modification); statsmodels' is just under it.
    assert precision.high == pytest.approx(1.0 if false_flag == 0 else high, abs=0.01)


def test_too_few_labels_withhold_the_figures_and_say_how_many_are_needed():
    few = items({("fail", "fail"): 5, ("pass", "fail"): 2}, "fail", 4.0) + items(
        {("pass", "pass"): 6, ("fail", "pass"): 1}, "pass", 50.0
    )
    found = estimates(few)
    for name in ("kappa", "fail_recall", "fail_precision", "human_fail_prevalence", "false_flag_rate", "agreement"):
        assert found[name].value is None and found[name].low is None
        assert f"too few labels: need ≥ {MIN_ITEMS} labelled conversations per sampling stratum" in found[name].withheld
        assert "fail 7, pass 7" in found[name].withheld
    share = found["judge_fail_prevalence"]
    assert share.withheld is None and share.low < share.value <= share.high


def test_a_figure_resting_on_a_rare_class_is_withheld_alone():
    # A simple random sample of 40 with 2 human fails: recall and κ rest on 2 items; the prevalence does not.
    labelled = items({("fail", "fail"): 2, ("pass", "fail"): 6, ("pass", "pass"): 32})
    found = estimates(labelled)
    assert "have human fail 2" in found["fail_recall"].withheld and found["kappa"].withheld
    assert found["human_fail_prevalence"].withheld is None and found["human_fail_prevalence"].low is not None
    assert found["fail_precision"].withheld is None and found["false_flag_rate"].withheld is None


def test_the_judges_fail_share_keeps_a_width_under_the_test_split():
    # Strata are the judge's verdicts, every labelled item agrees with its stratum, and only the test split is
    # reported: the stratified bootstrap gave the share a zero-width interval around a value that moved with the split.
    designed = items({("fail", "fail"): 14, ("pass", "fail"): 6}, "fail", 3.0) + items(
        {("pass", "pass"): 18, ("fail", "pass"): 2}, "pass", 40.0
    )
    shares = stratum_shares(designed)
    assert shares == pytest.approx({"fail": 60 / 860, "pass": 800 / 860})
    test_split = designed[:12] + designed[20:34]
    share = estimates(test_split, shares)["judge_fail_prevalence"]
    assert share.value == pytest.approx(60 / 860), "the design's share, not the split's"
    assert share.high - share.low > 0.01


def store_judged_by(tmp_path, judge_model: str) -> tuple[Store, str]:
    """A run of 24 conversations judged by `judge_model`, each labelled (a simple random sample)."""
    db = tmp_path / "judged.db"
    store = Store.open(str(db))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="scripted:test", agent="scripted:test", judge=judge_model)
    store.save_run(Run(id="run-1", label="v1", suite="s", settings=settings, clock=now, started_at=now))
    labels = []
    for i in range(24):
        cid = f"run-1:s{i:02}:0"
        conversation = Conversation(
            id=cid, run_id="run-1", scenario_id=f"s{i:02}", turns=[CustomerTurn(content=f"hello {i}")]
        )
        verdict = Verdict(
            evaluation_id=EVAL, conversation_id=cid, outcome=Outcome.PASS, prompt_hash="h", judge_model=judge_model
        )
        store.save_conversation(conversation, [verdict])
        labels.append(Label(conversation_id=cid, evaluation_id=EVAL, label="pass", labeller="ann"))
    store.save_labels(labels)
    return store, str(db)


def test_the_labelled_runs_judge_is_found_and_two_judges_are_refused(tmp_path):
    store, _db = store_judged_by(tmp_path, "openai:judge-b")
    assert labelled_judge_model(store, EVAL) == "openai:judge-b"
    assert labelled_judge_model(store, "no_such_evaluation") is None
    second = store.conversation("run-1:s00:0").model_copy(update={"id": "run-1:s00:1", "trial": 1})
    other = Verdict(evaluation_id=EVAL, conversation_id=second.id, outcome=Outcome.FAIL, judge_model="openai:c")
    store.save_conversation(second, [other])
    store.save_labels([Label(conversation_id="run-1:s00:1", evaluation_id=EVAL, label="fail", labeller="ann")])
    with pytest.raises(ValueError, match="judged by openai:judge-b \\(24\\), openai:c \\(1\\): pick --judge-model"):
        labelled_judge_model(store, EVAL)


def test_calibrate_measures_the_judge_of_the_labelled_run_by_default(example_suite, tmp_path):
    _store, db = store_judged_by(tmp_path, "openai:judge-b")

    def judge(body):
        return {"content": json.dumps({"reasoning": "polite throughout", "verdict": "pass"})}

    with StubServer(judge) as server:
        args = ["calibrate", "--suite", str(example_suite.root), "--eval", EVAL, "--split", "all"]
        result = runner.invoke(app, [*args, "--base-url", server.base_url, "--db", db])
        asked = {request["model"] for request in server.requests}
    assert result.exit_code == 0, result.output
    assert "judge openai:judge-b (the labelled run's judge)" in result.output
    assert asked == {"judge-b"}, "not the suite's judge"


def test_a_run_warning_says_when_kappa_was_withheld(tmp_path):
    store, _db = store_judged_by(tmp_path, "openai:judge-b")
    withheld = {"kappa": {"value": None, "withheld": "too few labels: need ≥ 10 labelled conversations"}}
    store.save_calibration(EVAL, "h", "openai:judge-b", {"metrics": withheld})
    [warning] = calibration_warnings(store, "run-1", 0.6)
    assert warning == (
        f"{EVAL}: judge prompt h with openai:judge-b has population κ withheld: too few labels: need ≥ 10 labelled "
        "conversations"
    )
