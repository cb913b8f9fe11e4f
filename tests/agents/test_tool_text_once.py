"""The reference agent is sent every earlier tool answer at each model call; each answer is encoded as JSON once,
not once per later call, and a record given a new result is encoded anew."""

import json
import types

from sparring.agents import RawContext
from sparring.agents import history as history_module
from sparring.data_model import CustomerTurn, ToolCallRecord


async def test_each_answer_is_encoded_once(monkeypatch):
    encoded: list[object] = []

    def dumps(value, **kwargs):
        encoded.append(value)
        return json.dumps(value, **kwargs)

    monkeypatch.setattr(history_module, "json", types.SimpleNamespace(dumps=dumps, loads=json.loads))
    context = RawContext()
    turns = [CustomerTurn(content="where is my order?")]
    records: list[ToolCallRecord] = []
    for index in range(6):  # six rounds of one call each, as an agent making a task's calls one by one
        records.append(ToolCallRecord(id=f"c{index}", name="lookup", arguments={}, result={"n": index}))
        messages = await context.messages("policy", turns, list(records))
    assert [m.content for m in messages if m.role == "tool"] == [json.dumps({"n": i}) for i in range(6)]
    assert len(encoded) == 6
    records[2].result = {"n": 20}
    records[3].error = "refused"
    messages = await context.messages("policy", turns, records)
    tool_texts = [m.content for m in messages if m.role == "tool"]
    assert tool_texts[2] == json.dumps({"n": 20}) and tool_texts[3] == json.dumps({"error": "refused"})
    assert len(encoded) == 8
