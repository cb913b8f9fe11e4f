"""Facts the customer knows that name backend records: `backend: {fact_ids: {"order number": orders}}` in a
suite says a known fact with that key gives an id of that collection, so it must exist in the scenario's
backend state (snapshot plus the scenario's overrides)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class KeyValue(Protocol):
    """A known fact: a scenario's Fact, or one a model extracted."""

    key: str
    value: str


def fact_key(key: str) -> str:
    """How fact keys are compared: case, underscores, hyphens and repeated spaces do not matter
    ("Order_Number" is "order number")."""
    return re.sub(r"[\s_-]+", " ", key).strip().casefold()


def missing_fact_ids(
    facts: Sequence[KeyValue], state: Mapping[str, Any], fact_ids: dict[str, str]
) -> list[tuple[int, str]]:
    """(index of the fact, problem) for every known fact whose key `fact_ids` declares an id of a collection
    and whose value is no record of that collection in `state`."""
    collections = {fact_key(key): collection for key, collection in fact_ids.items()}
    problems: list[tuple[int, str]] = []
    for index, fact in enumerate(facts):
        collection = collections.get(fact_key(fact.key))
        records = state.get(collection) if collection is not None else None  # never len(): a view would count
        if collection is not None and (records is None or fact.value not in records):
            problems.append(
                (
                    index,
                    f"{fact.key} {fact.value!r} is no record of {collection} "
                    "(neither in the snapshot nor in this scenario's backend_overrides)",
                )
            )
    return problems
