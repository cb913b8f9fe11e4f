"""Fuzzed label files for `labels import` (issue 28): a valid CSV or JSONL file broken at random is read whole or
refused with one LabelFileError line naming the file, never another exception; deep nesting, NUL bytes,
invalid UTF-8 and a CSV value over csv's field limit included."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz_inputs import FUZZ, broken_bytes, deep_json, json_lines, retyped
from sparring.calibration.labels_io import LabelFileError, read_labels

ROWS = [
    {"conversation_id": "r1:s1:0", "evaluation_id": "polite", "label": "pass", "labeller": "ann"},
    {"conversation_id": "r1:s2:0", "evaluation_id": "polite", "label": "FAIL", "note": "rude", "labeller": "bo"},
]
CSV = b"conversation_id,eval_id,label,note,labeller\nr1:s1:0,polite,pass,,ann\nr1:s2:0,polite,fail,rude,bo\n"


def _outcome(file: Path) -> None:
    try:
        labels = read_labels(file)
    except LabelFileError as exc:
        assert str(exc).startswith(str(file)) and "\n" not in str(exc), str(exc)
        return
    assert labels


@FUZZ
@given(data=st.data())
def test_a_broken_label_file_is_read_whole_or_refused_in_one_line(data):
    as_csv = data.draw(st.booleans(), label="csv")
    raw = CSV if as_csv else json_lines(data.draw(retyped(ROWS), label="rows"))
    raw = data.draw(broken_bytes(raw), label="bytes") if data.draw(st.booleans(), label="break") else raw
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / ("labels.csv" if as_csv else "labels.jsonl")
        file.write_bytes(raw)
        _outcome(file)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("labels.jsonl", (deep_json() + "\n").encode(), ":1: nested deeper than 100 levels"),
        ("labels.jsonl", json.dumps(ROWS[0]).encode() + b"\xff\n", ": not UTF-8 text"),
        ("labels.csv", CSV + b'r1:s3:0,polite,pass,"' + b"x" * 200_000 + b'",cy\n', ":4: not CSV: field larger than"),
    ],
)
def test_deep_nesting_invalid_utf8_and_a_huge_csv_field_are_one_line(tmp_path, name, raw, message):
    """Before: RecursionError, UnicodeDecodeError and csv.Error tracebacks."""
    file = tmp_path / name
    file.write_bytes(raw)
    with pytest.raises(LabelFileError, match=message):
        read_labels(file)
