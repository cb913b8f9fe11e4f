"""Judging real (imported) transcripts as a run: the same context, store and commit path as a simulated run,
with only the judge's model."""

from __future__ import annotations

from dataclasses import replace

from sparring.agents import Agent
from sparring.data_model import Scenario, TokenUsage
from sparring.models import ModelPool
from sparring.runner.context import RunContext
from sparring.runner.run import (
    RunObserver,
    RunOptions,
    RunResult,
    configure_pool,
    execute_run,
    new_run,
    select_evaluations,
)
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
        context = RunContext(
            suite,
            run,
            pool,
            _no_agent,
            evaluations,
            suite.evaluator(evaluations),
            scenarios={t.id: imported_scenario(t) for t in transcripts},
            transcripts={t.id: t for t in transcripts},
        )
        return await execute_run(context, store, options, observer)
    finally:
        if own_pool:
            await pool.aclose()


def _no_agent(_usage: TokenUsage, _trial: int) -> Agent:
    raise RuntimeError("an imported run judges recorded conversations: it has no chatbot to call")


def imported_scenario(transcript: Transcript) -> Scenario:
    """The stand-in scenario of an imported transcript: its tags (metadata "tags") decide applicability."""
    tags = transcript.metadata.get("tags") or []
    return Scenario(
        id=transcript.id,
        title=f"imported from {transcript.source}",
        situation="a real conversation, imported",
        desired_outcome="unknown",
        tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
        source=transcript.source,
    )
