"""What a hostile user (or a model) can put in a suite or an answer, found at load or made storable (issue 28):
names and ids no database can store are one line at load; a SQLite backend's relative time out of range is one
line at load; a crashing `kind: python` backend factory is one line naming its file; NUL or a lone surrogate in a
model's reasoning is replaced, never a failed commit (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from backend.test_backend_sqlite import SCENARIOS, write_suite
from sparring import Conversation, EndReason, Outcome, ScriptedModel, Store, Verdict
from sparring.cli import app
from sparring.data_model import JudgeSample
from sparring.data_model.run import TokenUsage
from sparring.data_model.text import REPLACEMENT
from sparring.evaluations import EvaluationSpec, Judge, render_transcript
from sparring.models import MeteredModel
from sparring.store import NotFound, UnstorableText
from store.test_store_parity import run_named

runner = CliRunner()
JUDGED = EvaluationSpec(id="no_invented_policy", kind="judge", description="d", criterion="No invented policy.")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def dry_run(suite: Path, tmp_path: Path) -> tuple[int, list[str]]:
    db = tmp_path / "runs.db"
    result = runner.invoke(app, ["run", str(suite), "--dry-run", "--db", str(db)])
    assert not db.exists()  # nothing written
    return result.exit_code, result.output.strip().splitlines()


NUL_TOLD = "contains a NUL character (U+0000), which no store can hold"


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "told"),
    [
        ("suite.yaml", "name: food-delivery", 'name: "food\\0delivery"', "name", NUL_TOLD),
        ("scenarios/late.yaml", "- id: late-70min-full-refund", '- id: "late\\0refund"', "scenarios[0].id", NUL_TOLD),
        # an evaluation id was already held to [a-z0-9_-] (kept here: the three names a run stores)
        ("evaluations/quickbite.yaml", "- id: late_refund_explained", '- id: "late\\0explained"', "[0].id", "pattern"),
    ],
)
def test_a_name_or_id_holding_nul_is_one_line_at_load_naming_file_line_and_field(
    suite_copy, tmp_path, file, old, new, field, told
):
    path = suite_copy / file
    edit(path, old, new)
    if file.startswith("evaluations"):  # enabled by its new id, so only the id's own refusal can stop the load
        edit(suite_copy / "suite.yaml", "- use: late_refund_explained", '- use: "late\\0explained"')

    code, lines = dry_run(suite_copy, tmp_path)

    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: {path}:{line_of(path, new)}: {field}: "), lines
    assert told in lines[0]


SQLITE_SCENARIO = {**SCENARIOS[0], "backend_overrides": {"refunds": {"1": {"issued_at": "now-99999999999w"}}}}


def test_a_sqlite_override_with_a_relative_time_out_of_range_is_one_line_at_load(tmp_path):
    suite = write_suite(tmp_path / "suite", scenarios=[SQLITE_SCENARIO])

    code, lines = dry_run(suite, tmp_path)

    line = line_of(suite / "scenarios.yaml", "issued_at")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == (
        f"error: {suite / 'scenarios.yaml'}:{line}: scenarios[0].backend_overrides.refunds.1.issued_at: "
        "relative time 'now-99999999999w' falls outside the years 1 to 9999"
    )


FACTORY = """
from sparring.backend import SnapshotBackendFactory, Snapshot


class Broken:
    def __call__(self, scenario, clock):
        raise AssertionError("not reached at load")

    def initial_view(self, scenario, clock):
        {view}
        return {{}}

    def specs(self):
        {specs}
        return []


factory = Broken()
"""


@pytest.mark.parametrize(
    ("view", "specs", "told"),
    [
        ("raise KeyError('orders')", "pass", "initial_view(scenario 's1') raised KeyError: 'orders'"),
        ("pass", "1 / 0", "specs() raised ZeroDivisionError: division by zero"),
    ],
)
def test_a_python_backend_factory_that_crashes_at_load_is_one_line_naming_its_file(tmp_path, view, specs, told):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "backend.py").write_text(FACTORY.format(view=view, specs=specs))
    (suite / "policy.md").write_text("Be kind.\n")
    config = {
        "name": "own-backend",
        "policy": "policy.md",
        "backend": {"kind": "python", "factory": "backend.py:factory"},
        "scenarios": "scenarios.yaml",
        "evaluations": [{"use": "valid_tool_calls"}],
    }
    (suite / "suite.yaml").write_text(yaml.safe_dump(config))
    scenario = {"id": "s1", "situation": "Order late.", "desired_outcome": "A refund."}
    (suite / "scenarios.yaml").write_text(yaml.safe_dump([scenario]))

    code, lines = dry_run(suite, tmp_path)

    assert code == 2 and lines == [f"error: {suite / 'backend.py'}: backend factory factory: {told}"]


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_a_judge_reasoning_with_an_unstorable_character_is_stored_replaced(store_url, bad):
    store = Store.open(store_url)
    run = run_named("fine")
    store.save_run(run)
    conversation = Conversation(id="r1:s:0", run_id=run.id, scenario_id="s", end_reason=EndReason.RESOLVED)
    sample = JudgeSample(outcome=Outcome.FAIL, reasoning=f"x{bad}y")
    verdict = Verdict(
        evaluation_id="e",
        conversation_id=conversation.id,
        outcome=Outcome.FAIL,
        reasoning=f"the agent wrote {bad} here",
        judge_model="openai:m",
        samples=[sample, sample],
    )

    store.save_conversation(conversation, [verdict])

    stored = store.verdicts(run.id)[0]
    assert stored.reasoning == f"the agent wrote {REPLACEMENT} here"
    assert [s.reasoning for s in stored.samples] == [f"x{REPLACEMENT}y"] * 2


def test_a_lone_surrogate_in_a_name_is_refused_alike_and_never_found(store_url):
    store = Store.open(store_url)
    with pytest.raises(UnstorableText, match=r"runs\.label .*: contains a lone surrogate \(U\+D800\)"):
        store.save_run(run_named("chat\ud800one"))
    assert store.count_runs() == 0
    with pytest.raises(NotFound):
        store.get_run("\udcff")  # what a shell argument of invalid UTF-8 becomes
    with pytest.raises(NotFound):
        store.conversation("r1:\udcff:0")
    assert store.labelled_run("\udcff", "food-delivery") is None


async def test_a_judge_answer_whose_reasoning_holds_a_nul_escape_is_committed(store_url):
    # the model's own text holds no NUL: JSON's escape puts one in the reasoning only once the answer is parsed
    model = ScriptedModel(['{"reasoning": "the bot said \\u0000 then \\ud800", "verdict": "fail"}'])
    store = Store.open(store_url)
    run = run_named("fine")
    store.save_run(run)
    conversation = Conversation(id="r1:s:0", run_id=run.id, scenario_id="s", end_reason=EndReason.RESOLVED)
    judge = Judge(JUDGED, "policy", retries=0)

    verdict = await judge.judge(conversation, render_transcript(conversation), MeteredModel(model, TokenUsage()))
    store.save_conversation(conversation, [verdict])

    assert store.verdicts(run.id)[0].reasoning == f"the bot said {REPLACEMENT} then {REPLACEMENT}"


@pytest.mark.parametrize("content", ["3.5\n", "true\n", "just text\n"])
def test_an_evaluations_file_that_is_no_judge_nor_list_is_one_line(suite_copy, tmp_path, content):
    path = suite_copy / "evaluations" / "quickbite.yaml"
    path.write_text(content)

    code, lines = dry_run(suite_copy, tmp_path)

    assert code == 2 and lines == [f"error: {path}:1: expected a judge (a mapping) or a list of judges"]


@pytest.mark.parametrize(
    ("value", "told"),
    [({"a": 1}, "{'a': 1}"), ([1, 2], "[1, 2]"), (2**70, "1180591620717411303424")],
)
def test_a_sqlite_override_value_no_column_holds_is_one_line_at_load(tmp_path, value, told):
    scenario = {**SCENARIOS[0], "backend_overrides": {"orders": {"O-1": {"total": value}}}}
    suite = write_suite(tmp_path / "suite", scenarios=[scenario])

    code, lines = dry_run(suite, tmp_path)

    # it used to load, and every tool call of the scenario's conversations then failed to bind it
    line = line_of(suite / "scenarios.yaml", "total:")
    assert code == 2 and len(lines) == 1, lines
    assert lines[0] == (
        f"error: {suite / 'scenarios.yaml'}:{line}: scenarios[0].backend_overrides.orders.O-1.total: "
        f"must be text, a number or null (what a SQLite column holds), not {told}"
    )


@pytest.mark.parametrize("file", ["suite.yaml", "scenarios/late.yaml", "evaluations/quickbite.yaml", "policy.md"])
def test_invalid_utf8_in_a_suite_file_is_one_line_naming_its_line(suite_copy, tmp_path, file):
    path = suite_copy / file
    lines_before = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines_before[:3], b"caf\xff\xfe " + lines_before[3], *lines_before[4:]]))

    code, lines = dry_run(suite_copy, tmp_path)

    # it was a UnicodeDecodeError traceback (found by the 200-mutation run, m076)
    assert code == 2 and lines == [f"error: {path}:4: not UTF-8 text (invalid start byte)"]
