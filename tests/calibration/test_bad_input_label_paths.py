"""`labels export` and `calibrate --json` refuse an output path under a file before anything runs."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sparring.cli import app


def test_labels_export_under_a_file_is_one_line_and_leaves_the_file_untouched(tmp_path: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("keep me\n")
    result = CliRunner().invoke(app, ["labels", "export", str(blocker / "labels.csv"), "--db", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "labels export" in result.output and "is a file, not a folder" in result.output
    assert "Traceback" not in result.output
    assert blocker.read_text() == "keep me\n"
    assert not (tmp_path / "s.db").exists()  # refused before the store is opened


def test_calibrate_json_under_a_file_is_refused_before_any_judge_call(tmp_path: Path, suite_copy: Path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = CliRunner().invoke(
        app,
        [
            "calibrate",
            "--suite",
            str(suite_copy),
            "--eval",
            "no_invented_policy",
            "--json",
            str(blocker / "report.json"),
            "--db",
            str(tmp_path / "s.db"),
        ],
    )
    assert result.exit_code == 2
    assert "--json" in result.output and "is a file, not a folder" in result.output
    assert not (tmp_path / "s.db").exists()
