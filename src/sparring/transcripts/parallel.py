"""Redaction of many transcripts: each is independent, so a large import is redacted in worker processes
(one per core, in order: the output lists the transcripts as the input does). Below the threshold, or
with fewer than MIN_CORES cores, the work stays in this process: shipping transcripts to the workers and
back costs this process about 1 ms each and the workers 0.7 ms more than redacting (measured on 1,000
airline logs: 2.8 ms serial; parent 1.06 ms + workers 3.5 ms in parallel), so two cores gain nothing."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from sparring.transcripts.model import Transcript
from sparring.transcripts.redaction import first_names, last_names, redact_transcript

PARALLEL_THRESHOLD = 200  # ~0.6 s of redaction on one core: below it, starting the workers costs what they save
MIN_CORES = 4
CHUNK = 8  # transcripts per task


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def redact_many(
    transcripts: Sequence[Transcript], workers: int | None = None, threshold: int = PARALLEL_THRESHOLD
) -> list[Transcript]:
    """Every transcript redacted (see redaction.redact_transcript), in the order given: in `workers`
    processes (default: the usable cores, when there are at least MIN_CORES) when there are at least
    `threshold` transcripts, else here."""
    workers = workers or (usable_cores() if usable_cores() >= MIN_CORES else 1)
    if workers < 2 or len(transcripts) < threshold:
        return [redact_transcript(t) for t in transcripts]
    first_names(), last_names()  # loaded once here; forked workers inherit them
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [Transcript.model_validate_json(j) for j in pool.map(_redacted_json, transcripts, chunksize=CHUNK)]


def _redacted_json(transcript: Transcript) -> str:
    """A worker's answer as JSON: it travels back between processes about twice as fast as a pickled model."""
    return redact_transcript(transcript).model_dump_json()
