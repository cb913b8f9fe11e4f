"""What the viewer shows beside a conversation and across runs, computed here and only rendered by the viewer:
the same scenario in other runs, the same scenario in two runs side by side (turns aligned by position, tool
calls, end-state diffs)."""

from __future__ import annotations

from itertools import zip_longest
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import bindparam, select

from sparring.data_model import Conversation, Turn, Verdict, unstorable_character
from sparring.store import ConversationRow, NotFound, RunRow

if TYPE_CHECKING:
    from sparring.store import Store

OTHER_RUNS = 20  # runs listed under "the same scenario in other runs", newest first

# Built once with bound parameters, as the store's statements read on every page are (sparring/store/records.py)
_RUN_OF = select(ConversationRow.run_id).where(ConversationRow.id == bindparam("id"))
_ELSEWHERE = (
    select(ConversationRow.id, RunRow.id, RunRow.label, RunRow.data["settings"])  # not the whole run document
    .join(RunRow, RunRow.id == ConversationRow.run_id)
    .where(
        ConversationRow.scenario_id == bindparam("scenario"),
        ConversationRow.trial == bindparam("trial"),
        ConversationRow.run_id != bindparam("run"),
    )
    .order_by(RunRow.started_at.desc())
    .limit(bindparam("limit"))
)


def conversation_run(store: Store, conversation_id: str) -> str:
    """The id of the run a stored conversation belongs to (the store's NotFound when there is none)."""
    found = None
    if not unstorable_character(conversation_id):  # no stored id holds one (PostgreSQL refuses NUL in a query)
        with store.engine.connect() as connection:
            found = connection.scalar(_RUN_OF, {"id": conversation_id})
    if found is None:
        raise NotFound(f"no conversation {conversation_id!r}")
    return str(found)


class ScenarioElsewhere(BaseModel):
    """The same scenario and trial in another run."""

    conversation_id: str
    run_id: str
    label: str
    agent: str


def same_scenario_elsewhere(
    store: Store, conversation: Conversation, limit: int = OTHER_RUNS
) -> list[ScenarioElsewhere]:
    """The conversations of the same scenario (and trial) in other runs, newest run first."""
    asked = {"scenario": conversation.scenario_id, "trial": conversation.trial, "run": conversation.run_id}
    with store.engine.connect() as connection:
        rows = list(connection.execute(_ELSEWHERE, asked | {"limit": limit}))
    return [
        ScenarioElsewhere(conversation_id=c, run_id=r, label=label, agent=agent_name(settings or {}))
        for c, r, label, settings in rows
    ]


def agent_name(settings: dict[str, object]) -> str:
    """The chatbot a run tested, as its settings name it: the HTTP/Python target, else the model."""
    return str(settings.get("agent_target") or settings.get("agent") or "")


class AlignedTurn(BaseModel):
    """Turn `index` (1-based) of the scenario in run A and in run B (None where one conversation is shorter)."""

    index: int
    a: Turn | None
    b: Turn | None


class SideBySide(BaseModel):
    """One scenario and trial in two runs: both conversations (None when a run lacks it), their turns aligned
    by position, and both verdict lists; evaluations whose outcome differs are listed in `changed`."""

    scenario_id: str
    trial: int
    a: Conversation | None
    b: Conversation | None
    turns: list[AlignedTurn]
    verdicts: list[tuple[str, Verdict | None, Verdict | None]]
    changed: list[str]


def _conversation(store: Store, run_id: str, scenario_id: str, trial: int) -> tuple[Conversation | None, list[Verdict]]:
    try:
        found = store.conversation(f"{run_id}:{scenario_id}:{trial}")
    except NotFound:
        return None, []
    return found, store.conversation_verdicts(found.id)


def side_by_side(store: Store, run_a: str, run_b: str, scenario_id: str, trial: int = 0) -> SideBySide:
    """The scenario's conversation in run A beside run B's."""
    a, verdicts_a = _conversation(store, run_a, scenario_id, trial)
    b, verdicts_b = _conversation(store, run_b, scenario_id, trial)
    turns = zip_longest(a.turns if a else [], b.turns if b else [])
    by_a = {v.evaluation_id: v for v in verdicts_a}
    by_b = {v.evaluation_id: v for v in verdicts_b}
    paired = [(e, by_a.get(e), by_b.get(e)) for e in sorted(by_a.keys() | by_b.keys())]
    changed = [e for e, va, vb in paired if (va and va.outcome) != (vb and vb.outcome)]
    return SideBySide(
        scenario_id=scenario_id,
        trial=trial,
        a=a,
        b=b,
        turns=[AlignedTurn(index=i, a=ta, b=tb) for i, (ta, tb) in enumerate(turns, start=1)],
        verdicts=paired,
        changed=changed,
    )
