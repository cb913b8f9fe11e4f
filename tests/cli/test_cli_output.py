"""The command line renders what the library computes, in every terminal and for every script: a fast
`--help` that lists every command, tables never cut at 80 columns or when piped, NO_COLOR honoured, `show`
by run label and scenario, `runs` filters."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from sparring import Outcome, Store
from sparring.cli import app
from sparring.cli.app import COMMANDS, load_command
from sparring.evaluations.library import builtin_evaluations
from viewer_server import one_judged_conversation

runner = CliRunner()
HEAVY = ("scipy", "sklearn", "matplotlib", "sqlalchemy", "sparring.runner", "sparring.store", "fastapi")


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "out.db"
    store = Store.open(str(path))
    one_judged_conversation(store, {"a_rather_long_evaluation_identifier_name": [Outcome.PASS, Outcome.FAIL]})
    store.close()
    return path


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`sparring ARGS` in a fresh process with stdout piped (not a terminal)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env
    command = [sys.executable, "-m", "sparring.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_lists_each_command_with_its_own_help_line(name):
    """The help line `--help` shows without importing the command is the command's docstring."""
    real = load_command(name)
    assert " ".join((real.help or "").split("\n\n")[0].split()) == COMMANDS[name][2]


def test_help_lists_every_command_without_importing_heavy_modules():
    code = "import sys; from sparring.cli import app\ntry: app(['--help'])\nexcept SystemExit: pass\n"
    code += f"print([m for m in {HEAVY!r} if m in sys.modules])"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"}
    )
    assert shown.stdout.strip().splitlines()[-1] == "[]", shown.stdout[-300:]
    for name in COMMANDS:
        assert f"│ {name} " in shown.stdout, name


def test_piped_tables_at_80_columns_cut_no_name_or_number(db):
    listed = cli("evals", "list", COLUMNS="80")
    assert listed.returncode == 0 and "…" not in listed.stdout
    lines = listed.stdout.splitlines()
    for evaluation_id, spec in builtin_evaluations().items():
        assert any(evaluation_id in line and spec.description in line for line in lines), evaluation_id
    report = cli("report", "baseline", "--db", str(db), COLUMNS="80")
    assert "…" not in report.stdout and "a_rather_long_evaluation_identifier_name" in report.stdout
    assert "pass rate" in report.stdout and "50% (1/2) · 0 errored" in report.stdout


def test_no_color_is_honoured(db):
    coloured = cli("runs", "--db", str(db), FORCE_COLOR="1")
    assert "\x1b[" in coloured.stdout, "FORCE_COLOR alone colours the output (the check below can fail)"
    plain = cli("runs", "--db", str(db), FORCE_COLOR="1", NO_COLOR="1")
    assert plain.returncode == 0 and "\x1b[" not in plain.stdout and "baseline" in plain.stdout


def test_show_takes_a_run_label_and_a_scenario(db):
    by_label = runner.invoke(app, ["show", "baseline", "s1", "--db", str(db)])
    assert by_label.exit_code == 0 and "a_rather_long_evaluation_identifier_name: fail" in by_label.stdout
    for args in (["r1:s1:0"], ["baseline:s1:0"], ["baseline:s1"], ["r1", "s1", "--trial", "0"]):
        assert runner.invoke(app, ["show", *args, "--db", str(db)]).stdout == by_label.stdout, args


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchrun", "s1"], "error: no run with id or label 'nosuchrun'"),
        (["baseline", "s9"], "error: no conversation 'r1:s9:0'"),
        (["baseline", "s1", "--trial", "3"], "error: no conversation 'r1:s1:3'"),
        (["baseline"], "error: 'baseline': name a conversation as RUN SCENARIO [--trial N] or RUN:SCENARIO:TRIAL"),
        (["baseline:s1:x"], "error: 'baseline:s1:x': the trial after the last ':' must be a number, not 'x'"),
    ],
)
def test_show_refuses_a_conversation_that_is_not_there_in_one_line(db, args, message):
    shown = runner.invoke(app, ["show", *args, "--db", str(db)])
    assert shown.exit_code == 2 and shown.output.startswith(message) and shown.output.count("\n") == 1, shown.output


def test_runs_filters_by_suite_and_label(db):
    store = Store.open(str(db))
    other = store.get_run("r1").model_copy(update={"id": "r2", "label": "candidate", "suite": "other"})
    store.save_run(other)
    store.close()
    assert "r2" in runner.invoke(app, ["runs", "--db", str(db), "--suite", "other"]).stdout
    for args, shown, hidden in ((["--suite", "demo"], "r1", "r2"), (["--label", "candidate"], "r2", "r1")):
        listed = runner.invoke(app, ["runs", "--db", str(db), *args]).stdout
        assert f" {shown} " in listed and f" {hidden} " not in listed and "(1 of 1)" in listed
