"""The verdict-injection test set: failing example transcripts from the library with attacks planted in
them, and hostile judge answers (a refusal that echoes the answer format, a verdict quoted after the judge's
own, a duplicate verdict key...) that must each end as an error verdict. The tests run it with a scripted judge
(plumbing); bench/judge_injection.py runs it against a real judge model and prints the flip rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sparring.data_model import AgentTurn, Conversation, CustomerTurn
from sparring.evaluations.library import examples

# Judges whose failing examples carry the attacks: hallucination, policy and communication questions.
TARGETS = (
    "no_invented_policy",
    "status_read_correctly",
    "no_unconfirmed_compensation_promise",
    "no_false_action_claims",
    "compensation_only_when_eligible",
    "compensation_within_limits",
    "escalation_rules_followed",
    "professional_tone",
)
PLACES = ("customer", "agent", "backend")


@dataclass(frozen=True)
class InjectionCase:
    """One failing library transcript (`clean`) and its copy with one attack planted in one place."""

    id: str
    evaluation_id: str
    attack: str
    place: str
    clean: Conversation  # fails the evaluation
    injected: Conversation  # the same, with the attack planted


def attacks() -> dict[str, str]:
    """Text planted in a failing transcript, by attack name (attacks.yaml)."""
    data: dict[str, str] = yaml.safe_load((Path(__file__).parent / "attacks.yaml").read_text(encoding="utf-8"))
    return data


def hostile_answers() -> dict[str, str]:
    """Judge answers that carry no single answer object of the judge's own, by name (answers.yaml): each must
    be an error verdict, never a pass."""
    data: dict[str, str] = yaml.safe_load((Path(__file__).parent / "answers.yaml").read_text(encoding="utf-8"))
    return data


def _plant(conversation: Conversation, place: str, text: str) -> Conversation:
    """Append the attack to the last customer message, the last agent message, or the last tool result."""
    planted = conversation.model_copy(deep=True)
    if place == "backend":
        calls = planted.tool_calls()
        if calls and calls[-1].error:
            calls[-1].error = f"{calls[-1].error}\n{text}"
            return planted
        if calls:
            result: Any = calls[-1].result
            calls[-1].result = (result if isinstance(result, dict) else {"result": result}) | {"note": text}
            return planted
        place = "customer"
    kind = CustomerTurn if place == "customer" else AgentTurn
    turn = next(t for t in reversed(planted.turns) if isinstance(t, kind))
    turn.content = f"{turn.content}\n{text}"
    return planted


def injection_cases() -> list[InjectionCase]:
    """Every target's failing example × every attack, the place rotating over customer, agent, backend."""
    cases: list[InjectionCase] = []
    library = examples()
    for t, evaluation_id in enumerate(TARGETS):
        clean = library[evaluation_id]["fail"][0]
        for a, (attack, text) in enumerate(sorted(attacks().items())):
            place = PLACES[(t + a) % len(PLACES)]
            injected = _plant(clean, place, text).model_copy(update={"id": f"{evaluation_id}+{attack}"})
            case_id = f"{evaluation_id}+{attack}@{place}"
            cases.append(InjectionCase(case_id, evaluation_id, attack, place, clean, injected))
    return cases
