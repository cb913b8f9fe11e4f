"""The reports layer is the one source of figures: `sparring report --json` / `runs --json` and the viewer's
pages render the same run from it, so they agree number for number (unstable and suspect included)."""

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from sparring import Outcome, Store, Verdict
from sparring.analysis.run_reports import list_runs, run_report
from sparring.cli import app
from sparring.data_model import JudgeSample
from sparring.viewer import create_app
from viewer_server import one_judged_conversation

P, F, E, N = Outcome.PASS, Outcome.FAIL, Outcome.ERROR, Outcome.NOT_APPLICABLE
runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "reports.db"
    store = Store.open(str(path))
    one_judged_conversation(
        store,
        {
            "crashy": [P] * 5 + [F] * 2 + [E] * 3 + [N],
            "tone": [P] * 9 + [F] * 2,
            "sim_on_topic": [P] * 9 + [F] * 2,  # conversations 9 and 10 are suspect
        },
        simulator_ids=("sim_on_topic",),
    )
    samples = [JudgeSample(outcome=o) for o in (P, F, P)]
    unstable = Verdict(evaluation_id="tone", conversation_id="r1:s11:0", outcome=P, samples=samples, unstable=True)
    store.save_conversation(
        store.conversation("r1:s0:0").model_copy(update={"id": "r1:s11:0", "scenario_id": "s11"}), [unstable]
    )
    store.close()
    return path


def cells(html: str, evaluation_id: str) -> list[str]:
    """The text of each cell in the viewer's table row of one evaluation."""
    row = re.search(rf"<tr><td>(?:<a [^>]*>)?{evaluation_id}(?:</a>)?</td>(.*?)</tr>", html, re.S)
    assert row, f"no row for {evaluation_id}"
    return [
        " ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def test_cli_json_and_viewer_page_show_the_same_figures(db):
    printed = runner.invoke(app, ["report", "baseline", "--db", str(db), "--json"])
    assert printed.exit_code == 0, printed.output
    report = json.loads(printed.stdout)
    html = TestClient(create_app(Store.open(str(db))), base_url="http://127.0.0.1").get("/runs/r1").text
    for s in report["evaluations"] + report["simulator_evaluations"]:
        shown = cells(html, s["evaluation_id"])
        counts = [s["passed"], s["failed"], s["errors"], s["not_applicable"], s["applicable"]]
        assert [int(c) for c in shown[:5]] == counts
        errored = f" · {s['errors']} errored" if s["errors"] else ""
        assert shown[5] == f"{s['pass_rate']:.0%} ({s['passed']}/{s['applicable']}){errored}"
    tone = cells(html, "tone")
    assert report["evaluations"][1]["unstable"] == 1 and tone[6] == "1", "the viewer shows unstable verdicts too"
    assert report["evaluations"][1]["suspect_failed"] == 2 and tone[7] == "2", "tone failed on both suspect ones"
    assert tone[8].startswith(f"{report['evaluations'][1]['trusted_pass_rate']:.0%} (10/10)")
    totals = report["totals"]["chatbot"]
    assert f"chatbot pass rate {totals['pass_rate']:.0%} ({totals['passed']}/{totals['applicable']})" in " ".join(
        re.sub(r"<[^>]+>", " ", html).split()
    )


def test_runs_json_and_viewer_runs_list_agree(db):
    printed = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    listed = json.loads(printed.stdout)
    chatbot = listed["runs"][0]["totals"]["chatbot"]
    assert (chatbot["passed"], chatbot["failed"], chatbot["errors"]) == (15, 4, 3)  # crashy + tone, never sim
    html = TestClient(create_app(Store.open(str(db))), base_url="http://127.0.0.1").get("/").text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert f"{chatbot['pass_rate']:.0%} ({chatbot['passed']}/{chatbot['applicable']}) · 3 errored" in text


def test_the_library_report_counts_unstable_and_suspect_verdicts(db):
    store = Store.open(str(db))
    report = run_report(store, store.get_run("r1"))
    by_id = {s.evaluation_id: s for s in report.evaluations}
    assert by_id["tone"].unstable == 1 and by_id["tone"].passed == 10
    assert (by_id["tone"].suspect_passed, by_id["tone"].suspect_failed) == (0, 2)  # conversations 9, 10 failed sim
    assert [s.evaluation_id for s in report.simulator_evaluations] == ["sim_on_topic"]
    assert report.flagged_conversations == 6  # crashy fails or errs on s5..s9, tone and the simulator on s9, s10
    assert list_runs(store, suite="demo").total == 1 and list_runs(store, suite="other").total == 0


def test_cli_report_json_and_viewer_page_lead_with_the_same_not_informative_line(tmp_path):
    path = tmp_path / "uninformative.db"
    store = Store.open(str(path))
    one_judged_conversation(store, {"tone": [N, N, P], "sim_on_topic": [F, F, P]}, simulator_ids=("sim_on_topic",))
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE verdicts SET judge_model = 'scripted:judge' WHERE evaluation_id = 'tone'")
    printed = runner.invoke(app, ["report", "baseline", "--db", str(path), "--json"])
    reasons = json.loads(printed.stdout)["uninformative"]
    assert reasons == ["judge tone answered n/a on 2 of 3 conversations"]
    line = f"The figures below are not informative: {reasons[0]}."
    html = TestClient(create_app(Store.open(str(path))), base_url="http://127.0.0.1").get("/runs/r1").text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert line in text and text.index(line) < text.index("Pass rate per evaluation")
    shown = runner.invoke(app, ["report", "baseline", "--db", str(path)])
    assert line in " ".join(shown.output.split())
    exported = runner.invoke(app, ["export-html", "baseline", "--out", str(tmp_path / "site"), "--db", str(path)])
    assert exported.exit_code == 0, exported.output
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert line in " ".join(re.sub(r"<[^>]+>", " ", page).split())
