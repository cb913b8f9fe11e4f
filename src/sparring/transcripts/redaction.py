"""PII redaction before anything leaves the importer: emails, phone numbers, payment card numbers,
street addresses and person names become stable placeholders ([EMAIL_1], [NAME_2] ...; the same
value gets the same placeholder within a conversation). The mapping is never stored.

Built from maintained parts rather than one NER model: phonenumbers (Google's libphonenumber) finds
phone numbers, Faker's per-locale first-name lists are the name gazetteer, and regular expressions
(with a Luhn check for cards) do the rest. Names are also caught from context ("my name is ...",
"thanks, ...") and from values the data itself labels as PII (a "name" or "email" field).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from sparring.data_model import AgentTurn, Turn
from sparring.transcripts.model import Transcript

EMAIL = re.compile(r"\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
STREET_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|close|"
    "crescent|cres|square|sq|parkway|pkwy|highway|hwy|circle|cir|trail|row|walk|strasse|straße|calle|rue"
)
ADDRESS = re.compile(
    rf"(?<![\d.,$£€])\b\d{{1,6}}[A-Za-z]?\s+(?!(?:is|are|was|were|of|in|on|at|to|and|or|minutes?|mins?|hours?|items?)\b)"
    rf"(?:[A-Za-z0-9.'-]+\s+){{0,4}}(?:{STREET_TYPES})\b\.?"
    r"(?:,?\s*(?:apt|apartment|unit|suite|flat|#)\.?\s*[A-Za-z0-9-]+)?",
    re.IGNORECASE,
)
UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
NON_WORD = re.compile(r"\W")
NON_DIGIT = re.compile(r"\D")
NAME_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]+")
# Pre-filters: cheap necessary conditions, so that most strings never reach the expensive matchers.
DIGIT = re.compile(r"\d")  # cards, addresses, postcodes and phones all hold a digit
NAME_WORD = re.compile(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9'-]*")  # what _names reads as words
# Seven digits whose neighbours are at most four separators apart (phonenumbers' own separators:
# punctuation, spaces, 'x'): a phone number is taken only with at least seven digits before any extension.
PHONE_RUN = re.compile(r"\d(?:(?:[^\w]|[xー]){0,4}\d){6}")
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")  # "2024-05-12" is a date, not (part of) a phone number
PHONE_FORMAT = re.compile(r"[\s().+-]")  # a formatted number, not a bare run of digits
PHONE_CUE = re.compile(r"(phone|number|call|text|mobile|cell|reach|whatsapp|tel)(\s+(is|me|at|on))?\W*$", re.IGNORECASE)
NAME_CUE = re.compile(
    r"(?:my name is|my name's|name is|name:|names?\s*-|call me|this is|i am|i'm|im|it's|signed|regards,|cheers,|"
    r"thanks|thank you|hi|hello|hey|dear|sorry|welcome|its|wife|husband|sister|brother|agent|driver),?\s+$",
    re.IGNORECASE,
)
STRONG_NAME_CUE = re.compile(
    r"(?:my name is|my name's|name is|name:|call me|signed|regards,|cheers,|yours,|\b(?:mr|mrs|ms|miss|dr|mx)\.?)\s+$",
    re.IGNORECASE,
)
# How every alternative of NAME_CUE and STRONG_NAME_CUE ends (their necessary condition, see may_follow_cue).
CUE_ENDINGS = (
    *("is", "name's", ":", "-", "me", "am", "i'm", "im", "it's", "signed", "regards,", "cheers,", "yours,"),
    *("thanks", "you", "hi", "hello", "hey", "dear", "sorry", "welcome", "its", "wife", "husband", "sister"),
    *("brother", "agent", "driver", "mr", "mrs", "ms", "miss", "dr", "mx", "."),
)
# Letters re.IGNORECASE matches to an ASCII letter of CUE_ENDINGS that str.lower() does not turn into it.
REGEX_CASE = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})
# Fields that hold a person's details (a bare "name" is too often an item's or a setting's name).
PII_KEYS = re.compile(
    r"^(customer_?name|first_?name|last_?name|full_?name|contact_?name|user_?name|e_?mail|email_?address|"
    r"phone|phone_?number|mobile|address(?:_?line)?_?\d?|street|street_?address|full_?address)$"  # address1: τ-bench
)
_WORDS = yaml.safe_load((Path(__file__).parent / "name_words.yaml").read_text(encoding="utf-8"))
AMBIGUOUS = frozenset(_WORDS["ambiguous"].split())
STOP = frozenset(_WORDS["stop"].split())
COMMON = STOP | frozenset(_WORDS["common"].split())
LOCALES = ("en_US", "en_GB", "es_ES", "fr_FR", "de_DE", "it_IT", "pt_BR", "nl_NL", "pl_PL", "en_IN", "vi_VN")


@cache
def first_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            names.update(n.lower() for n in getattr(provider, attribute, ()) if n.isalpha() and len(n) > 1)
    return frozenset(names)


@cache
def last_names() -> frozenset[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names.update(n.lower() for n in getattr(provider, "last_names", ()) if n.isalpha() and len(n) > 1)
    return frozenset(names - STOP)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


class Redactor:
    """One conversation's redaction: a value always maps to the same placeholder."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self._known_names: set[str] = set()
        self._names_seen: dict[tuple[str, str], tuple[str, set[str]]] = {}
        self._done: dict[str, str] = {}
        for value in known:
            self._known_names.update(w.lower() for w in NAME_PART.findall(value) if len(w) > 1)

    def placeholder(self, kind: str, value: str) -> str:
        key = (kind, NON_WORD.sub("", value.lower()))
        if kind == "NAME" and key not in self._placeholders:
            # "Dana" and "Dana Ruiz" are one person: a name sharing a word with an earlier one reuses it.
            words = set(value.lower().split())
            for placeholder, other_words in self._names_seen.values():
                if words & other_words:
                    self._placeholders[key] = placeholder
                    break
        if key not in self._placeholders:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._placeholders[key] = f"[{kind}_{self._counts[kind]}]"
        if kind == "NAME":
            self._names_seen[key] = (self._placeholders[key], set(value.lower().split()))
        return self._placeholders[key]

    def text(self, text: str) -> str:
        """The text with every PII value replaced. A string seen before in this conversation (tool results
        repeat airports, statuses, dates) gets its earlier answer: placeholders are stable, so it is the same."""
        if text not in self._done:
            self._done[text] = self._redact(text)
        return self._done[text]

    def _redact(self, text: str) -> str:
        """Every matcher in turn, each only past its cheap pre-filter."""
        if "@" in text:
            text = EMAIL.sub(lambda m: self.placeholder("EMAIL", m.group()), text)
        if DIGIT.search(text):
            text = CARD.sub(self._card, text)
            text = ADDRESS.sub(lambda m: self.placeholder("ADDRESS", m.group()), text)
            text = UK_POSTCODE.sub(lambda m: self.placeholder("ADDRESS", m.group()), text)
            dateless = ISO_DATE.sub(lambda m: " " * len(m.group()), text)  # same length: spans carry over
            if PHONE_RUN.search(dateless):
                text = self._phones(text, dateless)
        return self._names(text) if NAME_WORD.search(text) else text

    def _card(self, match: re.Match[str]) -> str:
        digits = NON_DIGIT.sub("", match.group())
        return self.placeholder("CARD", digits) if 13 <= len(digits) <= 19 and _luhn(digits) else match.group()

    def _phones(self, text: str, dateless: str) -> str:
        """Phone numbers found in `dateless` (the text with its ISO dates blanked) replaced in `text`."""
        spans: list[tuple[int, int]] = []
        for region in ("US", "GB"):
            for match in phonenumbers.PhoneNumberMatcher(dateless, region, leniency=phonenumbers.Leniency.POSSIBLE):
                raw = match.raw_string
                if len(NON_DIGIT.sub("", raw)) < 7:
                    continue
                formatted = bool(PHONE_FORMAT.search(raw.strip()))
                # A bare run of digits is an order or account number unless the words before it say phone.
                cued = formatted or PHONE_CUE.search(text[max(0, match.start - 25) : match.start])
                if cued and not any(s < match.end and match.start < e for s, e in spans):
                    spans.append((match.start, match.end))
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + self.placeholder("PHONE", NON_DIGIT.sub("", text[start:end])) + text[end:]
        return text

    def _names(self, text: str) -> str:
        names = first_names()
        out: list[str] = []
        position = 0
        words = list(NAME_WORD.finditer(text))
        index = 0
        while index < len(words):
            word = words[index]
            lower = word.group().lower()
            known = lower in self._known_names
            in_gazetteer = lower in names
            if not (known or in_gazetteer or (lower not in STOP and may_follow_cue(text, word.start()))):
                index += 1  # no list knows it and no cue precedes it: it cannot be a name
                continue
            before = text[max(0, word.start() - 30) : word.start()]
            # Shouted words (ALL CAPS) are not capitalised names, unless they are known first names.
            capital = word.group()[0].isupper() and not (word.group().isupper() and lower not in names)
            strong = bool(STRONG_NAME_CUE.search(before))
            cue = bool(NAME_CUE.search(before))
            following = words[index + 1] if index + 1 < len(words) else None
            adjacent = following is not None and text[word.end() : following.start()] == " "
            surname = adjacent and following is not None and following.group().lower() in last_names()
            after = text[word.end() : word.end() + 6]
            appositive = before.endswith(", ") and after.startswith(",") or after.lower().startswith(" here")
            sentence_start = not before.strip() or before.rstrip()[-1] in ".!?:\n"
            # A capitalised word before another capitalised word that is no surname reads like a product.
            product = adjacent and following is not None and following.group()[0].isupper() and not surname
            is_name = (
                known
                or (strong and lower not in STOP)
                or (
                    cue
                    and lower not in COMMON
                    and "'" not in lower
                    and (capital or (in_gazetteer and lower not in AMBIGUOUS))
                )
                or (in_gazetteer and capital and lower not in AMBIGUOUS and (surname or appositive))
                or (in_gazetteer and capital and lower not in AMBIGUOUS and not sentence_start and not product)
            )
            if not is_name or placeholder_text(word.group()):
                index += 1
                continue
            end = word.end()
            # Take the surname too: a known name part, or a capitalised word (or any word after a strong cue).
            if adjacent and following is not None:
                nxt = following.group()
                lower_next = nxt.lower()
                surname_like = lower_next in self._known_names or lower_next in last_names() or nxt[0].isupper()
                if lower_next not in STOP and (surname_like or strong):
                    end = following.end()
                    index += 1
            out.append(text[position : word.start()])
            out.append(self.placeholder("NAME", text[word.start() : end]))
            position = end
            index += 1
        out.append(text[position:])
        return "".join(out)

    def value(self, value: Any, key: str = "") -> Any:
        """Redact a JSON-like value; a string under a key that names PII is replaced whole."""
        if isinstance(value, str):
            kind = pii_kind(key)
            return self.placeholder(kind, value) if kind and value.strip() else self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        return value


@cache
def pii_kind(key: str) -> str | None:
    """The placeholder kind for a field whose name says it holds PII ('customer_name': NAME), else None."""
    if not PII_KEYS.search(key.lower()):
        return None
    if "email" in key:
        return "EMAIL"
    if "phone" in key:
        return "PHONE"
    return "ADDRESS" if "address" in key or "street" in key else "NAME"


def may_follow_cue(text: str, start: int) -> bool:
    """A necessary condition for NAME_CUE or STRONG_NAME_CUE to end right before `start` (both end in
    whitespace after one of CUE_ENDINGS, NAME_CUE with an optional comma): cheap string tests instead of
    two regular-expression searches for every word."""
    if start == 0 or not text[start - 1].isspace():
        return False
    tail = text[max(0, start - 30) : start].rstrip().translate(REGEX_CASE).lower()
    return tail.endswith(CUE_ENDINGS) or (tail.endswith(",") and tail[:-1].endswith(CUE_ENDINGS))


def placeholder_text(word: str) -> bool:
    return word.isupper() and word in {"EMAIL", "PHONE", "CARD", "ADDRESS", "NAME"}


def _pii_values(value: Any, key: str = "") -> list[str]:
    """Strings the data itself labels as PII (a 'name' or 'email' field), to catch them anywhere."""
    if isinstance(value, str):
        return [value] if pii_kind(key) and "name" in key.lower() else []  # names, usernames
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _pii_values(v, str(k))]
    if isinstance(value, list):
        return [s for v in value for s in _pii_values(v, key)]
    return []


def redact_transcript(transcript: Transcript) -> Transcript:
    """The transcript with PII replaced in every message, tool call, tool result and metadata value (a new
    transcript; the given one is left as it is)."""
    calls = [c for t in transcript.turns if isinstance(t, AgentTurn) for c in t.tool_calls]
    known = _pii_values(transcript.metadata) + [s for c in calls for s in _pii_values([c.arguments, c.result])]
    redactor = Redactor(known)
    turns = [_redact_turn(redactor, turn) for turn in transcript.turns]
    return transcript.model_copy(update={"turns": turns, "metadata": redactor.value(transcript.metadata)})


def _redact_turn(redactor: Redactor, turn: Turn) -> Turn:
    content = redactor.text(turn.content)
    if not isinstance(turn, AgentTurn):
        return turn.model_copy(update={"content": content})
    calls = [
        call.model_copy(
            update={
                "arguments": redactor.value(call.arguments),
                "result": redactor.value(call.result),
                "error": redactor.text(call.error) if call.error else None,
            }
        )
        for call in turn.tool_calls
    ]
    return turn.model_copy(update={"content": content, "tool_calls": calls})
