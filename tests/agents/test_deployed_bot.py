"""A deployed bot tested unchanged: it answers on its own chat API and runs its own tool calls on the backend
Sparring serves it (MCP or REST). Real path: run_suite over the demo suite, the bot's chat server and the served
backend on 127.0.0.1, the official MCP client, a real SQLite store."""

from __future__ import annotations

import pytest

from deployed_bots import JSON_API, SCRIPT, DeployedBot, calls, outcomes, run, served
from sparring.data_model import EndReason
from sparring.suite.config import JsonApiConfig
from sparring.suite.loader import load_suite


@pytest.mark.parametrize(
    ("transport", "config"),
    [
        ("mcp", served()),
        ("rest", served()),
        ("mcp", served(chat_api="openai-chat", stream=True)),
        ("mcp", served(chat_api="openai-responses")),
        ("rest", served(chat_api="openai-responses", stream=True)),
        ("mcp", served(chat_api="json", json_api=JSON_API)),
    ],
    ids=["mcp", "rest", "chat-sse", "responses", "responses-sse-rest", "json-api"],
)
async def test_served_calls_are_recorded_exactly_as_in_process_calls(example_suite, tmp_path, transport, config):
    local, local_verdicts = await run(example_suite, tmp_path, "deployed_bots:InProcessBot")
    async with DeployedBot(transport) as bot:
        deployed, deployed_verdicts = await run(example_suite, tmp_path, bot.url, config)
    [before], [after] = local, deployed
    assert after.end_reason != EndReason.ERROR, after.error
    assert calls(after) == calls(before) and [c[0] for c in calls(after)] == [name for name, _ in SCRIPT]
    assert calls(after)[2][3].startswith("invalid arguments for lookup_order") and "unknown tool" in calls(after)[3][3]
    assert after.state_diff == before.state_diff and after.state_diff, "the refund is in both state diffs"
    assert after.turns[1].content == before.turns[1].content, "the bot saw the same answers the in-process bot did"
    assert outcomes(deployed, deployed_verdicts) == outcomes(local, local_verdicts)
    reported = after.turns[1].reported_tool_calls
    assert [c.name for c in reported] == ["lookup_order", "issue_refund"], "the bot's own report, kept apart"
    assert bot.headers[0]["X-Sparring-Backend"].startswith("http://127.0.0.1:")
    assert bot.headers[0]["X-Sparring-Session"] and "Authorization" not in bot.headers[0]
    if config.chat_api == "json":
        [request] = bot.requests
        assert request["text"] == "Hi, my order O-2002 came 40 minutes late."
        assert request["tag"] == "s-" + request["session"] == "s-" + bot.headers[0]["X-Sparring-Session"]
        assert request["history"] == [{"role": "user", "content": request["text"]}]


async def test_a_bot_calling_an_ended_conversations_backend_is_refused_and_the_run_goes_on(example_suite, tmp_path):
    """One after another, a bot that kept the first conversation's backend URL is refused there (the token of an
    ended conversation is dead): its later conversations are the chatbot's errors, the first keeps its own calls.
    (Two conversations both waiting on the bot cannot be told apart by the server: a bot that swaps their URLs
    shows in their transcripts, one with the other's calls.)"""
    async with DeployedBot("mcp", misbehave="stale-url") as bot:
        conversations, _ = await run(example_suite, tmp_path, bot.url, served(), trials=3, concurrency=1)
    first, *later = sorted(conversations, key=lambda c: c.trial)
    assert first.end_reason != EndReason.ERROR and len(calls(first)) == len(SCRIPT)
    assert len(later) == 2 and all(c.error_kind == "chatbot_error" and not calls(c) for c in later)
    assert all("HTTP 502" in (c.error or "") for c in later), [c.error for c in later]  # its backend failed it


@pytest.mark.parametrize(
    ("misbehave", "config", "cause"),
    [
        ("malformed-mcp", served(), "malformed MCP request: Parse error"),
        ("hang", served(timeout_s=0.5), "no complete reply within 0.5 s"),
        ("garbage-stream", served(stream=True), "stream carried an event that is not JSON"),
        (
            None,
            served(chat_api="json", json_api=JsonApiConfig(url_path="/chat", reply_path="data.reply")),
            "no 'data.reply'",
        ),
        ("http-500", served(), "the chatbot answered HTTP 500"),
        ("empty-stream", served(stream=True), "the chatbot's stream carried no event"),
        ("wrong-shape", served(chat_api="openai-responses"), "not in the openai-responses shape"),
    ],
)
async def test_bad_input_from_the_bot_is_a_chatbot_error_in_words(example_suite, tmp_path, misbehave, config, cause):
    async with DeployedBot("mcp", misbehave=misbehave) as bot:
        conversations, verdicts = await run(example_suite, tmp_path, bot.url, config, trials=2)
    assert len(conversations) == 2
    for conversation in conversations:
        assert conversation.end_reason == EndReason.ERROR and conversation.error_kind == "chatbot_error"
        assert cause in (conversation.error or ""), conversation.error
    assert set(verdicts.values()) == {"error"}


async def test_the_bots_own_key_goes_only_to_the_bot(example_suite, tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_KEY", "bot-secret-5d1e")
    async with DeployedBot("mcp") as bot:
        conversations, _ = await run(example_suite, tmp_path, bot.url, served(api_key_env="BOT_KEY"))
    assert conversations[0].end_reason != EndReason.ERROR, conversations[0].error
    assert bot.headers[0]["Authorization"] == "Bearer bot-secret-5d1e"
    assert "bot-secret-5d1e" not in bot.headers[0]["X-Sparring-Backend"]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("*.db*"))
    assert b"bot-secret-5d1e" not in stored


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_suite_tool_that_crashes_is_the_suites_fault_not_the_bots(suite_copy, tmp_path, transport):
    tools = suite_copy / "tools.py"
    tools.write_text(tools.read_text() + "\n\n@tool\ndef crash(db: BackendState) -> dict:\n    return {}['bug']\n")
    suite = load_suite(suite_copy)
    async with DeployedBot(transport, script=[("crash", {})]) as bot:
        conversations, _ = await run(suite, tmp_path, bot.url, served())
    [conversation] = conversations
    assert conversation.error_kind == "backend_error", conversation.error
    assert "tool crash crashed: KeyError" in (conversation.error or "")
