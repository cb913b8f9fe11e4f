"""Scenarios from historical transcripts (transcripts → scenarios): sample, extract, validate, write."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from sparring.data_model import Scenario, TokenUsage
from sparring.extraction.extractor import EXTRACT_PROMPT, ExtractionResult, ScenarioExtractor
from sparring.extraction.sampling import SAMPLING, sample_transcripts
from sparring.models import MeteredModel, ModelPool
from sparring.suite import Suite
from sparring.transcripts import Transcript

__all__ = [
    "SAMPLING",
    "ExtractionReport",
    "ExtractionResult",
    "ScenarioExtractor",
    "coverage",
    "extract_scenarios",
    "extract_to_folder",
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


@dataclass
class ExtractionReport:
    """What `scenarios extract` made: each transcript's result, the scenario files written, the model's usage."""

    results: list[ExtractionResult]
    files: list[Path]
    usage: TokenUsage

    @property
    def accepted(self) -> list[Scenario]:
        """The scenarios kept (some without backend records or facts that did not fit: `dropped`)."""
        return [r.scenario for r in self.results if r.scenario is not None]

    @property
    def rejected(self) -> list[tuple[str, str]]:
        """(transcript id, why) for every transcript that became no scenario."""
        return [(r.transcript_id, r.problem) for r in self.results if r.scenario is None]

    @property
    def dropped(self) -> list[tuple[str, str]]:
        """(scenario id, what was left out and why) for every backend record or fact left out of a kept scenario."""
        return [(r.scenario.id, note) for r in self.results if r.scenario is not None for note in r.dropped]


async def extract_to_folder(
    suite: Suite,
    transcripts: list[Transcript],
    model_spec: str,
    base_url: str | None,
    folder: Path,
    concurrency: int = 4,
    on_done: Callable[[ExtractionResult], None] | None = None,
) -> ExtractionReport:
    """Extract a scenario per transcript with the model `model_spec` and write each kept one to `folder`."""
    pool = ModelPool()
    usage = TokenUsage()
    try:
        model = MeteredModel(pool.get(model_spec, base_url), usage)
        results = await extract_scenarios(suite, transcripts, model, concurrency, on_done=on_done)
    finally:
        await pool.aclose()
    files = [write_scenario(r.scenario, folder, model_spec, r.dropped) for r in results if r.scenario is not None]
    return ExtractionReport(results, files, usage)


def write_scenario(scenario: Scenario, folder: Path, model_name: str, dropped: list[str] | None = None) -> Path:
    """One YAML file per scenario, written whole (temporary file, then rename) so nothing is half-written; its
    header names the source, the model and prompt, and what was left out of the model's answer and why."""
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"{scenario.id}.yaml"
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    header = (
        f"# Extracted by sparring scenarios extract from {scenario.source}\n"
        f"# model {model_name}, prompt {EXTRACT_PROMPT.hash}. Review before relying on it.\n"
    ) + "".join(f"# left out (failed the backend check): {' '.join(note.split())}\n" for note in dropped or [])
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
