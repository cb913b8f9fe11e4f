"""The simulated customer's first message, grounded in its scenario: a plain text built from the situation, the
upfront facts and the desired outcome (`grounded_opening`), which the model rephrases in the persona's style; the
rephrasing is kept only when it still carries every upfront fact, is on topic and keeps enough of the grounded
opening's words (`rephrasing_problem`)."""

from __future__ import annotations

import re

from sparring.data_model import Scenario, content_words, topic_evidence
from sparring.prompts import package_prompt

GROUNDED = package_prompt(__file__, "opening_grounded.j2")
REPHRASE = package_prompt(__file__, "opening_rephrase.j2")
KEPT_SHARE = 3  # a rephrasing keeps at least 1 / KEPT_SHARE of the grounded opening's content words

# The scenario is written to the customer ("Your pizza arrived late. You were annoyed."); its opening speaks as them.
_FIRST_PERSON = [
    (re.compile(r"\byou were\b", re.I), "I was"),
    (re.compile(r"\byou are\b", re.I), "I am"),
    (re.compile(r"\byou're\b", re.I), "I'm"),
    (re.compile(r"\byourself\b", re.I), "myself"),
    (re.compile(r"\byours\b", re.I), "mine"),
    (re.compile(r"\byour\b", re.I), "my"),
    # "you" as an object (after a preposition or a verb that takes a person), else as the subject
    (
        re.compile(r"\b(to|for|with|at|from|about|of|by|told|asked|gave|sent|charged|refunded|called) you\b", re.I),
        r"\1 me",
    ),
    (re.compile(r"\byou(?=\s*(?:[.,;:!?)]|\b(?:and|but|or)\b|$))", re.I), "me"),  # at a clause's end: an object
    (re.compile(r"\byou\b", re.I), "I"),
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


def rephrasing_problem(text: str, scenario: Scenario, grounded: str) -> str | None:
    """Why a rephrased opening cannot be sent (None: it can): it leaves out an upfront fact's value, shares no
    word and no id with the scenario (the test of the `sim_opened_on_topic` check), or keeps less than a third
    of the grounded opening's content words (a weak model echoing a word or two around a message of its own)."""
    said = " ".join(text.lower().split())
    missing = [f for f in scenario.facts_upfront() if " ".join(f.value.lower().split()) not in said]
    if missing:
        return f"left out {missing[0].key} {missing[0].value!r}"
    if not topic_evidence(text, scenario):
        return "was off topic (no word or id of the scenario)"
    wanted = content_words(grounded)
    kept = len(wanted & content_words(text))
    if kept * KEPT_SHARE < len(wanted):
        return f"kept too little of the grounded opening ({kept} of its {len(wanted)} words)"
    return None
