"""LLM extraction of a scenario from one (already redacted) historical transcript: a behavioural profile
validated against the Scenario schema, and backend overrides that fit the story, validated against the
suite's snapshot before the scenario is accepted. Invalid output is retried with the problem shown,
then reported for that transcript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sparring.backend import BackendDataError, StateView, build_state, missing_fact_ids
from sparring.data_model import Message, Scenario
from sparring.evaluations import render_transcript
from sparring.extraction.answer import ExtractedFact, suite_extraction, to_overrides
from sparring.models import ChatRequest, MeteredModel, answer_schema, ask_until_valid, token_budget
from sparring.parsing import parse_model
from sparring.prompts import package_prompt
from sparring.suite import Suite
from sparring.transcripts import Transcript

EXTRACT_PROMPT = package_prompt(__file__, "extract_scenario.j2")
RETRY_PROMPT = package_prompt(__file__, "extract_retry.j2")


@dataclass
class ExtractionResult:
    """One transcript's outcome: its scenario, or why it was rejected after `attempts` answers; `dropped` says which
    backend records and facts of a kept scenario were left out, and why (they failed the backend check on every
    attempt while its persona, situation and desired outcome were valid)."""

    transcript_id: str
    scenario: Scenario | None
    problem: str = ""  # why it was rejected (after retries)
    attempts: int = 0
    dropped: list[str] = field(default_factory=list)


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
        """Ask for the transcript's scenario (retried with the problem shown) and validate it. When no answer fits
        the backend, the last one whose profile is valid is kept without the records and facts that do not fit."""
        request = ChatRequest(
            messages=[Message(role="user", content=self.prompt(transcript))],
            response_schema=self.schema,
            schema_name="scenario",
            max_tokens=token_budget(self.schema),
        )
        partial: list[tuple[Scenario, list[str]]] = []
        answer = await ask_until_valid(
            self.model, request, lambda text: self.to_scenario(transcript, text, partial), RETRY_PROMPT, self.retries
        )
        if answer.value is None and partial:
            scenario, dropped = partial[-1]
            return ExtractionResult(transcript.id, scenario, attempts=answer.attempts, dropped=dropped)
        if answer.value is None:
            problem = f"rejected after {answer.attempts} attempts: {answer.problem}"
            return ExtractionResult(transcript.id, None, problem, answer.attempts)
        return ExtractionResult(transcript.id, answer.value, attempts=answer.attempts)

    def to_scenario(
        self, transcript: Transcript, answer: str, partial: list[tuple[Scenario, list[str]]] | None = None
    ) -> Scenario:
        """Validate an answer into a Scenario whose backend data fits the suite; ValueError says why not. An answer
        whose profile is valid but whose records or facts do not all fit also goes to `partial`, as the scenario
        without them and a note for each left out."""
        extraction = parse_model(answer, self.answer_model)
        overrides, dropped = to_overrides(extraction.overrides)
        overrides, state = self._fitting_overrides(overrides, dropped)
        facts = self._fitting_facts(extraction.known_facts, state, dropped)
        scenario = Scenario.model_validate(
            {
                "id": f"x-{_slug(transcript.id)}",
                "title": extraction.title or extraction.situation[:60],
                "persona": {"traits": extraction.traits, "style": extraction.style, "patience": extraction.patience},
                "situation": extraction.situation,
                "desired_outcome": extraction.desired_outcome,
                "known_facts": [f.model_dump() for f in facts],
                "unknown_facts": extraction.unknown_facts,
                "tags": extraction.tags,
                "backend_overrides": overrides,
                "source": f"transcript {transcript.id} ({transcript.source})",
            }
        )
        if dropped:
            if partial is not None:
                partial.append((scenario, dropped))
            raise ValueError("; ".join(dropped))
        return scenario

    def _fitting_overrides(self, overrides: dict[str, Any], dropped: list[str]) -> tuple[dict[str, Any], StateView]:
        """The override records that fit the snapshot (known collection, every field its records all have,
        references to existing records) and the state they make; a note in `dropped` for each left out."""
        snapshot = self.suite.snapshot
        for collection in list(overrides):
            if snapshot and collection not in snapshot:
                dropped.append(f"backend_overrides.{collection}: no such collection (known: {', '.join(snapshot)})")
                del overrides[collection]
                continue
            existing = [r for r in snapshot.get(collection, {}).values() if isinstance(r, dict)]
            required = set.intersection(*(set(r) for r in existing)) if existing else set()
            for record_id, record in list(overrides[collection].items()):
                missing = sorted(required - set(record)) if record_id not in snapshot.get(collection, {}) else []
                if missing:
                    dropped.append(
                        f"backend_overrides.{collection}.{record_id}: missing field(s) {', '.join(missing)} "
                        f"that every {collection} record has"
                    )
                    del overrides[collection][record_id]
        while True:
            try:
                state = build_state(snapshot, overrides, self.suite.config.backend.references, datetime.now(UTC))
            except BackendDataError as exc:
                if not overrides:  # the snapshot alone: checked when the suite loaded
                    raise ValueError(f"backend_overrides: {exc}") from exc
                dropped.append(f"backend_overrides: {exc}")
                collection, _, rest = exc.path.partition(".")
                record_id = rest.partition(".")[0]
                if record_id in overrides.get(collection, {}):
                    del overrides[collection][record_id]
                else:  # a snapshot record the answer's records break: none of them is kept
                    overrides = {}
                continue
            return {c: records for c, records in overrides.items() if records}, state

    def _fitting_facts(self, facts: list[ExtractedFact], state: StateView, dropped: list[str]) -> list[ExtractedFact]:
        """The known facts whose record ids exist in `state`; a note in `dropped` for each left out."""
        kept = []
        fact_ids = self.suite.config.backend.fact_ids
        for fact in facts:
            absent = [
                f"the customer knows {fact.key} {mentioned}, but {collection} has no record {mentioned}: "
                "add it to backend_overrides"
                for collection, shape in self.shapes.items()
                for mentioned in shape.findall(fact.value)
                if mentioned not in state.get(collection, {})
            ]
            absent += [
                f"{problem}: give the id alone, as the backend has it"
                for _i, problem in missing_fact_ids([fact], state, fact_ids)
            ]
            dropped.extend(absent[:1])
            if not absent:
                kept.append(fact)
        return kept
