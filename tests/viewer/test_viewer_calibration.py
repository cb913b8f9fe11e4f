"""One figure everywhere (issue 27, item 10) in the viewer's run page and `sparring export-html`: the
judge-error-corrected pass rate beside each evaluation's raw judge rate (or why it is withheld), the calibration
warnings as a notice, and pass^k with its 95% interval — the figures `sparring report --json` gives. Real path: a
real SQLite file, labels imported with `sparring labels import`, calibrations stored, the real ASGI app and the
real `export-html` command."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from analysis.test_corrected import SPEC, judge_reply, population
from sparring import Store
from sparring.calibration import calibrate, sample_for_labelling
from sparring.cli import app
from sparring.data_model import Conversation, CustomerTurn, ModelSettings, Outcome, Run, TokenUsage, Verdict
from sparring.evaluations import Judge
from sparring.models import MeteredModel, ScriptedModel
from sparring.suite import load_suite
from sparring.viewer import create_app
from viewer.test_viewer_pages_browser import CHROMIUM, shoot
from viewer_server import serve

runner = CliRunner(env={"COLUMNS": "250"})
LABELS = 80
OTHER, OTHER_PROMPT, JUDGE = "other", "other-prompt-hash", "scripted:test"
# a calibration of `other`'s judge version with too few labels for a correction, and κ below the default 0.6
FEW_LABELS = {"metrics": {"kappa": {"value": 0.3}}, "confusion": {"true_pass": 4, "missed_fail": 1, "false_flag": 1}}


def text(page: str) -> str:
    """The page's text, tags removed, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def other_outcome(scenario: int, trial: int) -> str:
    """`other` fails every trial of one scenario in ten and the second trial of one in ten more (flaky)."""
    return "fail" if scenario % 10 == 0 or (scenario % 10 == 1 and trial == 1) else "pass"


def store_run(db) -> tuple[Store, list[Verdict]]:
    """Run 'run-1': 200 scenarios × 2 trials judged by `tone` (92% pass where humans pass 90%) and by `other`."""
    _human, judge = population()
    store = Store.open(str(db))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    settings = ModelSettings(simulator=JUDGE, agent=JUDGE, judge=JUDGE)
    store.save_run(Run(id="run-1", label="v1", suite="s", settings=settings, clock=now, started_at=now, trials=2))
    prompt_hash = Judge(SPEC, "the policy").prompt_hash
    tone = []
    for cid, verdict in judge.items():
        _run, scenario, trial = cid.split(":")
        turns = [CustomerTurn(content=f"JUDGED-{verdict} conversation {cid}")]
        conversation = Conversation(id=cid, run_id="run-1", scenario_id=scenario, trial=int(trial), turns=turns)
        judged = Verdict(
            evaluation_id=SPEC.id,
            conversation_id=cid,
            outcome=Outcome(verdict),
            prompt_hash=prompt_hash,
            judge_model=JUDGE,
        )
        other = Verdict(
            evaluation_id=OTHER,
            conversation_id=cid,
            outcome=Outcome(other_outcome(int(scenario[1:]), int(trial))),
            prompt_hash=OTHER_PROMPT,
            judge_model=JUDGE,
        )
        store.save_conversation(conversation, [judged, other])
        tone.append(judged)
    return store, tone


@pytest.fixture
async def calibrated(tmp_path):
    """The run, 80 human labels of `tone` imported with `sparring labels import` and calibrated as `sparring
    calibrate` stores it; `other` calibrated on too few labels. Returns (db, store, `report --json`)."""
    db = tmp_path / "runs.db"
    store, verdicts = store_run(db)
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
    report = await calibrate(SPEC, "the policy", store, MeteredModel(ScriptedModel(judge_reply), TokenUsage()))
    store.save_calibration(SPEC.id, report.prompt_hash, report.judge_model, report.model_dump(mode="json"))
    store.save_calibration(OTHER, OTHER_PROMPT, JUDGE, FEW_LABELS)
    result = runner.invoke(app, ["report", "run-1", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return db, store, json.loads(result.stdout)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def evaluation_rows(document: dict) -> list[str]:
    """Each evaluation's row of the pass-rate table as `report --json` gives it: counts, the judge's raw rate,
    then its judge-error-corrected rate with its interval and label count, or why it is withheld."""
    rows = []
    for s in document["evaluations"]:
        [c] = [c for c in document["calibration"]["corrected"] if c["evaluation_id"] == s["evaluation_id"]]
        counts = f"{s['passed']} {s['failed']} {s['errors']} {s['not_applicable']} {s['applicable']}"
        raw = f"{pct(s['pass_rate'])} ({s['passed']}/{s['applicable']})"
        if c["corrected"] is None:
            corrected = f"corrected: withheld — {c['withheld']}"
        else:
            interval = f"[{pct(c['low'])}–{pct(c['high'])}]"
            corrected = f"corrected {pct(c['corrected'])} {interval} from {sum(c['labels'].values())} labels"
        rows.append(f"{s['evaluation_id']} {counts} {raw} {corrected}")
    return rows


def trial_rows(document: dict) -> list[str]:
    """Each evaluation's row of the repeated-trials table: pass^k with its 95% interval for every k."""
    rows = []
    for t in document["trials"]:
        hat = " ".join(f"{pct(p['estimate'])} [{pct(p['low'])}, {pct(p['high'])}]" for p in t["pass_hat_k_intervals"])
        flaky = f"{len(t['flaky'])} flaky: {', '.join(t['flaky'])}" if t["flaky"] else "none"
        head = f"{t['evaluation_id']} {t['scenarios']} {pct(t['pass_rate'])} {t['errored_trials']}"
        rows.append(f"{head} {hat} {pct(t['pass_at_k'][-1])} {flaky}")
    return rows


def check_premises(document: dict) -> None:
    """The world holds what the pages must show: a corrected rate, a withheld one, warnings, intervals."""
    corrected = {c["evaluation_id"]: c for c in document["calibration"]["corrected"]}
    assert corrected[SPEC.id]["corrected"] is not None and corrected[SPEC.id]["low"] < corrected[SPEC.id]["high"]
    assert corrected[OTHER]["corrected"] is None and "too few labels" in corrected[OTHER]["withheld"]
    assert any("κ 0.30 < 0.6" in w for w in document["calibration"]["warnings"])
    intervals = [p for t in document["trials"] for p in t["pass_hat_k_intervals"]]
    assert len(intervals) == 4 and all(p["low"] < p["estimate"] < p["high"] for p in intervals)
    assert {t["evaluation_id"]: len(t["flaky"]) for t in document["trials"]} == {SPEC.id: 0, OTHER: 20}


def assert_shows_the_reports_figures(shown: str, document: dict) -> None:
    for row in evaluation_rows(document):
        assert row in shown
    assert f"Judge calibration (κ threshold {document['calibration']['min_kappa']}):" in shown
    for warning in document["calibration"]["warnings"]:
        assert warning in shown
    for row in trial_rows(document):
        assert row in shown


def test_the_run_page_shows_the_reports_corrected_rates_warnings_and_pass_k_intervals(calibrated):
    db, store, document = calibrated
    check_premises(document)
    page = TestClient(create_app(store), base_url="http://127.0.0.1").get("/runs/run-1")
    assert page.status_code == 200
    assert_shows_the_reports_figures(text(page.text), document)
    assert 'class="notice warning calibration"' in page.text


def test_export_html_shows_the_same_figures(calibrated, tmp_path):
    db, _store, document = calibrated
    out = tmp_path / "site"
    exported = runner.invoke(app, ["export-html", "run-1", "--out", str(out), "--db", str(db)])
    assert exported.exit_code == 0, exported.output
    assert_shows_the_reports_figures(text((out / "index.html").read_text()), document)


def test_the_viewer_warns_at_the_suites_min_kappa(calibrated, tmp_path):
    """Given the run's suite, the page's threshold is the suite's `calibration.min_kappa`, as `report --min-kappa`."""
    db, store, _document = calibrated
    root = tmp_path / "suite"
    shutil.copytree("examples/food-delivery", root)
    config = (root / "suite.yaml").read_text().replace("name: food-delivery", "name: s")
    (root / "suite.yaml").write_text(config + "calibration:\n  min_kappa: 0.99\n")
    strict = runner.invoke(app, ["report", "run-1", "--db", str(db), "--json", "--min-kappa", "0.99"])
    document = json.loads(strict.stdout)
    assert any("< 0.99" in w and w.startswith(f"{SPEC.id}:") for w in document["calibration"]["warnings"])
    client = TestClient(create_app(store, suites={"s": load_suite(root)}), base_url="http://127.0.0.1")
    assert_shows_the_reports_figures(text(client.get("/runs/run-1").text), document)


@pytest.mark.real
def test_the_corrected_rates_and_warnings_are_visible_in_a_real_browser(calibrated, tmp_path):
    """Chromium on a real uvicorn server: the corrected column, the warnings notice and the intervals are on
    screen (screenshot `run-calibration.png` in tmp_path and $SPARRING_SCREENSHOTS)."""
    _db, store, document = calibrated
    [tone] = [c for c in document["calibration"]["corrected"] if c["evaluation_id"] == SPEC.id]
    with serve(create_app(store)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        response = page.goto(base + "/runs/run-1")
        assert response is not None and response.status == 200
        expect(page.get_by_role("columnheader", name="corrected for judge error (95% interval)")).to_be_visible()
        labels = sum(tone["labels"].values())
        shown = f"corrected {pct(tone['corrected'])} [{pct(tone['low'])}–{pct(tone['high'])}] from {labels} labels"
        expect(page.get_by_role("cell", name=shown)).to_be_visible()
        notice = page.locator("div.notice.calibration")
        assert notice.is_visible() and "κ 0.30 < 0.6" in notice.inner_text()
        [interval] = [t for t in document["trials"] if t["evaluation_id"] == SPEC.id][0]["pass_hat_k_intervals"][1:]
        cell = f"{pct(interval['estimate'])} [{pct(interval['low'])}, {pct(interval['high'])}]"
        expect(page.get_by_role("cell", name=cell, exact=True).first).to_be_visible()
        shoot(page, "run-calibration", tmp_path)
        browser.close()
