"""The simulated customer's first message, grounded in its scenario: a plain text built from the situation, the
upfront facts and the desired outcome (`grounded_opening`), which the model rephrases in the persona's style; the
rephrasing is kept only when it still carries every upfront fact and is on topic (`rephrasing_problem`)."""

from __future__ import annotations

import re

from sparring.data_model import Scenario
from sparring.data_model.topic import topic_evidence
from sparring.prompts import package_prompt

GROUNDED = package_prompt(__file__, "opening_grounded.j2")
REPHRASE = package_prompt(__file__, "opening_rephrase.j2")

# The scenario is written to the customer ("Your pizza arrived late. You were annoyed."); its opening speaks as them.
_FIRST_PERSON = [
    (re.compile(r"\byou were\b", re.I), "I was"),
    (re.compile(r"\byou are\b", re.I), "I am"),
    (re.compile(r"\byou're\b", re.I), "I'm"),
    (re.compile(r"\byours\b", re.I), "mine"),
    (re.compile(r"\byour\b", re.I), "my"),
    (re.compile(r"(^|[.!?]\s+)you\b", re.I), r"\1I"),
    (re.compile(r"\byou\b", re.I), "me"),
]


def first_person(text: str) -> str:
    """`text` written to the customer, as the customer would say it ("Your order" -> "My order")."""
    for pattern, replacement in _FIRST_PERSON:
        text = pattern.sub(replacement, text)
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def grounded_opening(scenario: Scenario) -> str:
    """The plain first message the scenario implies: its situation, its upfront facts and what the customer wants."""
    return GROUNDED.render(
        situation=first_person(scenario.situation.strip()),
        upfront=scenario.facts_upfront(),
        outcome=first_person(scenario.desired_outcome.strip()),
    )


def rephrase_directive(grounded: str) -> str:
    """What the model is told to do with the grounded opening."""
    return REPHRASE.render(grounded=grounded)


def rephrasing_problem(text: str, scenario: Scenario) -> str | None:
    """Why a rephrased opening cannot be sent (None: it can): it leaves out an upfront fact's value or shares
    no word and no id with the scenario (the test of the `sim_opened_on_topic` check)."""
    said = " ".join(text.lower().split())
    missing = [f for f in scenario.facts_upfront() if " ".join(f.value.lower().split()) not in said]
    if missing:
        return f"left out {missing[0].key} {missing[0].value!r}"
    if not topic_evidence(text, scenario):
        return "was off topic (no word or id of the scenario)"
    return None
