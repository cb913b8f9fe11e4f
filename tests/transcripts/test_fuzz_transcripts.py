"""Fuzzed transcript files (issue 28, item 2): every importer, given a real export broken in any of the ways
fuzz_inputs.py draws, ends in exactly one of: accepted, one error line naming the file (and the line where the
format has lines), or, with --skip-bad, skips each counted with its file and line. Never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from fuzz_inputs import FUZZ, broken_bytes, deep_json, huge_json, json_lines, retyped
from sparring.cli import app
from sparring.transcripts import CsvColumns, TranscriptError, read_transcripts

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _lines(file: str) -> list[Any]:
    return [json.loads(line) for line in (FIXTURES / file).read_text().splitlines() if line.strip()]


# format: (file suffix, the sample's JSON values, whether the file holds one value per line)
SAMPLES: dict[str, tuple[str, Any, bool]] = {
    "jsonl": (".jsonl", _lines("transcripts/support_chats.jsonl"), True),
    "openai": (
        ".json",
        [c["messages"] for c in _lines("transcripts/support_chats.jsonl") if isinstance(c, dict)],
        False,
    ),
    "taskmaster4": (".json", json.loads((FIXTURES / "transcripts/taskmaster4_excerpt.json").read_text()), False),
    "abcd": (".json", json.loads((FIXTURES / "transcripts/abcd_excerpt.json").read_text()), False),
    "otel": (".jsonl", _lines("traces/otel_genai.jsonl"), True),
    "langfuse": (".json", json.loads((FIXTURES / "traces/langfuse_traces.json").read_text()), False),
    "langsmith": (".jsonl", _lines("traces/langsmith_runs.jsonl"), True),
}
READER = {"openai": "jsonl"}  # OpenAI chat logs (lists of messages) are read by the jsonl reader


def _encode(value: Any, per_line: bool) -> bytes:
    return json_lines(value if isinstance(value, list) else [value]) if per_line else json.dumps(value).encode()


def assert_one_outcome(file: Path, name: str, skip_bad: bool) -> None:
    """Accepted, one error line naming the file, or (with skip_bad) skips each naming the file: nothing else."""
    try:
        result = read_transcripts(file, READER.get(name, name), skip_bad=skip_bad)
    except TranscriptError as exc:
        assert str(exc).startswith(str(file)) and "\n" not in str(exc), str(exc)
        return
    assert result.transcripts or result.skipped
    assert all(line.startswith(f"{file}") and "\n" not in line for line in result.skipped), result.skipped


@pytest.mark.parametrize("name", sorted(SAMPLES))
@FUZZ
@given(data=st.data())
def test_a_broken_export_is_accepted_refused_in_one_line_or_skipped_and_counted(name, data):
    suffix, value, per_line = SAMPLES[name]
    raw = _encode(data.draw(retyped(value), label="retyped"), per_line)
    if data.draw(st.booleans(), label="break the bytes too"):
        raw = data.draw(broken_bytes(raw), label="bytes")
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / f"export{suffix}"
        file.write_bytes(raw)
        assert_one_outcome(file, name, data.draw(st.booleans(), label="skip_bad"))


@FUZZ
@given(data=st.data())
def test_a_broken_csv_is_accepted_refused_in_one_line_or_skipped_and_counted(data):
    raw = data.draw(broken_bytes((FIXTURES / "transcripts/support_chats.csv").read_bytes()), label="bytes")
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "chats.csv"
        file.write_bytes(raw)
        columns = CsvColumns.parse("conversation_id=conv,role=speaker,text=message,timestamp=ts")
        try:
            result = read_transcripts(file, "csv", skip_bad=data.draw(st.booleans()), csv_columns=columns)
        except TranscriptError as exc:
            assert str(exc).startswith(str(file)) and "\n" not in str(exc), str(exc)
            return
        assert all(line.startswith(str(file)) for line in result.skipped)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_ten_thousand_levels_of_nesting_are_refused_not_a_recursion_error(tmp_path, name):
    """Before: RecursionError from json.loads in every format."""
    suffix, value, per_line = SAMPLES[name]
    text = _deep_inside(value[0])
    lines = [text] + [json.dumps(v) for v in value[1:]]
    file = tmp_path / f"deep{suffix}"
    file.write_text("\n".join(lines) + "\n" if per_line else "[" + ", ".join(lines) + "]")
    with pytest.raises(TranscriptError, match="nested deeper than 100 levels"):
        read_transcripts(file, READER.get(name, name))
    if per_line:  # with --skip-bad the line is skipped and counted, the others imported
        result = read_transcripts(file, READER.get(name, name), skip_bad=True)
        assert any(":1: nested deeper than 100 levels" in line for line in result.skipped), result.skipped


def _deep_inside(item: Any) -> str:
    """The item (an object or a list) as JSON with its first value nested 10,000 levels deep."""
    marked = {**item, next(iter(item)): "\x00"} if isinstance(item, dict) else ["\x00", *item[1:]]
    return json.dumps(marked).replace(json.dumps("\x00"), deep_json(), 1)


def test_wrong_types_in_a_langsmith_export_name_the_run_and_field(tmp_path):
    """Before: AttributeError: 'str' object has no attribute 'get' (traces_exports.py)."""
    runs = _lines("traces/langsmith_runs.jsonl")
    llm = next(n for n, r in enumerate(runs) if r.get("run_type") == "llm")
    runs[llm]["inputs"] = "not an object"
    file = tmp_path / "runs.jsonl"
    file.write_bytes(json_lines(runs))
    with pytest.raises(TranscriptError, match=rf"run {runs[llm]['id']}: inputs: must be an object, not text"):
        read_transcripts(file, "langsmith")


@pytest.mark.parametrize(
    ("name", "breaks", "message"),
    [
        ("otel", lambda v: v[0]["resourceSpans"][0].update(scopeSpans=True), r"scopeSpans: must be a list"),
        ("abcd", lambda v: v[0].update(scenario=["x"]), r"scenario: must be an object, not a list"),
        ("taskmaster4", lambda v: v[0]["utterances"][0].update(text=["x"]), r"utterances\[0\].text: must be text"),
        ("jsonl", lambda v: v[0]["messages"][1].update(tool_calls=7), r"message 1: tool_calls: must be a list"),
    ],
)
def test_a_value_of_the_wrong_type_is_one_line_naming_its_field(tmp_path, name, breaks, message):
    """Before: AttributeError or TypeError tracebacks, or pydantic's multi-line error."""
    suffix, value, per_line = SAMPLES[name]
    value = json.loads(json.dumps(value))
    breaks(value)
    file = tmp_path / f"wrong{suffix}"
    file.write_bytes(_encode(value, per_line))
    with pytest.raises(TranscriptError, match=message) as caught:
        read_transcripts(file, name)
    assert "\n" not in str(caught.value)


def test_a_ten_megabyte_message_is_one_line_and_a_long_one_is_read(tmp_path):
    """Redaction reads every word: a 10 MB message took 17 s of CPU to import (over the 10 s a hang is)."""
    chat = _lines("transcripts/support_chats.jsonl")[0]
    chat["messages"][1]["content"] = json.loads(huge_json())
    file = tmp_path / "huge.jsonl"
    file.write_text(json.dumps(chat) + "\n")
    with pytest.raises(TranscriptError, match=r"huge.jsonl:1: a message of 10,485,7\d\d characters: longer than"):
        read_transcripts(file)
    chat["messages"][1]["content"] = "my order is late " * 10_000
    file.write_text(json.dumps(chat) + "\n")
    (transcript,) = read_transcripts(file).transcripts
    assert len(transcript.turns[0].content) == 170_000


@pytest.mark.parametrize("bad", [b"\x00", b"\xff\xfe"])
def test_nul_bytes_and_invalid_utf8_in_a_csv_are_one_line(tmp_path, bad):
    file = tmp_path / "chats.csv"
    file.write_bytes(b"conversation_id,role,text\nA1,customer,hello " + bad + b"\n")
    try:
        read_transcripts(file)
    except TranscriptError as exc:
        assert str(exc).startswith(str(file)) and "\n" not in str(exc)


def test_eval_on_a_deeply_nested_file_exits_2_with_one_line(example_suite, tmp_path):
    file = tmp_path / "deep.jsonl"
    file.write_text(_deep_inside(_lines("transcripts/support_chats.jsonl")[0]) + "\n")
    result = CliRunner().invoke(
        app, ["eval", str(file), "--suite", str(example_suite.root), "--db", str(tmp_path / "x.db")]
    )
    assert result.exit_code == 2, result.output
    assert f"{file}:1: nested deeper than 100 levels" in result.output.replace("\n", "")
    assert "Traceback" not in result.output and not (tmp_path / "x.db").exists()


def test_scenarios_extract_on_a_deeply_nested_file_exits_2_before_any_model_call(example_suite, tmp_path):
    file = tmp_path / "deep.jsonl"
    file.write_text(_deep_inside(_lines("transcripts/support_chats.jsonl")[0]) + "\n")
    out = tmp_path / "extracted"
    args = ["scenarios", "extract", str(file), "--suite", str(example_suite.root), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--model", "openai:stub", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 2, result.output
    assert f"{file}:1: nested deeper than 100 levels" in result.output.replace("\n", "")
    assert not out.exists()
