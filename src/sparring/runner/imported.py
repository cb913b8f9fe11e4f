"""Judging real (imported) transcripts as a run: the same context, store and commit path as a simulated run,
with only the judge's model. An interrupted one is finished, not started twice: `options.resume` names it, or
the same transcripts are judged again with the same label; only the transcripts it does not hold yet are judged,
under its lease."""

from __future__ import annotations

from dataclasses import replace

from sparring.agents import Agent
from sparring.data_model import Run, RunStatus, Scenario, TokenUsage, unstorable_character
from sparring.models import ModelPool
from sparring.runner.build import RunContext, configure_pool
from sparring.runner.lease import run_lease
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
    backend's state are not applicable to them. Finishes an interrupted run (see the module) instead of starting
    one; bad input (an id no database stores, a run to finish that judged other transcripts) is a ValueError
    before anything is written."""
    options = options or RunOptions()
    # Only the judge is needed: the simulator and agent roles are recorded as "none", never resolved or opened.
    options = replace(options, models=replace(options.models, simulator=NO_MODEL, agent_model=NO_MODEL))
    check_transcript_ids(transcripts)
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        fresh_id, run = _imported_run(suite, store, transcripts, source, options)
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
        if run.id == fresh_id:
            store.save_run(run)  # the lease row needs its run; a stored one is written under its lease
        async with run_lease(store, run.id, options.lease_timeout_s) as lease:
            plan = plan_run(run, scenarios, evaluations, store, None)  # the transcripts not stored yet
            return await execute_run(context, store, plan, replace(options, resume=None), observer, lease)
    finally:
        if own_pool:
            await pool.aclose()


def check_transcript_ids(transcripts: list[Transcript]) -> None:
    """ValueError naming the file and line of a transcript whose id holds a character no database stores alike
    (NUL, a lone surrogate: `sparring.data_model.text`), so it is refused before anything is written."""
    for transcript in transcripts:
        problem = unstorable_character(transcript.id)
        if problem:
            shown = transcript.id.replace("\x00", "\\0")
            raise ValueError(f"{transcript.source}: transcript id {shown!r} contains {problem}")


def unfinished(run: Run | None) -> Run | None:
    """`run` running again when it is not completed (interrupted, killed, failed, stopped), else None."""
    if run is None or run.status == RunStatus.COMPLETED:
        return None
    return run.model_copy(update={"status": RunStatus.RUNNING, "finished_at": None})


def _imported_run(
    suite: Suite, store: Store, transcripts: list[Transcript], source: str, options: RunOptions
) -> tuple[str, Run]:
    """(a new run's id, the run to judge into): `options.resume` (its own settings), the unfinished run labelled
    `options.label` when it judged these transcripts with these settings, else the new one."""
    fresh = new_run(suite, options).model_copy(
        update={"scenario_ids": [t.id for t in transcripts], "trials": 1, "source": source}
    )
    if options.resume:
        stored = store.get_run(options.resume)
        if stored.source == "simulated" or stored.suite != suite.name:
            raise ValueError(f"run {stored.id} is not an imported run of suite {suite.name!r}: nothing to finish")
        earlier = unfinished(stored)
        if earlier is None:
            raise ValueError(f"run {stored.id} is already completed")
    else:
        earlier = unfinished(store.labelled_run(fresh.label, suite.name)) if options.label else None
        if earlier is None:
            return fresh.id, fresh
        if (earlier.settings.judge, earlier.evaluation_ids) != (fresh.settings.judge, fresh.evaluation_ids):
            raise ValueError(
                f"run {earlier.id} labelled {fresh.label!r} is an unfinished judging by {earlier.settings.judge} of "
                f"{', '.join(earlier.evaluation_ids)}; finish it with --resume {earlier.id}, or choose another --label"
            )
    if earlier.scenario_ids != fresh.scenario_ids:
        raise ValueError(
            f"run {earlier.id} judged {len(earlier.scenario_ids)} other transcripts (from {earlier.source}), "
            f"not these {len(fresh.scenario_ids)}; finish it with its own file and options, or choose another --label"
        )
    return fresh.id, earlier


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
