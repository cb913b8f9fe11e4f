"""The real offline path: the embedded GGUF model plays every role, results go to a real SQLite file.

The 135M model is far too weak to judge well, so this asserts the plumbing, not the quality: real
generations, real tool calls recorded (valid or not), parsed or error verdicts, tokens counted.
"""

import pytest

from sparring import ChatRequest, EndReason, Message, Outcome, RunOptions, Store, create_model, run_suite
from sparring.data_model import ToolSpec
from sparring.models import default_model_spec

pytestmark = pytest.mark.real


async def test_embedded_model_generates_text_json_and_tool_calls():
    assert default_model_spec() == "local:smollm2"
    model = create_model("local:smollm2")
    text = await model.complete(ChatRequest(messages=[Message(role="user", content="Say hello.")], max_tokens=16))
    assert text.content.strip() and text.usage.completion_tokens > 0
    schema = {
        "type": "object",
        "properties": {"verdict": {"type": "string", "enum": ["pass", "fail"]}},
        "required": ["verdict"],
    }
    structured = await model.complete(
        ChatRequest(
            messages=[Message(role="user", content="Answer pass or fail in JSON.")],
            response_schema=schema,
            max_tokens=24,
        )
    )
    assert structured.content.strip().startswith("{") and '"verdict"' in structured.content
    tool = ToolSpec(
        name="lookup_order",
        description="Look up an order",
        parameters={"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
    )
    called = await model.complete(
        ChatRequest(
            messages=[
                Message(role="system", content="Use tools."),
                Message(role="user", content="Where is order O-1?"),
            ],
            tools=[tool],
            max_tokens=48,
        )
    )
    assert called.content or called.tool_calls
    await model.aclose()


async def test_embedded_model_end_to_end_two_scenarios_two_evaluations(example_suite, tmp_path):
    db = tmp_path / "real.db"
    store = Store.open(str(db))
    options = RunOptions(
        label="offline",
        scenario_ids=["late-40min-fee", "missing-item-garlic-bread"],
        evaluation_ids=["no_invented_policy", "refund_only_when_eligible"],
        max_turns=2,
    )
    result = await run_suite(example_suite, store, options)
    assert result.run.settings.judge == "local:smollm2"
    reopened = Store.open(str(db))
    conversations = reopened.conversations(result.run.id)
    assert len(conversations) == 2
    for conversation in conversations:
        assert conversation.end_reason in set(EndReason) - {EndReason.ERROR}, conversation.error
        assert conversation.turns[0].content and conversation.turns[1].role == "agent"
    verdicts = reopened.verdicts(result.run.id)
    assert len(verdicts) == 4
    judged = [v for v in verdicts if v.evaluation_id == "no_invented_policy"]
    assert all(v.judge_model == "local:smollm2" and v.prompt_hash for v in judged)
    assert all(v.outcome in set(Outcome) for v in verdicts)
    assert result.run.usage["simulator"].completion_tokens > 0 and result.run.usage["judge"].calls >= 2


async def test_prefix_cache_stays_within_its_memory_bound():
    """Each saved state also holds a logits copy; the cache must count it, or memory grows without bound."""
    model = create_model("local:smollm2")
    model.cache_bytes = 400 * 2**20
    for i in range(6):
        prompt = f"Question {i}: name a colour. " * 20
        await model.complete(ChatRequest(messages=[Message(role="user", content=prompt)], max_tokens=4))
    cache = model._llama.cache
    entries = list(cache.cache_state.values())
    assert entries and cache.cache_size <= 400 * 2**20
    assert cache.cache_size >= sum(e.scores.nbytes for e in entries), "the logits copies are counted"
    await model.aclose()


async def test_embedded_model_extracts_scenarios_from_two_transcripts(example_suite):
    """Real extraction offline: each transcript becomes a validated scenario or a rejection with a reason."""
    from pathlib import Path

    from sparring.data_model import TokenUsage
    from sparring.extraction import extract_scenarios
    from sparring.models import MeteredModel
    from sparring.transcripts import read_transcripts

    chats = Path(example_suite.root) / "transcripts" / "past_chats.jsonl"
    transcripts = [t for t in read_transcripts(chats).transcripts if t.id in ("h-1013", "h-1021")]
    usage = TokenUsage()
    model = create_model("local:smollm2")
    try:
        results = await extract_scenarios(example_suite, transcripts, MeteredModel(model, usage), retries=1)
    finally:
        await model.aclose()
    assert [r.transcript_id for r in results] == ["h-1013", "h-1021"]
    for result in results:
        assert (result.scenario is not None) != bool(result.problem)
        if result.scenario is not None:
            assert result.scenario.situation and result.scenario.persona.traits
            dumped = result.scenario.model_dump_json()
            assert "Jensen" not in dumped and "Becker" not in dumped
        else:
            assert result.problem.startswith("rejected after")
    assert usage.calls >= 2 and usage.completion_tokens > 0
