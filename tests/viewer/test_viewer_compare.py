"""The viewer's compare page shows the figures the terminal shows: same p, BH q, CI and its label, detectable change,
undecided and errored counts, method line, and each changed scenario's trials (real SQLite file)."""

import re

from fastapi.testclient import TestClient

from analysis.test_statistics_power_noise import runner, store_run
from sparring import Store
from sparring.analysis import compare_outcomes, scenario_outcomes
from sparring.analysis.paired_comparison import CI_LABEL, PAIRED_METHOD
from sparring.cli.app import app
from sparring.viewer import create_app


def test_compare_page_and_terminal_show_the_same_figures(tmp_path):
    db = str(tmp_path / "runs.db")
    store = Store.open(db)
    before = {f"s{i}": ["pass"] * 3 for i in range(12)} | {"tie": ["pass", "fail"], "err": ["pass"] * 3}
    after = {f"s{i}": ["fail"] * 3 if i < 8 else ["pass"] * 3 for i in range(12)}
    store_run(store, "a", before)
    store_run(store, "b", after | {"tie": ["pass", "pass"], "err": ["pass", "error", "pass"]})
    [expected] = compare_outcomes(*(scenario_outcomes(store.scenario_outcome_rows(r)) for r in ("a", "b")), power=True)
    assert expected.verdict == "regressed" and expected.errored == ["err"] and expected.undecided == ["tie"]
    html = TestClient(create_app(store), base_url="http://127.0.0.1").get("/compare?a=a&b=b").text
    terminal = runner.invoke(app, ["compare", "a", "b", "--db", db]).output
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    ci = f"[{expected.ci_low * 100:+.0f}, {expected.ci_high * 100:+.0f}]"
    figures = (f"{expected.p_value:.3f}", f"{expected.q_value:.3f}", f"{expected.detectable_drop * 100:.0f} pts", ci)
    for figure in (*figures, CI_LABEL):
        assert figure in page and figure in terminal
    assert PAIRED_METHOD in page and "3/3 pass → 0/3 fail" in page and "3/3 pass → 0/3 fail" in terminal
    row = page[page.index(" e ") :]
    assert re.search(r"regressed \d+ pts 1 1 ", row), "undecided 1, errored 1 beside the verdict"
