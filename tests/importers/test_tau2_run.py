"""An imported τ² suite runs end to end through `run_suite`: its own backend (τ²'s environment), a chatbot that
makes the task's gold calls earns τ²'s reward, one that skips a write does not."""

from __future__ import annotations

import sys

import tau2  # noqa: F401 - the importer's extra: the dev extra installs it, so CI runs these tests

from sparring import ModelPool, Outcome, RoleOverrides, RunOptions, ScriptedModel, Store, load_suite, run_suite
from sparring.importers.tau2_domain import load_domain
from sparring.importers.tau2_suite import write_suite
from sparring.simulator import ScriptedCustomer

AGENT = '''
"""A chatbot under test that makes fixed tool calls, then says what it must communicate."""
CALLS = []
SAY = ""


async def respond(messages, tools):
    if len(messages) > 1:  # one answer per conversation
        return "Anything else?"
    for name, arguments in CALLS:
        try:
            await tools.call(name, **arguments)
        except Exception:  # a refused call is recorded in the transcript; the chatbot goes on
            pass
    return "Done. " + SAY
'''


def first_task_with_a_write(domain):
    for task in domain.tasks:
        actions = task.evaluation_criteria.actions or []
        if any(a.name.startswith(("cancel", "modify", "exchange", "return")) for a in actions):
            return task
    raise AssertionError("retail has tasks that write")


async def run_with(suite, task, calls, tmp_path, monkeypatch):
    module = tmp_path / "gold_bot.py"
    module.write_text(AGENT, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("gold_bot", None)
    import gold_bot

    gold_bot.CALLS = calls
    gold_bot.SAY = " ".join(task.evaluation_criteria.communicate_info or [])
    scenario = next(s for s in suite.scenarios if s.id.endswith(f"-{task.id}"))
    pool = ModelPool()
    pool.add(ScriptedModel(lambda request: "unused", name="scripted:unused"))
    options = RunOptions(
        scenario_ids=[scenario.id], models=RoleOverrides(model="scripted:unused", agent="gold_bot:respond")
    )
    store = Store.open(str(tmp_path / f"{len(calls)}.db"))
    result = await run_suite(suite, store, options, pool, customer=lambda *_: ScriptedCustomer(["Hi, I need help."]))
    verdicts = {v.evaluation_id: v for v in store.verdicts(result.run.id)}
    return verdicts


async def test_gold_calls_earn_the_reward_and_a_skipped_write_does_not(tmp_path, monkeypatch):
    domain = load_domain("retail")
    write_suite(domain, tmp_path / "suite")
    suite = load_suite(tmp_path / "suite")
    assert type(suite.backend_factory()).__name__ == "Tau2BackendFactory"
    task = first_task_with_a_write(domain)
    gold = [(a.name, a.arguments) for a in task.evaluation_criteria.actions]
    passed = await run_with(suite, task, gold, tmp_path, monkeypatch)
    assert passed["tau2_reward"].outcome == Outcome.PASS, passed["tau2_reward"].reasoning
    assert passed["expected_actions_taken"].outcome == Outcome.PASS
    write = max(i for i, (name, _) in enumerate(gold) if name.startswith(("cancel", "modify", "exchange", "return")))
    skipped = await run_with(suite, task, gold[:write] + gold[write + 1 :], tmp_path, monkeypatch)
    assert skipped["tau2_reward"].outcome == Outcome.FAIL and "DB" in skipped["tau2_reward"].reasoning
    assert skipped["expected_actions_taken"].outcome == Outcome.FAIL
