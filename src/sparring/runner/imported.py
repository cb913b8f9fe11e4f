"""Judging real (imported) transcripts as a run: the same context, store and commit path as a simulated run,
with only the judge's model."""

from __future__ import annotations

from dataclasses import replace

from sparring.agents import Agent
from sparring.data_model import Scenario, TokenUsage
from sparring.models import ModelPool
from sparring.runner.context import RunContext, configure_pool
from sparring.runner.plan import RunOptions, conversation_id, new_run, plan_run, select_evaluations
from sparring.runner.record import RunObserver, RunResult
from sparring.runner.run import execute_run
from sparring.store import Store
from sparring.suite import Suite
from sparring.transcripts import Transcript

NO_MODEL = "none"  # a role an imported run does not have (its simulator and agent)


async def evaluate_transcripts(
    suite: Suite,
    store: Store,
    transcripts: list[Transcript],
    source: str,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Judge real (imported) transcripts with the suite's evaluations: stored as a run like any other,
    so offline and online pass rates compare with `sparring compare`. Checks that need the mock
    backend's state are not applicable to them."""
    options = options or RunOptions()
    # Only the judge is needed: the simulator and agent roles are recorded as "none", never resolved or opened.
    options = replace(options, models=replace(options.models, simulator=NO_MODEL, agent_model=NO_MODEL))
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        run = new_run(suite, options).model_copy(
            update={"scenario_ids": [t.id for t in transcripts], "trials": 1, "source": source}
        )
        pool.get(run.settings.judge, run.settings.base_url)  # fail on a misconfigured judge before any work
        evaluations = select_evaluations(suite, run.evaluation_ids)
        scenarios = {t.id: imported_scenario(t) for t in transcripts}
        context = RunContext(
            suite,
            run,
            pool,
            no_agent,
            evaluations,
            suite.evaluator(evaluations),
            recorded={conversation_id(run.id, t.id, 0): t.to_conversation(run.id) for t in transcripts},
        )
        return await execute_run(context, store, plan_run(run, scenarios, evaluations, store, None), options, observer)
    finally:
        if own_pool:
            await pool.aclose()


def no_agent(_usage: TokenUsage, _trial: int) -> Agent:
    """The agent factory of a run that only judges recorded conversations: calling it is a bug."""
    raise RuntimeError("an imported run judges recorded conversations: it has no chatbot to call")


def imported_scenario(transcript: Transcript) -> Scenario:
    """The stand-in scenario of an imported transcript: its tags (metadata "tags") decide applicability."""
    tags = transcript.metadata.get("tags") or []
    return stand_in_scenario(transcript.id, transcript.source, tags if isinstance(tags, list) else [tags])


def stand_in_scenario(scenario_id: str, source: str, tags: list[object]) -> Scenario:
    """The scenario standing in for a real conversation imported from `source`, with these tags."""
    return Scenario(
        id=scenario_id,
        title=f"imported from {source}",
        situation="a real conversation, imported",
        desired_outcome="unknown",
        tags=[str(t) for t in tags],
        source=source,
    )
