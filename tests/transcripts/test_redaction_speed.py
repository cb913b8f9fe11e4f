"""Redaction at line rate without losing anything: the cheap pre-filters and the per-conversation memo
change no output (checked against the redactor with them switched off), dates are no longer taken for
phone numbers, τ-bench's address1 fields are redacted, and the parallel path returns exactly what the
serial one does, in order. Speed itself is measured in bench/redaction.py, never here."""

from __future__ import annotations

import importlib.util
import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from sparring.transcripts import read_transcripts
from sparring.transcripts import redaction as redaction_module
from sparring.transcripts.formats import read_jsonl
from sparring.transcripts.parallel import redact_many
from sparring.transcripts.redaction import NAME_CUE, STRONG_NAME_CUE, Redactor, may_follow_cue, redact_transcript

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def _airline_logs():
    spec = importlib.util.spec_from_file_location("airline_logs", ROOT / "bench" / "airline_logs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def airline_file(tmp_path_factory):
    return _airline_logs().write(12, tmp_path_factory.mktemp("airline") / "airline.jsonl", seed=7)


@pytest.fixture(scope="module")
def airline(airline_file):
    return [parse() for _, parse in read_jsonl(airline_file)]


def _fixture_texts() -> list[str]:
    texts = []
    for name in ("pii_messages.yaml", "pii_messages_heldout.yaml"):
        texts += [m["text"] for m in yaml.safe_load((FIXTURES / name).read_text())]
    return texts


def test_pre_filters_and_memo_change_no_output(airline, monkeypatch):
    fast = [redact_transcript(t).model_dump_json() for t in airline]
    fast_texts = [Redactor().text(text) for text in _fixture_texts()]
    monkeypatch.setattr(redaction_module, "PHONE_RUN", re.compile(""))  # every string to the phone matcher
    monkeypatch.setattr(redaction_module, "may_follow_cue", lambda text, start: True)  # every word to the cues
    monkeypatch.setattr(Redactor, "text", lambda self, text: self._redact(text))  # no memo
    assert [redact_transcript(t).model_dump_json() for t in airline] == fast
    assert [Redactor().text(text) for text in _fixture_texts()] == fast_texts


def test_the_cue_pre_filter_never_rejects_a_word_a_cue_precedes(airline):
    texts = _fixture_texts() + [t.text() for t in airline]
    texts += ["Regards,  Ana", "cheers, Bo", "Mr. Ruiz", "my name's Lee", "names - Kim", "THANK YOU, Ana"]
    texts += ["Hİ Zoe", "hı Zoe", "THANKſ Zoe"]  # letters re.IGNORECASE folds to ASCII and str.lower() does not
    rng = random.Random(3)  # seeded fuzz: cue words, case, commas, dots and odd whitespace in random order
    tokens = ["my", "name", "is", "name's", "names", "-", ":", "Mr", "Dr.", "im", "Tim", "i'm", "thanks", "THANK"]
    tokens += ["you", "hi", "Hello", "regards,", "cheers,", "yours,", "dear", "its", "it's", ",", ".", "Ana", "x"]
    spaces = [" ", "  ", "\t", "\n", "\u00a0", "\u2028", ""]
    texts += ["".join(rng.choice(tokens) + rng.choice(spaces) for _ in range(12)) for _ in range(3000)]
    for text in texts:
        for word in re.finditer(r"\S+", text):
            before = text[max(0, word.start() - 30) : word.start()]
            if NAME_CUE.search(before) or STRONG_NAME_CUE.search(before):
                assert may_follow_cue(text, word.start()), (text, word.group())


def test_the_phone_pre_filter_changes_nothing_on_fuzzed_numbers(monkeypatch):
    """Digits, separators, dates, fullwidth digits and odd spaces in random order: the same output with the
    matcher run on every string. (Extensions are left out on purpose: a number needs seven digits before
    its extension, so '0132 ext 555', a phone to phonenumbers, is no longer taken for one.)"""
    rng = random.Random(5)
    parts = ["call ", "phone", " me at ", " ", "-", "(", ")", ".", "/", "+44", "+1", "2024-05-12", "415", "555"]
    parts += ["0132", "12", "7", "020", "7946", "0018", "1234", ",", "tel:", "\u00a0", "－", "１２３", "ー"]
    texts = ["".join(rng.choice(parts) for _ in range(rng.randrange(3, 12))) for _ in range(2000)]
    fast = [Redactor().text(text) for text in texts]
    monkeypatch.setattr(redaction_module, "PHONE_RUN", re.compile(""))
    assert [Redactor().text(text) for text in texts] == fast


def test_dates_are_not_phone_numbers_but_phones_beside_them_are():
    redactor = Redactor()
    assert redactor.text("flying 2024-05-12, call me on (415) 555-0132") == "flying 2024-05-12, call me on [PHONE_1]"
    assert redactor.text("on 2024-05-12 555 0132 is my number") == "on 2024-05-12 [PHONE_2] is my number"
    assert redactor.value({"dob": "1990-04-12", "created_at": "2024-05-10T07:12:44"}) == {
        "dob": "1990-04-12",
        "created_at": "2024-05-10T07:12:44",
    }


def test_numbered_address_fields_are_redacted_whole():
    redacted = Redactor().value({"address1": "4759 William Haven Apt. 194", "address_line2": "Suite 5", "city": "Reno"})
    assert redacted == {"address1": "[ADDRESS_1]", "address_line2": "[ADDRESS_2]", "city": "Reno"}


def test_parallel_redaction_equals_serial_in_order(airline):
    serial = [t.model_dump_json() for t in redact_many(airline, workers=1)]
    parallel = redact_many(airline, workers=2, threshold=0)
    assert [t.model_dump_json() for t in parallel] == serial
    assert [t.id for t in parallel] == [t.id for t in airline]


def test_a_pool_is_started_only_above_the_threshold_and_from_four_cores(airline, monkeypatch):
    import sparring.transcripts.parallel as parallel

    started: list[int] = []

    class Pool(ThreadPoolExecutor):  # stands in for the process pool: records that it was started
        def __init__(self, max_workers: int) -> None:
            started.append(max_workers)
            super().__init__(max_workers)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 2)
    assert len(redact_many(airline, threshold=0)) == len(airline) and started == [], "two cores: serial"
    assert len(redact_many(airline, workers=4, threshold=len(airline) + 1)) == len(airline) and started == []
    monkeypatch.setattr(parallel, "usable_cores", lambda: 4)
    serial = [t.model_dump_json() for t in redact_many(airline, workers=1)]
    assert [t.model_dump_json() for t in redact_many(airline, threshold=0)] == serial and started == [4]


def test_generated_airline_logs_import_with_no_customer_detail_left(airline_file):
    raw = [json.loads(line) for line in airline_file.read_text().splitlines()]
    assert all(14_000 <= len(json.dumps(r)) <= 20_000 for r in raw), "about 16 KB each"
    assert airline_file.read_text() == _airline_logs().write(12, airline_file.with_suffix(".again"), seed=7).read_text()
    imported = read_transcripts(airline_file).transcripts
    for source, transcript in zip(raw, imported, strict=True):
        user = json.loads(next(m["content"] for m in source["messages"] if m["role"] == "tool"))
        phone = re.search(r"\(\d{3}\) 555-\d{4}", json.dumps(source)).group()
        dumped = transcript.model_dump_json()
        secrets = [user["email"], phone, user["address"]["address1"], *user["name"].values()]
        assert not [s for s in secrets if s in dumped], transcript.id
        assert re.search(r"HAT\d{3}", dumped) and re.search(r"2024-05-\d\d", dumped), "flights and dates are kept"
