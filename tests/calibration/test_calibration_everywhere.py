"""One figure everywhere (issue 27, item 10): the judge-error-corrected pass rates and the calibration warnings
are computed once in sparring.analysis (`calibration_summary`) and shown by `sparring report` (terminal and
`--json`), `sparring gate --junit` and the pytest plugin. Real path: a real SQLite file, labels imported with
`sparring labels import`, a calibration stored as `sparring calibrate` stores it."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import jsonschema
import pytest
import scipy.stats  # noqa: F401  loaded before pytester's in-process run: numpy's extensions load once per process
from typer.testing import CliRunner

from analysis.test_corrected import HUMAN_FAILS, SCENARIOS, SPEC, TRIALS, judge_reply, population
from pytest_plugin.test_pytest_plugin import QUIET
from sparring import Store
from sparring.analysis.decision import run_decision
from sparring.analysis.judge_calibration import DEFAULT_MIN_KAPPA, calibration_summary
from sparring.analysis.schemas import json_schema
from sparring.calibration import calibrate, sample_for_labelling
from sparring.cli import app
from sparring.data_model import Conversation, CustomerTurn, ModelSettings, Outcome, Run, TokenUsage, Verdict
from sparring.evaluations import Judge
from sparring.models import MeteredModel, ScriptedModel
from sparring.suite.config import CalibrationConfig
from sparring.testing import StubServer

pytest_plugins = ["pytester"]
runner = CliRunner(env={"COLUMNS": "250"})
LABELS = 80
# `sparring report` in a fresh process, saying at exit whether the corrected-rate estimator (numpy) was imported
REPORT = "import atexit, sys\nWATCHED = 'sparring.analysis.corrected'\n"
REPORT += "atexit.register(lambda: print(WATCHED in sys.modules, file=sys.stderr))\n"
REPORT += "from sparring.cli import app\nsys.argv = ['sparring', *sys.argv[1:]]\napp()\n"


def stored_run(db) -> tuple[Store, list[Verdict]]:
    """Run 'run-1': 200 scenarios × 2 trials of `tone`, judged 92% pass where humans pass 90%."""
    _human, judge = population()
    store = Store.open(str(db))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    settings = ModelSettings(simulator="scripted:test", agent="scripted:test", judge="scripted:test")
    store.save_run(Run(id="run-1", label="v1", suite="s", settings=settings, clock=now, started_at=now, trials=2))
    prompt_hash = Judge(SPEC, "the policy").prompt_hash
    verdicts = []
    for cid, verdict in judge.items():
        _run, scenario, trial = cid.split(":")
        turns = [CustomerTurn(content=f"JUDGED-{verdict} conversation {cid}")]
        conversation = Conversation(id=cid, run_id="run-1", scenario_id=scenario, trial=int(trial), turns=turns)
        stored = Verdict(
            evaluation_id=SPEC.id,
            conversation_id=cid,
            outcome=Outcome(verdict),
            prompt_hash=prompt_hash,
            judge_model="scripted:test",
        )
        store.save_conversation(conversation, [stored])
        verdicts.append(stored)
    return store, verdicts


def report_computes_corrected_rates(db) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", REPORT, "report", "run-1", "--db", str(db)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.strip().splitlines()[-1] == "True"


async def test_report_shows_the_corrected_rate_and_the_calibration_warning(tmp_path):
    db = tmp_path / "runs.db"
    store, verdicts = stored_run(db)
    human, _judge = population()
    file = tmp_path / "labels.csv"
    with file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["conversation_id", "evaluation_id", "label", "labeller", "inclusion_probability", "stratum"])
        for s in sample_for_labelling(verdicts, LABELS, seed=3):
            cid = s.verdict.conversation_id
            writer.writerow([cid, SPEC.id, human[cid], "ann", s.inclusion_probability, s.stratum])
    imported = runner.invoke(app, ["labels", "import", str(file), "--db", str(db)])
    assert imported.exit_code == 0 and f"{LABELS} labels imported" in imported.output
    uncalibrated = json.loads(runner.invoke(app, ["report", "run-1", "--db", str(db), "--json"]).stdout)
    assert uncalibrated["calibration"]["corrected"] == []
    assert "has no calibration against human labels" in uncalibrated["calibration"]["judges"][0]["warning"]
    assert not report_computes_corrected_rates(db)  # no calibration of the run's judge: not loaded

    report = await calibrate(SPEC, "the policy", store, MeteredModel(ScriptedModel(judge_reply), TokenUsage()))
    store.save_calibration(SPEC.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    assert report_computes_corrected_rates(db)
    kappa, labelled = report.metrics["kappa"].value, round(report.confusion.n)  # its test split
    assert kappa is not None and -1 < kappa < 0.99, "premise: the stricter threshold below warns"

    result = runner.invoke(app, ["report", "run-1", "--db", str(db), "--json", "--min-kappa", "0.99"])
    document = json.loads(result.stdout)
    jsonschema.validate(document, json_schema("run"))
    [rate] = document["calibration"]["corrected"]
    truth = 1 - HUMAN_FAILS / (SCENARIOS * TRIALS)
    assert rate["raw_pass_rate"] == pytest.approx(0.92) and rate["low"] < truth < rate["high"]
    assert sum(rate["labels"].values()) == labelled and rate["withheld"] is None
    [judge] = document["calibration"]["judges"]
    assert judge["kappa"] == pytest.approx(kappa) and judge["calibrated_at"] is not None
    assert document["calibration"]["warnings"] == [judge["warning"]] and "< 0.99" in judge["warning"]
    assert document["calibration"] == run_decision_free_summary(store, 0.99)  # the one computation

    shown = runner.invoke(app, ["report", "run-1", "--db", str(db)]).output
    low, high = f"{rate['low']:.0%}", f"{rate['high']:.0%}"
    line = f"tone: judge's raw 92% · corrected {rate['corrected']:.0%} [{low}–{high}] from {labelled} labels"
    assert line in shown
    assert ("judge calibration:" in shown) == (kappa < DEFAULT_MIN_KAPPA)  # the default threshold: the suite's
    strict = runner.invoke(app, ["report", "run-1", "--db", str(db), "--min-kappa", "0.99"]).output
    assert f"judge calibration: {judge['warning']}" in " ".join(strict.split())


def run_decision_free_summary(store: Store, min_kappa: float) -> dict:
    return calibration_summary(store, "run-1", min_kappa).model_dump(mode="json")


def test_the_reports_default_threshold_is_the_suites():
    assert CalibrationConfig().min_kappa == DEFAULT_MIN_KAPPA


def test_the_plugin_and_gate_junit_show_corrected_rates_and_warnings(pytester, example_suite, monkeypatch):
    """Two plugin runs of the demo suite into one SQLite file; between them, a calibration of each judge version
    the first run used is stored (κ 0.3, enough labels for a correction), so the second run's report sections,
    terminal summary and `sparring gate --junit` carry its corrected rates and κ warnings."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    db = pytester.path / "runs.db"
    with StubServer() as server:
        args = [*QUIET, "--sparring", str(example_suite.root), "--sparring-model", "openai:stub", "-rA"]
        args += ["--sparring-base-url", server.base_url, "--sparring-scenarios", "3", "--sparring-db", str(db)]
        first = pytester.runpytest(*args)
        first.stdout.fnmatch_lines(["sparring judge calibration: no calibration against human labels for *"])
        store = Store.open(str(db))
        [run] = store.list_runs(5)
        versions = store.judge_versions(run.id)
        assert versions, "premise: the demo suite has LLM judges"
        confusion = {"true_pass": 30, "missed_fail": 2, "false_flag": 3, "true_fail": 12}
        for evaluation_id, prompt_hash, judge_model in versions:
            calibration = {"metrics": {"kappa": {"value": 0.3}}, "confusion": confusion}
            store.save_calibration(evaluation_id, prompt_hash, judge_model, calibration)
        second = pytester.runpytest(*args, "--junitxml", "plugin.xml")
    run = store.list_runs(5)[0]
    decision = run_decision(example_suite, run, store)
    evaluation_id = versions[0][0]
    corrected, warnings = decision.calibration.for_evaluation(evaluation_id)
    assert corrected is not None and corrected.corrected is not None and warnings
    assert "κ 0.30 < 0.6" in warnings[0]
    shown = re.escape(corrected.text())
    second.stdout.re_match_lines(
        [
            r"-+ Captured sparring judge calibration call -+",
            rf"judge-error-corrected pass rate \(95% interval\): {shown}",
            rf"{evaluation_id} +judge-error-corrected: {shown}",
            r"sparring judge calibration: .*κ 0\.30 < 0\.6 against human labels",
        ]
    )
    plugin = ET.parse(pytester.path / "plugin.xml").getroot()
    item = next(c for c in plugin.iter("testcase") if c.get("name") == f"eval[{evaluation_id}]")
    assert {p.get("name"): p.get("value") for p in item.iter("property")}["corrected_pass_rate"] == corrected.text()

    junit = pytester.path / "gate.xml"
    result = runner.invoke(app, ["gate", str(example_suite.root), run.id, "--junit", str(junit), "--db", str(db)])
    assert result.exit_code in (0, 1, 3), result.output
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == evaluation_id)
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert float(properties["corrected_pass_rate"]) == pytest.approx(corrected.corrected, abs=1e-4)
    assert float(properties["corrected_low"]) <= float(properties["corrected_pass_rate"]) <= 1
    assert properties["corrected_labels"] == "47" and float(properties["raw_pass_rate"]) >= 0
    out = case.findtext("system-out") or ""
    assert corrected.text() in out and f"judge calibration: {warnings[0]}" in out
