"""Is a customer's message about its scenario? One test, shared by the simulator (which keeps a model's rephrased
opening only when it passes) and the `sim_opened_on_topic` check (which judges the opening that was sent).

On topic: the message shares a content word (four letters or more, not a stopword) or an identifier with the
scenario's title, situation, desired outcome, known facts or given opening."""

from __future__ import annotations

import re

from sparring.data_model.scenario import Scenario

# Identifiers in any suite's format: a token of letters and digits together (O-2002, 48a335fa, pat_ada_01, #L77012)
# or a run of five or more digits; times and ordinals (10am, 21st) are words, not ids.
_IDS = re.compile(
    r"(?<![\w#-])#?(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{3,}(?![\w-])"  # letters and digits together
    r"|(?<![\w-])(?<!\d[.,])\d{5,}(?![\w-]|[.,]\d)"  # a long number, not part of 1,234,567 or 3.14159
)
_NOT_IDS = re.compile(r"^\d{1,2}(?:am|pm|st|nd|rd|th|h|min|mins|kg|km|cm|mm|gb|mb)$", re.I)
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """about after again also been before being could does doing from have having here into just like more
        much need only other over please really same should some such than that their them then there these
        they this those very what when where which while will with would your yours hello thanks thank help""",
    )
)


def identifiers(text: str) -> list[str]:
    """The order ids, account numbers and other identifiers written in `text`, in order."""
    return [i for i in _IDS.findall(text) if not _NOT_IDS.match(i)]


def content_words(text: str) -> set[str]:
    """The lower-cased words of four letters or more in `text`, stopwords left out."""
    return {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOPWORDS}


def scenario_text(scenario: Scenario) -> str:
    """Everything the scenario says about its issue: title, situation, desired outcome, facts, given opening."""
    facts = " ".join(f"{f.key} {f.value}" for f in scenario.known_facts)
    opening = " ".join(turn.content for turn in scenario.opening)
    return f"{scenario.title} {scenario.situation} {scenario.desired_outcome} {facts} {opening}"


def topic_evidence(message: str, scenario: Scenario) -> list[str]:
    """What makes `message` about `scenario`: up to four shared words, then the scenario's identifiers it
    mentions. Empty: the message is off topic."""
    known = scenario_text(scenario)
    shared = content_words(message) & content_words(known)
    ids = [i for i in identifiers(message) if i.lower() in known.lower()]
    return sorted(shared)[:4] + ids
