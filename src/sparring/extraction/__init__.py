"""Scenarios from historical transcripts (transcripts → scenarios): sample, extract, validate, write."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

from sparring.data_model import Scenario
from sparring.extraction.extractor import EXTRACT_PROMPT, ExtractionResult, ScenarioExtractor
from sparring.extraction.sampling import SAMPLING, sample_transcripts
from sparring.models.base import MeteredModel
from sparring.suite import Suite
from sparring.transcripts import Transcript

__all__ = [
    "SAMPLING",
    "ExtractionResult",
    "ScenarioExtractor",
    "coverage",
    "extract_scenarios",
    "sample_transcripts",
    "write_scenario",
]


async def extract_scenarios(
    suite: Suite,
    transcripts: list[Transcript],
    model: MeteredModel,
    concurrency: int = 4,
    retries: int = 2,
    on_done: Callable[[ExtractionResult], None] | None = None,
) -> list[ExtractionResult]:
    extractor = ScenarioExtractor(suite, model, retries)
    semaphore = asyncio.Semaphore(max(1, min(concurrency, model.model.max_concurrency)))

    async def one(transcript: Transcript) -> ExtractionResult:
        async with semaphore:
            result = await extractor.extract(transcript)
        if on_done is not None:
            on_done(result)
        return result

    return list(await asyncio.gather(*(one(t) for t in transcripts)))


def write_scenario(scenario: Scenario, folder: Path, model_name: str) -> Path:
    """One YAML file per scenario, written whole (temporary file, then rename) so nothing is half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{scenario.id}.yaml"
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    header = (
        f"# Extracted by sparring scenarios extract from {scenario.source}\n"
        f"# model {model_name}, prompt {EXTRACT_PROMPT.hash}. Review before relying on it.\n"
    )
    temporary = file.with_suffix(".yaml.tmp")
    temporary.write_text(
        header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
    )
    os.replace(temporary, file)
    return file


def coverage(scenarios: list[Scenario]) -> Counter[tuple[str, str]]:
    """Scenarios per (situation, persona): the first tag and the first personality trait."""
    return Counter(
        ((s.tags[0] if s.tags else "untagged"), (s.persona.traits[0].lower() if s.persona.traits else "unknown"))
        for s in scenarios
    )
