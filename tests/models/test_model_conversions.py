"""Provider wire formats: what each provider is sent, checked without a network."""

from sparring import Message, ToolCall
from sparring.models._convert import to_openai_messages, tool_calls_from_openai
from sparring.models.anthropic_model import _to_anthropic

HISTORY = [
    Message(role="system", content="policy"),
    Message(role="user", content="where is O-1?"),
    Message(
        role="assistant",
        content="",
        tool_calls=[
            ToolCall(id="a", name="lookup", arguments={"id": "O-1"}),
            ToolCall(id="b", name="status", arguments={"id": "O-1"}),
        ],
    ),
    Message(role="tool", content='{"total": 3}', tool_call_id="a"),
    Message(role="tool", content='{"status": "late"}', tool_call_id="b"),
    Message(role="assistant", content="It is late."),
]


def test_anthropic_gets_system_apart_and_every_tool_result_in_one_user_turn():
    system, messages = _to_anthropic(HISTORY)
    assert system == "policy"
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert [b["id"] for b in messages[1]["content"] if b["type"] == "tool_use"] == ["a", "b"]
    assert [b["tool_use_id"] for b in messages[2]["content"]] == ["a", "b"]


def test_openai_round_trip_keeps_every_parallel_tool_call_in_order():
    wire = to_openai_messages(HISTORY)
    assert [c["id"] for c in wire[2]["tool_calls"]] == ["a", "b"]
    assert wire[3]["tool_call_id"] == "a"
    parsed = tool_calls_from_openai(wire[2]["tool_calls"])
    assert [(c.id, c.name, c.arguments) for c in parsed] == [
        ("a", "lookup", {"id": "O-1"}),
        ("b", "status", {"id": "O-1"}),
    ]


def test_unparsable_tool_arguments_are_kept_for_the_tool_to_reject():
    [call] = tool_calls_from_openai([{"id": "x", "function": {"name": "lookup", "arguments": "{order: 1"}}])
    assert call.arguments == {"_unparsed": "{order: 1"}
