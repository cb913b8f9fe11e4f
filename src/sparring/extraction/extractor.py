"""LLM extraction of a scenario from one (already redacted) historical transcript: a behavioural profile
validated against the Scenario schema, and backend overrides that fit the story, validated against the
suite's snapshot before the scenario is accepted. Invalid output is retried with the problem shown,
then reported for that transcript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sparring.backend import BackendDataError, build_state, missing_fact_ids
from sparring.data_model import Message, Scenario
from sparring.evaluations.transcript import render_transcript
from sparring.extraction.answer import Extraction, suite_extraction, to_overrides
from sparring.models.base import ChatRequest, MeteredModel
from sparring.models.schema import answer_schema, token_budget
from sparring.models.structured import ask_until_valid
from sparring.parsing import parse_model
from sparring.prompts import package_prompt
from sparring.suite import Suite
from sparring.transcripts import Transcript

EXTRACT_PROMPT = package_prompt(__file__, "extract_scenario.j2")
RETRY_PROMPT = package_prompt(__file__, "extract_retry.j2")


@dataclass
class ExtractionResult:
    """One transcript's outcome: its scenario, or why it was rejected after `attempts` answers."""

    transcript_id: str
    scenario: Scenario | None
    problem: str = ""  # why it was rejected (after retries)
    attempts: int = 0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"


def _schema_by_example(snapshot: dict[str, Any]) -> str:
    examples = {name: dict(list(records.items())[:1]) for name, records in snapshot.items() if records}
    text = json.dumps(examples, ensure_ascii=False)
    return text if len(text) < 4000 else text[:4000] + " …"


def _id_shapes(snapshot: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """Per collection, the shape of its ids (O-2002 -> O-digits), to spot ids mentioned as facts."""
    shapes: dict[str, re.Pattern[str]] = {}
    for name, records in snapshot.items():
        prefixes = {re.sub(r"\d+$", "", str(k)) for k in records if re.search(r"\d+$", str(k))}
        if len(prefixes) == 1 and next(iter(prefixes)):
            shapes[name] = re.compile(rf"\b{re.escape(next(iter(prefixes)))}\d+\b")
    return shapes


class ScenarioExtractor:
    """Extracts scenarios for one suite: its answer model and schema (collections and tags as enums) made once."""

    def __init__(self, suite: Suite, model: MeteredModel, retries: int = 2) -> None:
        self.suite = suite
        self.model = model
        self.retries = retries
        self.tags = sorted(
            {t for s in suite.scenarios for t in s.tags} | {t for e in suite.evaluations for t in e.applies_to}
        )
        self.shapes = _id_shapes(suite.snapshot)
        self.answer_model = suite_extraction(sorted(suite.snapshot), self.tags)
        self.schema = answer_schema(self.answer_model)

    def prompt(self, transcript: Transcript) -> str:
        """The extraction prompt for one (redacted) transcript, with the snapshot's shape and references."""
        rendered = render_transcript(transcript.to_conversation("extract"))
        references = ", ".join(f"{k}: {v}" for k, v in self.suite.config.backend.references.items())
        return EXTRACT_PROMPT.render(
            transcript=rendered.text,
            boundary=rendered.boundary,
            tags=self.tags,
            schema=_schema_by_example(self.suite.snapshot),
            references=references,
        )

    async def extract(self, transcript: Transcript) -> ExtractionResult:
        """Ask for the transcript's scenario (retried with the problem shown) and validate it."""
        request = ChatRequest(
            messages=[Message(role="user", content=self.prompt(transcript))],
            response_schema=self.schema,
            schema_name="scenario",
            max_tokens=token_budget(self.schema),
        )
        answer = await ask_until_valid(
            self.model, request, lambda text: self.to_scenario(transcript, text), RETRY_PROMPT, self.retries
        )
        if answer.value is None:
            problem = f"rejected after {answer.attempts} attempts: {answer.problem}"
            return ExtractionResult(transcript.id, None, problem, answer.attempts)
        return ExtractionResult(transcript.id, answer.value, attempts=answer.attempts)

    def to_scenario(self, transcript: Transcript, answer: str) -> Scenario:
        """Validate an answer into a Scenario whose backend data fits the suite; ValueError says why not."""
        extraction = parse_model(answer, self.answer_model)
        overrides = to_overrides(extraction.overrides)
        self._check_backend(extraction, overrides)
        return Scenario.model_validate(
            {
                "id": f"x-{_slug(transcript.id)}",
                "title": extraction.title or extraction.situation[:60],
                "persona": {"traits": extraction.traits, "style": extraction.style, "patience": extraction.patience},
                "situation": extraction.situation,
                "desired_outcome": extraction.desired_outcome,
                "known_facts": [f.model_dump() for f in extraction.known_facts],
                "unknown_facts": extraction.unknown_facts,
                "tags": extraction.tags,
                "backend_overrides": overrides,
                "source": f"transcript {transcript.id} ({transcript.source})",
            }
        )

    def _check_backend(self, extraction: Extraction, overrides: dict[str, Any]) -> None:
        snapshot = self.suite.snapshot
        for collection, records in overrides.items():
            if snapshot and collection not in snapshot:
                raise ValueError(f"backend_overrides.{collection}: no such collection (known: {', '.join(snapshot)})")
            if not isinstance(records, dict):
                raise ValueError(f"backend_overrides.{collection}: must map record ids to records")
            existing = [r for r in snapshot.get(collection, {}).values() if isinstance(r, dict)]
            required = set.intersection(*(set(r) for r in existing)) if existing else set()
            for record_id, record in records.items():
                if record is None or record_id in snapshot.get(collection, {}):
                    continue
                if not isinstance(record, dict):
                    raise ValueError(f"backend_overrides.{collection}.{record_id}: must be a record (an object)")
                missing = sorted(required - set(record))
                if missing:
                    raise ValueError(
                        f"backend_overrides.{collection}.{record_id}: missing field(s) {', '.join(missing)} "
                        f"that every {collection} record has"
                    )
        try:
            state = build_state(snapshot, overrides, self.suite.config.backend.references, datetime.now(UTC))
        except BackendDataError as exc:
            raise ValueError(f"backend_overrides: {exc}") from exc
        for fact in extraction.known_facts:
            for collection, shape in self.shapes.items():
                for mentioned in shape.findall(fact.value):
                    if mentioned not in state.get(collection, {}):
                        raise ValueError(
                            f"the customer knows {fact.key} {mentioned}, but {collection} has no record {mentioned}: "
                            "add it to backend_overrides"
                        )
        unknown_ids = missing_fact_ids(extraction.known_facts, state, self.suite.config.backend.fact_ids)
        if unknown_ids:
            raise ValueError(f"{unknown_ids[0][1]}: give the id alone, as the backend has it")
