"""Fuzzed suites (issue 28, item 3): the demo suite's suite.yaml, scenario files, judge YAML and snapshot broken
at random load or fail with a SuiteError (one line per problem, each naming its file), never another exception;
YAML alias bombs, self-holding aliases, deep nesting, a record that is not a mapping and an out-of-range relative
time are refused at load with file and line, so `run --dry-run` refuses them too."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from fuzz_inputs import FUZZ
from sparring import SuiteError, load_suite
from sparring.cli import app

EXAMPLE = Path(__file__).parents[1].parent / "examples" / "food-delivery"
FILES = ["suite.yaml", "scenarios/late.yaml", "scenarios/high_value_and_fraud.yaml", "evaluations/quickbite.yaml"]
TOKENS = [
    "0",
    "-1",
    "9" * 30,
    "~",
    "[]",
    "{}",
    "&a",
    "*a",
    "&a [*a]",
    "now-99999999999w",
    "[",
    "{",
    ":",
    "- ",
    "\t",
    "'",
    "? ",
    "<<: *a",
    "*undefined",
    "---",
    "\x00",
    "{a: 1, a: 2}",
    "[[[[]]]]",
    "!!binary x",
    "é",
]


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with one to three lines deleted, repeated, re-indented, cut, or given a YAML token."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        line, token = lines[index], draw(st.sampled_from(TOKENS) | st.text(max_size=6))
        position = draw(st.integers(0, len(line)))
        lines[index : index + 1] = {
            "delete": [],
            "repeat": [line, line],
            "indent": [" " * draw(st.integers(0, 6)) + line.lstrip()],
            "cut": [line[:position]],
            "insert": [line[:position] + token + line[position:]],
            "value": [line.partition(":")[0] + ": " + token],
        }[draw(st.sampled_from(["delete", "repeat", "indent", "cut", "insert", "value"]))]
        lines = lines or [""]
    return "\n".join(lines)


@FUZZ
@given(data=st.data())
def test_a_mutated_demo_suite_loads_or_is_one_line_per_problem(data):
    relative = data.draw(st.sampled_from(FILES), label="file")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "suite"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "transcripts"))
        target = root / relative
        target.write_text(data.draw(mutated(target.read_text()), label="text"))
        try:
            load_suite(root)
        except SuiteError as exc:
            assert all(line.startswith(str(root)) for line in exc.problems), exc.problems


def _suite(tmp_path: Path) -> Path:
    root = tmp_path / "suite"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "transcripts"))
    return root


def _refused(root: Path, message: str) -> SuiteError:
    with pytest.raises(SuiteError, match=message) as caught:
        load_suite(root)
    return caught.value


def test_an_alias_bomb_is_refused_quickly_not_expanded(tmp_path):
    """Before: MemoryError after 28 s in yaml_lines.py (9⁹ = 387 million values)."""
    root = _suite(tmp_path)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (root / "suite.yaml").write_text(bomb + (root / "suite.yaml").read_text())
    error = _refused(root, "more than 1,000,000 values once its aliases are expanded")
    assert error.file == str(root / "suite.yaml") and error.line is not None


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    """Before: RecursionError walking the lines of a value that holds itself."""
    root = _suite(tmp_path)
    text = (root / "suite.yaml").read_text().replace("description:", "x: &a [*a]\ndescription:", 1)
    (root / "suite.yaml").write_text(text)
    assert _refused(root, "an alias inside its own anchor").line == 3


def _add_override(root: Path, record: str) -> Path:
    file = root / "scenarios" / "late.yaml"
    text = file.read_text().replace(
        "    backend_overrides:\n", f"    backend_overrides:\n      extra:\n        X-1: {record}\n", 1
    )
    file.write_text(text)
    return file


def test_nine_hundred_levels_in_backend_overrides_are_refused(tmp_path):
    """Before: RecursionError."""
    root = _suite(tmp_path)
    file = _add_override(root, "{a: " * 900 + "1" + "}" * 900)
    error = _refused(root, "nested deeper than 100 levels")
    assert error.file == str(file)


def test_a_record_replaced_by_a_number_is_refused_at_load_and_by_dry_run(tmp_path):
    """Before: accepted by --dry-run, then every conversation of the scenario ended in backend_error."""
    root = _suite(tmp_path)
    file = root / "scenarios" / "late.yaml"
    file.write_text(file.read_text().replace("      deliveries:\n", "      deliveries:\n        D-1: 5\n", 1))
    error = _refused(root, r"backend_overrides\.deliveries\.D-1: must be a record \(a mapping of fields\), or null")
    assert error.file == str(file) and error.line is not None
    result = CliRunner().invoke(app, ["run", str(root), "--dry-run"])
    assert result.exit_code == 2 and "D-1: must be a record" in result.output and "Traceback" not in result.output


def test_a_relative_time_out_of_range_is_refused_at_load(tmp_path):
    """Before: OverflowError traceback from run --dry-run."""
    root = _suite(tmp_path)
    file = root / "scenarios" / "late.yaml"
    file.write_text(file.read_text().replace("placed_at: now-", "placed_at: now-99999999999w-", 1))
    _refused(root, "relative time 'now-99999999999w-.*' falls outside the years 1 to 9999")


@pytest.mark.parametrize(
    ("snapshot", "message"),
    [
        ('{"orders": {"O-1": 5}}', "orders.O-1: must be a record"),
        ('{"orders": {"O-1": {"at": "now-99999999999w"}}}', "falls outside the years 1 to 9999"),
        ('{"orders": {"O-1": ' + "[" * 5000 + "]" * 5000 + "}}", "nested deeper than 100 levels"),
    ],
)
def test_a_bad_snapshot_record_is_refused_at_load(tmp_path, snapshot, message):
    root = _suite(tmp_path)
    (root / "snapshot.json").write_text(snapshot)
    assert _refused(root, message).file == str(root / "snapshot.json")


@FUZZ
@given(data=st.data())
def test_a_mutated_opening_with_tool_calls_loads_or_is_one_line_per_problem(data):
    """The opening's given tool calls (issue 29's history) are made on a fresh backend at load: whatever the mutation
    (a tool name, an argument, a result, a role broken), the suite loads or each problem is a line naming the file."""
    from suite.test_opening_history import HISTORY, with_history

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "suite"
        shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "transcripts"))
        file = with_history(root, data.draw(mutated(HISTORY), label="text"))
        try:
            load_suite(root)
        except SuiteError as exc:
            assert all(line.startswith(str(file)) for line in exc.problems), exc.problems
