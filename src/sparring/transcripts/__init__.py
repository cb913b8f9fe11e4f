"""Historical transcripts: import from the formats teams already have (the start of the data flow:
transcripts → scenarios → conversations → verdicts → reports)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from pydantic import ValidationError

from sparring.transcripts.datasets import read_abcd, read_taskmaster4
from sparring.transcripts.formats import (
    FORMATS,
    CsvColumns,
    ImportResult,
    TranscriptError,
    read_csv,
    read_jsonl,
)
from sparring.transcripts.model import Transcript
from sparring.transcripts.parallel import redact_many
from sparring.transcripts.traces_exports import read_langfuse, read_langsmith
from sparring.transcripts.traces_otel import read_otel

# Transcripts are redacted in batches of this many as they are read (in parallel processes for large files on
# many cores): a whole file held unredacted and redacted at once doubled the peak memory of a large import.
REDACT_BATCH = 2_000

__all__ = [
    "FORMATS",
    "CsvColumns",
    "ImportResult",
    "Transcript",
    "TranscriptError",
    "detect_format",
    "read_transcripts",
]


def detect_format(file: Path) -> str:
    """The format of a transcript file, from its extension and the keys near its start (jsonl otherwise)."""
    if file.suffix.lower() == ".csv":
        return "csv"
    with file.open(encoding="utf-8", errors="replace") as handle:
        head = handle.read(20000)
    if '"resourceSpans"' in head:
        return "otel"
    if '"run_type"' in head:
        return "langsmith"
    if '"observations"' in head or '"GENERATION"' in head or '"parentObservationId"' in head:
        return "langfuse"
    if file.suffix.lower() == ".json":
        if '"utterances"' in head and '"annotations"' in head:
            return "taskmaster4"
        if '"original"' in head and '"convo_id"' in head:
            return "abcd"
    return "jsonl"


def read_transcripts(
    path: str | Path,
    format: str | None = None,
    skip_bad: bool = False,
    csv_columns: CsvColumns | None = None,
    limit: int | None = None,
    session_attribute: str | None = None,
) -> ImportResult:
    """Every conversation in a file, PII already replaced by placeholders (see redaction.py). A bad one
    raises TranscriptError (file:line: reason), or with skip_bad is left out and listed in `skipped`.
    Duplicate ids are errors: verdicts key on them. `session_attribute` groups trace spans (otel), traces
    (langfuse) or runs (langsmith) into conversations."""
    file = Path(path)
    if not file.is_file():
        raise TranscriptError(file, "file not found")
    chosen = format or detect_format(file)
    readers: dict[str, Callable[[], Iterator[tuple[int | None, Callable[[], Transcript]]]]] = {
        "jsonl": lambda: read_jsonl(file),
        "csv": lambda: read_csv(file, csv_columns or CsvColumns()),
        "taskmaster4": lambda: read_taskmaster4(file),
        "abcd": lambda: read_abcd(file),
        "otel": lambda: read_otel(file, session_attribute),
        "langfuse": lambda: read_langfuse(file, session_attribute),
        "langsmith": lambda: read_langsmith(file, session_attribute),
    }
    if chosen not in readers:
        raise TranscriptError(file, f"unknown format {chosen!r}; one of {', '.join(FORMATS)}")
    result = ImportResult()
    seen: set[str] = set()
    parsed: list[Transcript] = []  # not yet redacted: at most REDACT_BATCH, so a file is never held twice
    try:
        for line, parse in readers[chosen]():
            if limit is not None and len(seen) >= limit:
                break
            try:
                transcript = parse()
                if transcript.id in seen:
                    raise ValueError(f"duplicate conversation id {transcript.id!r}")
            except (ValueError, KeyError, TypeError) as exc:
                reason = _reason(exc)
                if not skip_bad:
                    raise TranscriptError(file, reason, line) from exc
                result.skipped.append(str(TranscriptError(file, reason, line)))
                continue
            seen.add(transcript.id)
            parsed.append(transcript)
            if len(parsed) >= REDACT_BATCH:
                result.transcripts += redact_many(parsed)
                parsed = []
    except TranscriptError:
        raise
    except UnicodeDecodeError as exc:
        raise TranscriptError(file, f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise TranscriptError(file, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    except (ValueError, KeyError, TypeError) as exc:  # the file as a whole, read before its conversations
        raise TranscriptError(file, _reason(exc)) from exc
    if not seen:
        raise TranscriptError(file, "no usable conversation in this file")
    result.transcripts += redact_many(parsed)
    return result


def _reason(exc: Exception) -> str:
    """Why a conversation was refused, on one line: a missing field, or pydantic's first problem with its field."""
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(map(str, first['loc'])) or 'value'}: {first['msg']}"
    return " ".join(str(exc).split("\n"))
