"""Stored calibrations (Store.calibrations() returns Calibration models) as the viewer's calibration page and
`sparring calibrate --history` show them: a real uvicorn server over a real SQLite file, and the real CLI."""

import urllib.request

from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app
from sparring.viewer import create_app
from viewer_server import serve

REPORT = {
    "split": "test",
    "n": 23,
    "metrics": {"agreement": {"value": 0.83, "low": 0.7, "high": 0.95}, "kappa": {"value": 0.41}},
    "confusion": {"true_fail": 2, "missed_fail": 3, "false_flag": 1, "true_pass": 17},
}


def stored(tmp_path) -> tuple[Store, str]:
    db = str(tmp_path / "sparring.db")
    store = Store.open(db)
    store.save_calibration("professional_tone", "abc123", "openai:judge", REPORT)
    store.save_calibration("professional_tone", "def456", "openai:judge", {"n": 4})  # few fields, like older reports
    return store, db


def test_the_viewer_lists_stored_calibrations_newest_first(tmp_path):
    store, _ = stored(tmp_path)
    with serve(create_app(store)) as base, urllib.request.urlopen(f"{base}/calibration") as response:
        page = response.read().decode()
    assert page.index("def456") < page.index("abc123"), "newest first"
    row = page[page.index("abc123") :].split("</tr>")[0]
    assert "openai:judge" in row and ">23<" in row and "0.83 [0.70, 0.95]" in row and "0.41" in row
    assert '<td class="num">3</td><td class="num">1</td>' in row, "misses and false flags"


def test_calibrate_history_prints_every_stored_version(example_suite, tmp_path):
    _, db = stored(tmp_path)
    args = ["calibrate", "--suite", str(example_suite.root), "--eval", "professional_tone", "--history", "--db", db]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, args)
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if "abc123" in line)
    assert "openai:judge" in first and "23" in first and "0.83" in first and "0.41" in first
    assert any("def456" in line and "—" in line for line in result.output.splitlines())
