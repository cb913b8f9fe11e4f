"""Conversations from tracing tools: OpenTelemetry GenAI (OTLP JSON, all three message forms), Langfuse and
LangSmith exports, grouped into conversations by session, tool calls kept with their results, redacted."""

import json
from pathlib import Path

import pytest

from sparring.data_model import AgentTurn
from sparring.transcripts import Transcript, TranscriptError, detect_format, read_transcripts
from sparring.transcripts.traces import ModelCall, merge_calls

TRACES = Path(__file__).parents[1] / "fixtures" / "traces"
OTEL, LANGFUSE, LANGSMITH = (
    TRACES / "otel_genai.jsonl",
    TRACES / "langfuse_traces.json",
    TRACES / "langsmith_runs.jsonl",
)


def calls(transcript: Transcript) -> list[tuple]:
    return [(c.id, c.name, c.arguments, c.result, c.error) for t in transcript.agent_turns() for c in t.tool_calls]


def test_each_trace_format_is_recognised_from_the_file():
    assert [detect_format(f) for f in (OTEL, LANGFUSE, LANGSMITH)] == ["otel", "langfuse", "langsmith"]


def test_otel_groups_two_traces_of_one_session_and_reads_the_attribute_forms():
    session, other = read_transcripts(OTEL).transcripts
    assert session.id == "sess-7f3a" and session.metadata["traces"] == [
        "5b8efff798038103d269b633813fc60c",
        "0af7651916cd43dd8448eb211c80319c",
    ]
    assert [t.role for t in session.turns] == ["customer", "agent", "customer", "agent"], (
        "the agent span wrapping the chat spans is not read twice; resent history is not repeated"
    )
    assert session.turns[0].content.endswith("This is [NAME_1]."), "redacted like every other format"
    assert session.turns[2].content == "It says delivered but nothing came. I want a refund."
    assert calls(session) == [
        (
            "call_lookup_1",
            "lookup_order",
            {"order_id": "O-2002"},
            {"status": "out_for_delivery", "eta_minutes": 10},
            None,
        ),
        ("call_refund_2", "issue_refund", {"order_id": "O-2002", "amount": 23.5}, None, "refund above the agent limit"),
    ]
    assert session.source == f"{OTEL}:1"
    assert other.id == "4bf92f3577b34da6a3ce929d0e0e4736", "no session attribute: one conversation per trace"


def test_otel_event_form_reads_user_assistant_tool_and_choice_events():
    other = read_transcripts(OTEL).transcripts[1]
    assert other.turns[0].content == "Hi, can I change the address on order O-3100? Call me on [PHONE_1]."
    assert other.turns[1].content == "It's still being prepared, so yes: what's the new address?"
    assert calls(other) == [("call_9", "lookup_order", {"order_id": "O-3100"}, {"status": "preparing"}, None)]


def _export(spans: list[dict]) -> str:
    return json.dumps({"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]})


def _span(span_id: str, start: int, attributes: dict[str, str], trace: str = "t1") -> dict:
    values = [{"key": k, "value": {"stringValue": v}} for k, v in attributes.items()]
    return {"traceId": trace, "spanId": span_id, "startTimeUnixNano": str(start), "attributes": values}


def _parts(*messages: tuple[str, dict]) -> str:
    return json.dumps([{"role": role, "parts": [part]} for role, part in messages])


ASK = ("user", {"type": "text", "content": "where is O-1?"})
CALL = ("assistant", {"type": "tool_call", "id": "c1", "name": "lookup_order", "arguments": {"order_id": "O-1"}})


def test_otel_execute_tool_span_answers_a_tool_call_no_tool_message_answers(tmp_path):
    answer = ("assistant", {"type": "text", "content": "It left at noon."})
    spans = [
        _span("a", 1, {"gen_ai.input.messages": _parts(ASK), "gen_ai.output.messages": _parts(CALL)}),
        _span("b", 2, {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order"}),
        _span("c", 3, {"gen_ai.input.messages": _parts(ASK, CALL), "gen_ai.output.messages": _parts(answer)}),
    ]
    spans[1]["attributes"] += [
        {"key": "gen_ai.tool.call.id", "value": {"stringValue": "c1"}},
        {"key": "gen_ai.tool.call.result", "value": {"stringValue": '{"status": "left"}'}},
    ]
    file = tmp_path / "trace.jsonl"
    file.write_text(_export(spans) + "\n")
    [transcript] = read_transcripts(file).transcripts
    assert calls(transcript) == [("c1", "lookup_order", {"order_id": "O-1"}, {"status": "left"}, None)]
    assert [t.content for t in transcript.turns] == ["where is O-1?", "It left at noon."]


def test_session_attribute_groups_by_the_named_attribute_even_on_the_resource(tmp_path):
    [everything] = read_transcripts(OTEL, session_attribute="service.name").transcripts
    assert everything.id == "support-bot" and len(everything.metadata["traces"]) == 3
    [web] = read_transcripts(LANGFUSE, session_attribute="channel").transcripts
    assert web.id == "web", "a Langfuse trace's metadata key"


@pytest.mark.parametrize("file", [OTEL, LANGFUSE, LANGSMITH])
def test_a_session_attribute_nothing_has_is_one_clear_error(file):
    with pytest.raises(TranscriptError, match=r"has 'tenant' \(--session-attribute\)$") as info:
        read_transcripts(file, session_attribute="tenant")
    assert str(info.value).startswith(f"{file}: no ")


def test_langfuse_sessions_generations_tool_observations_and_anthropic_blocks():
    session, anthropic = read_transcripts(LANGFUSE).transcripts
    assert session.id == "chat-5521" and len(session.metadata["traces"]) == 2
    assert [t.role for t in session.turns] == ["customer", "agent", "customer", "agent"]
    assert session.turns[0].content == "Hi, my order O-2002 never arrived. My email is [EMAIL_1]"
    delivered = {"order_id": "O-2002", "status": "delivered", "delivered_at": "18:40"}
    assert calls(session) == [
        ("call_Xk2", "lookup_order", {"order_id": "O-2002"}, delivered, None),
        (
            "call_R9",
            "check_refund_eligibility",
            {"order_id": "O-2002", "reason": "not_received"},
            {
                "eligible": True,
                "max_amount": 18.4,
            },
            None,
        ),
    ], "the first result only from the TOOL observation, the second from the resent tool message"
    assert anthropic.id == "chat-5600"
    assert calls(anthropic) == [("toolu_01A", "lookup_order", {"order_id": "O-3100"}, {"status": "preparing"}, None)]
    assert anthropic.turns[1].content == "Let me check.\nIt's being prepared and should leave the kitchen soon."


def test_langsmith_threads_langchain_messages_tool_runs_and_nested_child_runs():
    thread, single = read_transcripts(LANGSMITH).transcripts
    assert thread.id == "thr-42" and thread.source == f"{LANGSMITH}:1"
    assert [t.role for t in thread.turns] == ["customer", "agent"]
    assert calls(thread) == [("call_pay1", "lookup_payments", {"order_id": "O-5120"}, {"charges": [24.9, 24.9]}, None)]
    assert thread.turns[1].content.startswith("I see two charges of $24.90")
    assert single.id == "0195d3b2-2222-7000-8000-00000000bb01", "no thread: the trace"
    assert [t.content for t in single.turns] == ["Do you deliver to Leith?", "Yes, we deliver to Leith."]
    assert isinstance(single.turns[1], AgentTurn) and single.source == f"{LANGSMITH}:5"


def _otel_line(span_id: str, messages: str) -> str:
    return _export([_span(span_id, 1, {"gen_ai.input.messages": messages}, trace=span_id)])


BAD_OTEL = [
    (
        _otel_line("s1", json.dumps([{"role": "wizard", "parts": []}])),
        "2: span s1: gen_ai.input.messages[0]: unknown role 'wizard' (customer/user, agent/assistant, system or tool; "
        "the role is read from role/speaker/sender/from/author)",
    ),
    (_otel_line("s2", "[{not json"), "2: span s2: gen_ai.input.messages: not a JSON list of messages"),
    (
        _otel_line("s3", _parts(("tool", {"type": "tool_call_response", "id": "c9", "response": 1}))),
        "2: span s3: tool result 'c9' answers no earlier tool call",
    ),
    ('{"resourceSpans": [', "2: invalid JSON: Expecting value (column 20); the spans on this line are left out"),
    ('{"spans": []}', "2: no resourceSpans list: not an OTLP JSON trace export"),
]


@pytest.mark.parametrize(("line", "message"), BAD_OTEL)
def test_bad_otel_spans_name_the_line_and_span_and_skip_bad_counts_them(tmp_path, line, message):
    file = tmp_path / "traces.jsonl"
    file.write_text(_otel_line("ok", _parts(ASK)) + "\n" + line + "\n")
    with pytest.raises(TranscriptError) as info:
        read_transcripts(file)
    assert str(info.value) == f"{file}:{message}"
    result = read_transcripts(file, skip_bad=True)
    assert [t.id for t in result.transcripts] == ["ok"] and result.skipped == [f"{file}:{message}"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "lf.json",
            [{"id": "t", "observations": [{"id": "o1", "type": "GENERATION", "input": [{"x": 1}]}]}],
            ": observation o1: input[0]: not a chat message (an object with role or type, and content)",
        ),
        ("lf.json", [{"id": "t"}], ": neither a trace with observations nor an observation (type, traceId)"),
        ("ls.json", [{"id": "r1", "name": "x"}], ": not a LangSmith run (no run_type)"),
        (
            "ls.json",
            [{"id": "r1", "run_type": "llm", "inputs": {"messages": [[{"role": "robot", "content": "hi"}]]}}],
            ": run r1: inputs.messages[0]: unknown role 'robot' (customer/user, agent/assistant, system or tool; "
            "the role is read from role/speaker/sender/from/author)",
        ),
    ],
)
def test_bad_langfuse_and_langsmith_records_name_their_id(tmp_path, name, content, message):
    file = tmp_path / name
    file.write_text(json.dumps(content))
    with pytest.raises(TranscriptError) as info:
        read_transcripts(file, format="langfuse" if name.startswith("lf") else "langsmith")
    assert str(info.value).startswith(f"{file}: ") and str(info.value).endswith(message)


def test_a_broken_one_document_export_names_the_line(tmp_path):
    file = tmp_path / "trace.json"
    file.write_text('{\n  "resourceSpans": [\n    {"resource": }\n  ]\n}\n')
    with pytest.raises(TranscriptError, match=r"trace\.json:3: invalid JSON: Expecting value"):
        read_transcripts(file)


def _said(role: str, text: str) -> dict:
    return {"role": role, "content": text, "tool_calls": []}


def test_merging_calls_keeps_each_message_once_whether_apps_resend_all_some_or_none_of_the_history():
    hi, late, sorry, refund, done = (
        _said("user", "hi"),
        _said("assistant", "hello"),
        _said("user", "late order"),
        _said("assistant", "sorry"),
        _said("user", "refund?"),
    )
    full = [ModelCall("1", None, 1, [hi], [late]), ModelCall("2", None, 2, [hi, late, sorry], [refund])]
    window = [*full[:1], ModelCall("2", None, 2, [late, sorry], [refund])]
    fresh = [*full[:1], ModelCall("2", None, 2, [sorry], [refund])]
    for calls in (full, window, fresh):
        assert merge_calls(calls, "span")[0] == [hi, late, sorry, refund]
    repeated = [ModelCall("1", None, 1, [hi], [late]), ModelCall("2", None, 2, [hi], [done])]
    assert merge_calls(repeated, "span")[0] == [hi, late, hi, done], "a new 'hi' after the answer is a new message"
