"""A run's conversations by their verdicts, for the viewer's drill-down: filtered by evaluation, outcome,
scenario tag and text (searched in the transcript and the verdicts' reasoning), sorted, one page at a time.
Counting, filtering and paging are done by the database; only a text search reads the transcripts it is
restricted to (decompressed, never validated), so a page stays fast on large runs."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import LargeBinary, func, select, type_coerce

from sparring.data_model import Outcome, Scenario
from sparring.store import ConversationRow, VerdictRow

if TYPE_CHECKING:
    from sparring.store import Store

SortKey = Literal["flagged", "scenario", "conversation"]
SORT_KEYS: tuple[SortKey, ...] = ("flagged", "scenario", "conversation")
OutcomeFilter = Literal["fail_or_error", "fail", "error", "pass", "not_applicable", "any"]
OUTCOMES: tuple[OutcomeFilter, ...] = ("fail_or_error", "fail", "error", "pass", "not_applicable", "any")
FLAGGED = (Outcome.FAIL.value, Outcome.ERROR.value)


class Filters(BaseModel):
    """What the drill-down shows: verdicts of `evaluation` (all when empty) with `outcome` ("fail_or_error",
    "fail", "error", "pass", "not_applicable" or "any"), on scenarios tagged `tag`, whose transcript or reasoning
    contains `text` (case-insensitive); sorted by `sort`, descending when `descending`."""

    evaluation: str = ""
    outcome: OutcomeFilter = "fail_or_error"
    tag: str = ""
    text: str = Field("", max_length=200)
    sort: SortKey = "flagged"
    descending: bool = True

    def outcomes(self) -> tuple[str, ...]:
        """The verdict outcomes the filter keeps."""
        if self.outcome == "fail_or_error":
            return FLAGGED
        if self.outcome == "any":
            return tuple(o.value for o in Outcome)
        return (self.outcome,)


class VerdictLine(BaseModel):
    """One verdict of a listed conversation that the filter matched."""

    evaluation_id: str
    outcome: str
    reasoning: str


class ConversationLine(BaseModel):
    """One conversation of the drill-down: its scenario (title and tags when the suite is known) and the
    verdicts the filter matched, with their reasoning."""

    conversation_id: str
    scenario_id: str
    title: str
    tags: list[str]
    trial: int
    verdicts: list[VerdictLine]


class Drilldown(BaseModel):
    """One page of a run's conversations matching `filters`; `total` counts them all (conversations)."""

    filters: Filters
    total: int
    lines: list[ConversationLine]
    searched: int = Field(0, description="transcripts read by the text search (0 without one)")


def _matching(query: Any, run_id: str, filters: Filters, scenario_ids: set[str] | None) -> Any:
    query = query.where(VerdictRow.run_id == run_id, VerdictRow.outcome.in_(filters.outcomes()))
    if filters.evaluation:
        query = query.where(VerdictRow.evaluation_id == filters.evaluation)
    if scenario_ids is not None:
        query = query.where(ConversationRow.scenario_id.in_(sorted(scenario_ids)))
    return query


def _texts(value: Any) -> Iterable[str]:
    """Every string in a decoded JSON document (keys left out)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def text_matches(store: Store, run_id: str, text: str, conversation_ids: list[str]) -> set[str]:
    """The conversations among `conversation_ids` whose transcript (turns, tool calls) or verdict reasoning
    contains `text`, ignoring case."""
    needle = text.casefold()
    found: set[str] = set()
    raw = type_coerce(ConversationRow.data, LargeBinary)  # the compressed bytes: decoded here, never validated
    with store.engine.connect() as connection:
        reasoned = select(VerdictRow.conversation_id).where(
            VerdictRow.run_id == run_id, func.lower(VerdictRow.reasoning).contains(needle)
        )
        found.update(connection.scalars(reasoned))
        query = select(ConversationRow.id, raw).where(ConversationRow.id.in_(conversation_ids))
        for conversation_id, data in connection.execute(query):
            turns = json.loads(zlib.decompress(data)).get("turns", [])
            if any(needle in t.casefold() for t in _texts(turns)):
                found.add(conversation_id)
    return found & set(conversation_ids)


def _order(filters: Filters) -> list[Any]:
    count = func.count()
    column = {"flagged": count, "scenario": ConversationRow.scenario_id, "conversation": VerdictRow.conversation_id}
    first = column[filters.sort]
    return [first.desc() if filters.descending else first.asc(), VerdictRow.conversation_id]


def drilldown(
    store: Store,
    run_id: str,
    filters: Filters,
    scenarios: dict[str, Scenario] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Drilldown:
    """One page of the run's conversations matching `filters`, with the matching verdicts' reasoning.
    `scenarios` (the suite's, by id) give titles and tags; a tag filter without them matches nothing."""
    scenarios = scenarios or {}
    tagged = {s.id for s in scenarios.values() if filters.tag in s.tags} if filters.tag else None
    grouped = _matching(
        select(VerdictRow.conversation_id, ConversationRow.scenario_id, ConversationRow.trial, func.count())
        .join(ConversationRow, ConversationRow.id == VerdictRow.conversation_id)
        .group_by(VerdictRow.conversation_id, ConversationRow.scenario_id, ConversationRow.trial),
        run_id,
        filters,
        tagged,
    )
    searched = 0
    with store.engine.connect() as connection:
        if filters.text:
            candidates = [row[0] for row in connection.execute(grouped)]
            searched = len(candidates)
            matched = sorted(text_matches(store, run_id, filters.text, candidates))
            grouped = grouped.where(VerdictRow.conversation_id.in_(matched))
        # the page and how many there are in all (counted over the groups, in the same scan)
        page = list(
            connection.execute(
                grouped.add_columns(func.count().over()).order_by(*_order(filters)).limit(limit).offset(offset)
            )
        )
        total = page[0][-1] if page else 0
        if not page and (offset or limit < 1):  # past the last page (or none asked for): counted on its own
            total = int(connection.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
        ids = [row[0] for row in page]
        verdicts = _matching(
            select(VerdictRow.conversation_id, VerdictRow.evaluation_id, VerdictRow.outcome, VerdictRow.reasoning)
            .join(ConversationRow, ConversationRow.id == VerdictRow.conversation_id)
            .where(VerdictRow.conversation_id.in_(ids))
            .order_by(VerdictRow.evaluation_id),
            run_id,
            filters,
            None,
        )
        by_conversation: dict[str, list[VerdictLine]] = {}
        for conversation_id, evaluation_id, outcome, reasoning in connection.execute(verdicts):
            line = VerdictLine(evaluation_id=evaluation_id, outcome=outcome, reasoning=reasoning)
            by_conversation.setdefault(conversation_id, []).append(line)
    lines = []
    for conversation_id, scenario_id, trial, _, _ in page:
        scenario = scenarios.get(scenario_id)
        lines.append(
            ConversationLine(
                conversation_id=conversation_id,
                scenario_id=scenario_id,
                title=scenario.title if scenario else "",
                tags=scenario.tags if scenario else [],
                trial=trial,
                verdicts=by_conversation.get(conversation_id, []),
            )
        )
    return Drilldown(filters=filters, total=total, lines=lines, searched=searched)
