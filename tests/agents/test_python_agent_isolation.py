"""A `module:Class` chatbot gets its own instance per conversation, and `module:` is imported from the suite's
folder first, then the working directory (real path: run_suite over the demo suite copied to a temp folder)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from scripted_world import world_model
from sparring import ModelPool, RoleOverrides, RunOptions, Store, run_suite
from sparring.agents import AgentLoadError, load_python_agent
from sparring.simulator import ScriptedCustomer
from sparring.suite.loader import load_suite

STATEFUL_BOT = '''
import asyncio


class MemoryBot:
    """Keeps the conversation on self, as a deployed bot's session object would."""

    def __init__(self):
        self.first = None

    async def respond(self, messages, tools):
        await asyncio.sleep(0.01)  # conversations interleave while it thinks
        if self.first is None:
            self.first = messages[-1].content
        return "You first said: " + self.first


def keyed_bot(messages, tools, conversation_id):
    SEEN.setdefault(conversation_id, messages[-1].content)
    return "You first said: " + SEEN[conversation_id]


SEEN = {}


class BrokenBot:
    def __init__(self):
        raise RuntimeError("no database configured")

    def respond(self, messages, tools):
        return "never"
'''


def opening(scenario_id: str, trial: int) -> str:
    return f"I am {scenario_id} trial {trial}"


def customer(scenario, trial, _model, _seed):
    return ScriptedCustomer([opening(scenario.id, trial), "What did I say first?"])


@pytest.fixture
def bot_suite(suite_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (suite_copy / "memory_bot.py").write_text(STATEFUL_BOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the loader puts the suite's folder first; undone after
    monkeypatch.delitem(sys.modules, "memory_bot", raising=False)
    return suite_copy


@pytest.mark.parametrize("spec", ["memory_bot:MemoryBot", "memory_bot:keyed_bot"])
async def test_stateful_bot_at_concurrency_8_never_sees_another_conversation(bot_suite, tmp_path, spec):
    suite = load_suite(bot_suite)
    pool = ModelPool()
    pool.add(world_model())
    plain = [s.id for s in suite.scenarios if not s.opening_turns()]  # the bot sees the scripted opening first
    options = RunOptions(
        scenario_ids=plain,
        trials=3,
        concurrency=8,
        evaluation_ids=["no_invented_order_facts"],
        models=RoleOverrides(model="scripted:world", agent=spec),
    )
    store = Store.open(str(tmp_path / "s.db"))
    result = await run_suite(suite, store, options, pool, customer=customer)
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 3 * len(plain) >= 8
    for conversation in conversations:
        said = [t.content for t in conversation.turns if t.role == "agent"]
        expected = "You first said: " + opening(conversation.scenario_id, conversation.trial)
        assert said == [expected, expected], conversation.id


def test_suite_folder_wins_over_the_working_directory(bot_suite, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "memory_bot.py").write_text("class MemoryBot:\n    WHERE = 'cwd'\n    def respond(self, m, t): return ''\n")
    (bot_suite / "memory_bot.py").write_text(STATEFUL_BOT + "\nMemoryBot.WHERE = 'suite'\n")
    monkeypatch.chdir(cwd)
    bot = load_python_agent("memory_bot:MemoryBot", search_path=bot_suite)
    assert bot.target.WHERE == "suite"


def test_working_directory_is_the_fallback_and_a_missing_module_names_both_places(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "cwd_only_bot", raising=False)
    suite_dir, cwd = tmp_path / "suite", tmp_path / "cwd"
    suite_dir.mkdir()
    cwd.mkdir()
    (cwd / "cwd_only_bot.py").write_text("def bot(messages, tools):\n    return 'from cwd'\n")
    monkeypatch.chdir(cwd)
    agent = load_python_agent("cwd_only_bot:bot", search_path=suite_dir).agent()
    assert asyncio.run(agent.respond([], None)).content == "from cwd"  # type: ignore[arg-type]
    with pytest.raises(AgentLoadError) as info:
        load_python_agent("no_such_bot_module:Bot", search_path=suite_dir)
    assert str(suite_dir) in str(info.value) and str(cwd) in str(info.value)


async def test_a_bot_whose_constructor_fails_is_the_chatbots_error_and_the_run_goes_on(bot_suite, tmp_path):
    suite = load_suite(bot_suite)
    pool = ModelPool()
    pool.add(world_model())
    options = RunOptions(
        scenario_ids=["late-40min-fee"],
        trials=2,
        models=RoleOverrides(model="scripted:world", agent="memory_bot:BrokenBot"),
    )
    store = Store.open(str(tmp_path / "s.db"))
    result = await run_suite(suite, store, options, pool, customer=customer)
    conversations = store.conversations(result.run.id)
    assert len(conversations) == 2
    assert all(c.error_kind == "chatbot_error" and "no database configured" in (c.error or "") for c in conversations)
