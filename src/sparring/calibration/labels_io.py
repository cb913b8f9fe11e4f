"""Import and export human labels as CSV or JSONL (by file extension). An import is all or nothing:
every line is checked first, and the first problem is reported with its line."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sparring.data_model import Label
from sparring.input_limits import TooDeep, json_value

FIELDS = (
    "conversation_id",
    "evaluation_id",
    "label",
    "note",
    "labeller",
    "created_at",
    "inclusion_probability",
    "stratum",
)
ALIASES = {"eval_id": "evaluation_id", "evaluation": "evaluation_id", "conversation": "conversation_id"}


class LabelFileError(ValueError):
    """A label file that cannot be imported: the message names the file and, when known, the line."""

    def __init__(self, file: Path, line: int | None, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


def _rows(file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if file.suffix.lower() == ".csv":
        with file.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            try:
                for row in reader:
                    yield reader.line_num, dict(row)
            except csv.Error as exc:  # a NUL byte, a field over csv's size limit
                raise LabelFileError(file, reader.line_num + 1, f"not CSV: {exc}") from exc
        return
    for number, line in enumerate(file.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip():
            try:
                data = json_value(line)
            except json.JSONDecodeError as exc:
                raise LabelFileError(file, number, f"invalid JSON: {exc.msg}") from exc
            except TooDeep as exc:
                raise LabelFileError(file, number, str(exc)) from exc
            if not isinstance(data, dict):
                raise LabelFileError(file, number, "each line must be a JSON object")
            yield number, data


def read_labels(file: Path, known_conversations: set[str] | None = None, labeller: str | None = None) -> list[Label]:
    """Labels from a CSV or JSONL file, all or nothing: the first bad row raises LabelFileError naming its line
    (an unknown conversation too, when `known_conversations` is given); `labeller` fills a missing labeller."""
    if not file.is_file():
        raise LabelFileError(file, None, "file not found")
    labels: list[Label] = []
    try:
        rows = list(_rows(file))
    except UnicodeDecodeError as exc:
        raise LabelFileError(file, None, f"not UTF-8 text ({exc.reason})") from exc
    for number, row in rows:
        # csv puts the values beyond the header under None, and a short row's missing ones are None
        data = {
            ALIASES.get(k.strip().lower(), k.strip().lower()): v for k, v in row.items() if isinstance(k, str) and k
        }
        data = {k: v for k, v in data.items() if v not in (None, "")}
        if isinstance(data.get("label"), str):
            data["label"] = data["label"].strip().lower()
        if labeller and "labeller" not in data:
            data["labeller"] = labeller
        try:
            label = Label.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"])) or "row"
            raise LabelFileError(file, number, f"{where}: {first['msg']}") from exc
        if known_conversations is not None and label.conversation_id not in known_conversations:
            raise LabelFileError(file, number, f"conversation {label.conversation_id!r} is not in the database")
        labels.append(label)
    if not labels:
        raise LabelFileError(file, None, "no labels in this file")
    return labels


def write_labels(labels: list[Label], file: Path) -> None:
    """Labels as CSV or JSONL, by the file's suffix, with their sampling design."""
    rows = [label.model_dump(mode="json") for label in labels]
    if file.suffix.lower() == ".csv":
        with file.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
