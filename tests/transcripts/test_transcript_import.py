"""Importing historical transcripts: every format, including the two real public ones, and bad input."""

import json
from pathlib import Path

import pytest

from sparring.data_model import AgentTurn, CustomerTurn
from sparring.transcripts import CsvColumns, TranscriptError, detect_format, read_transcripts

FIXTURES = Path(__file__).parents[1] / "fixtures" / "transcripts"


def test_jsonl_reads_openai_logs_with_tool_calls_and_sparring_style_lines():
    result = read_transcripts(FIXTURES / "support_chats.jsonl")
    first, second, third = result.transcripts
    assert first.id == "chat-1" and first.metadata["tags"] == ["late", "refund"]
    assert [t.role for t in first.turns] == ["customer", "agent", "customer"], "system skipped, tool call folded in"
    [call] = first.turns[1].tool_calls
    assert call.name == "check_refund_eligibility" and call.arguments == {"order_id": "O-2002", "reason": "late"}
    assert call.result == {"eligible": True, "max_amount": 3.99}, "the tool message answers its call by id"
    assert "refund the $3.99" in first.turns[1].content
    assert second.turns[3].tool_calls[0].result == {"status": "out_for_delivery"}
    assert third.id == "conversation-3" and isinstance(third.turns[0], CustomerTurn)
    assert first.source.endswith("support_chats.jsonl:1")


def test_csv_groups_rows_by_conversation_in_timestamp_order_with_named_columns():
    columns = CsvColumns.parse("conversation_id=conv,role=speaker,text=message,timestamp=ts")
    result = read_transcripts(FIXTURES / "support_chats.csv", csv_columns=columns)
    a1, b7 = result.transcripts
    assert a1.id == "A1" and [t.content for t in a1.turns] == [
        "Hi, my pizza never arrived",
        "Sorry to hear that! What's the order number?",
        "O-4001",
        "Thanks, I've escalated it to a colleague.",
    ]
    assert b7.turns[1].content == "Yes, we do."


def test_taskmaster4_api_calls_become_tool_calls_of_the_next_agent_turn():
    assert detect_format(FIXTURES / "taskmaster4_excerpt.json") == "taskmaster4"
    transcript = read_transcripts(FIXTURES / "taskmaster4_excerpt.json").transcripts[0]
    assert transcript.turns[0].content == "one Chai Latte please"
    agent = transcript.turns[1]
    assert isinstance(agent, AgentTurn)
    assert [c.name for c in agent.tool_calls] == ["get_menu_items", "add_order_item", "get_order_details"]
    assert agent.tool_calls[0].arguments == {"query": "Chai Latte"}
    assert agent.tool_calls[1].result == {"order_id": "28740", "order_item_id": "92049"}
    assert transcript.metadata["vertical"] == "Coffee"


def test_abcd_actions_are_recorded_as_agent_tool_calls():
    assert detect_format(FIXTURES / "abcd_excerpt.json") == "abcd"
    transcript = read_transcripts(FIXTURES / "abcd_excerpt.json").transcripts[0]
    assert transcript.metadata["flow"] == "product_defect" and transcript.metadata["subflow"] == "return_size"
    assert transcript.metadata["customer"]["customer_name"] == "[NAME_1]", "the customer's details, redacted"
    actions = [c.result for t in transcript.agent_turns() for c in t.tool_calls if c.name == "action"]
    assert "Account has been pulled up for [NAME_1]." in actions
    assert transcript.turns[0].content == "Hi!\nHow can I help you?", "consecutive agent lines merge"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "x", "messages": [{"role": "wizard", "content": "hi"}]}', "line 1: message 0: unknown role 'wizard'"),
        ('{"id": "x", "messages": []}', "line 1: conversation 'x' has no customer message"),
        ('{"id": "x", "messages": [{"role": "user", "content": "hi"}', "line 1: invalid JSON"),
        ('{"id": "x"}', "line 1: no list of messages (looked for messages, turns"),
        ('{"id": "x", "messages": [{"role": "tool", "tool_call_id": "c9", "content": "1"}]}', "answers no earlier"),
    ],
)
def test_bad_lines_name_the_file_and_line(tmp_path, content, message):
    file = tmp_path / "bad.jsonl"
    file.write_text('{"id": "ok", "messages": [{"role": "user", "content": "fine"}]}\n' + content + "\n")
    with pytest.raises(TranscriptError) as info:
        read_transcripts(file)
    assert str(info.value).startswith(f"{file}:2: ") and message.split("line 1: ")[-1] in str(info.value)


def test_skip_bad_counts_what_it_left_out(tmp_path):
    file = tmp_path / "mixed.jsonl"
    file.write_text(
        '{"id": "ok", "messages": [{"role": "user", "content": "fine"}]}\nnot json\n'
        '{"id": "ok", "messages": [{"role": "user", "content": "again"}]}\n'
    )
    result = read_transcripts(file, skip_bad=True)
    assert [t.id for t in result.transcripts] == ["ok"]
    assert len(result.skipped) == 2 and "duplicate conversation id 'ok'" in result.skipped[1]


def test_a_csv_without_the_named_columns_says_which(tmp_path):
    with pytest.raises(TranscriptError, match=r"missing column\(s\) conversation_id, role, text"):
        read_transcripts(FIXTURES / "support_chats.csv")


def test_common_export_field_names_are_understood(tmp_path):
    file = tmp_path / "export.jsonl"
    line = {
        "session_id": "s-9",
        "dialogue": [
            {"sender": "visitor", "message": "hi, order O-1 never came"},
            {"from": "bot", "body": "Sorry! Let me check."},
            {"author": "operator", "message": "I have escalated it."},
        ],
    }
    file.write_text(json.dumps(line) + "\n")
    [transcript] = read_transcripts(file).transcripts
    assert transcript.id == "s-9" and [t.role for t in transcript.turns] == ["customer", "agent"]
    assert transcript.turns[1].content == "Sorry! Let me check.\nI have escalated it."


SHORT_CSV = (
    "conversation_id,role,text\n"
    "c1,customer,my order O-1 is late\n"
    'c2,customer,"two\nlines"\n'
    "c2,agent\n"
    "c3,customer,hello\n"
    "c3,agent,ok, sure\n"
    "c4,customer,hi\n"
    "c4,robot,beep\n"
    "c5,customer,fine\n"
)


def test_bad_csv_rows_name_their_own_line_and_say_what_is_wrong_in_words(tmp_path):
    """A short row was a pydantic dump at the conversation's first line; a long row silently lost text."""
    file = tmp_path / "chats.csv"
    file.write_text(SHORT_CSV)
    result = read_transcripts(file, skip_bad=True)
    assert [t.id for t in result.transcripts] == ["c1", "c5"]
    assert result.skipped == [
        f"{file}:5: no text: the row has 2 of the 3 columns (conversation_id, role, text); "
        "a comma or a closing quote missing?",
        f"{file}:7: 4 values but the header has 3 columns: quote text that contains a comma",
        f"{file}:9: column role: unknown role 'robot' (customer/user, agent/assistant, system or tool; "
        "the role is read from role/speaker/sender/from/author)",
    ]
    with pytest.raises(TranscriptError) as info:
        read_transcripts(file)
    assert info.value.line == 5 and "validation error" not in str(info.value) and "type=" not in str(info.value)
