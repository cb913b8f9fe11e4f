"""PII redaction on import: recall on realistic messages, stable placeholders, nothing raw left in tool
calls, results or metadata, and order ids and amounts kept."""

import json
from pathlib import Path

import pytest
import yaml

from sparring.transcripts import read_transcripts
from sparring.transcripts.redaction import Redactor

FIXTURES = Path(__file__).parents[1] / "fixtures"
STRICT = ("EMAIL", "PHONE", "CARD")  # must never survive


@pytest.mark.parametrize("set_name", ["pii_messages.yaml", "pii_messages_heldout.yaml"])
def test_recall_and_what_must_be_kept(set_name):
    found = total = 0
    for message in yaml.safe_load((FIXTURES / set_name).read_text()):
        redacted = Redactor().text(message["text"])
        for kind, values in (message.get("pii") or {}).items():
            for value in values:
                survived = value.lower() in redacted.lower()
                assert not (survived and kind in STRICT), f"{kind} {value!r} survived in {redacted!r}"
                total += 1
                found += not survived
        for value in message.get("keep", []):
            assert value in redacted, f"over-redacted {value!r}: {redacted!r}"
    assert found / total >= 0.9


def test_the_same_value_gets_the_same_placeholder_within_a_conversation():
    redactor = Redactor()
    first = redactor.text("I'm Ana Lima, ana@x.io, 415-555-0132")
    second = redactor.text("again: ANA@X.IO or (415) 555 0132, thanks - Ana Lima")
    assert first == "I'm [NAME_1], [EMAIL_1], [PHONE_1]"
    assert "[EMAIL_1]" in second and "[PHONE_1]" in second and "[NAME_1]" in second
    assert Redactor().text("bob@y.io") == "[EMAIL_1]", "a new conversation starts its own numbering"


def test_import_redacts_messages_tool_calls_results_and_metadata(tmp_path):
    line = {
        "id": "c1",
        "metadata": {"customer": {"customer_name": "Dana Ruiz", "email": "dana@ruiz.net"}},
        "messages": [
            {"role": "user", "content": "hi it's dana, card 4111-1111-1111-1111, order O-2002"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "t1", "function": {"name": "lookup", "arguments": '{"email": "dana@ruiz.net"}'}}],
            },
            {
                "role": "tool",
                "tool_call_id": "t1",
                "content": '{"customer_name": "Dana Ruiz", "phone": "+1 646 555 0143"}',
            },
            {"role": "assistant", "content": "Thanks Dana Ruiz, I found order O-2002 ($23.50)."},
        ],
    }
    file = tmp_path / "chats.jsonl"
    file.write_text(json.dumps(line) + "\n")
    [transcript] = read_transcripts(file).transcripts
    dumped = transcript.model_dump_json()
    for raw in ("Dana", "dana", "Ruiz", "4111", "ruiz.net", "646"):
        assert raw not in dumped, raw
    assert "O-2002" in dumped and "$23.50" in dumped
    call = transcript.turns[1].tool_calls[0]
    assert call.arguments == {"email": "[EMAIL_1]"} and call.result["customer_name"] == "[NAME_1]"
    assert transcript.metadata["customer"] == {"customer_name": "[NAME_1]", "email": "[EMAIL_1]"}
    assert transcript.turns[1].content == "Thanks [NAME_1], I found order O-2002 ($23.50)."


def test_real_abcd_dialogue_keeps_no_customer_detail():
    transcript = read_transcripts(FIXTURES / "transcripts" / "abcd_excerpt.json").transcripts[0]
    dumped = transcript.model_dump_json().lower()
    for raw in ("crystal", "minh", "cminh730", "625-2661", "6821 1st"):
        assert raw not in dumped, raw
    assert "3348917502" in dumped, "the order id is not PII"
