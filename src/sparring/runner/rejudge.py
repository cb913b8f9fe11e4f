"""Rejudging a stored run: its conversations judged again — new or changed evaluations, another judge model —
without simulating anything. The result is a NEW run (label `<label>-rejudged`), so the original stays as it
was and reports, `compare` and gates work on both: its conversations are copies of the original's (same
scenarios, trials, turns, tool calls and final states, under the new run's ids), the rejudged evaluations get
new verdicts, the original's other evaluations keep theirs, and `rejudged_from` names the original run.

An interrupted rejudge (killed, Ctrl-C, a failure) is finished, never started twice: `plan_resumed_rejudge` (or
the same rejudge again with the same label) copies and judges only the conversations the new run does not hold
yet, under its own id and lease; nothing is ever simulated."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sparring.data_model import Conversation, Run, RunStatus, Scenario, Verdict
from sparring.evaluations import SIMULATOR_FAMILY, EvaluationSpec
from sparring.models import ModelPool
from sparring.runner.build import RunContext, configure_pool
from sparring.runner.imported import no_agent, stand_in_scenario, unfinished
from sparring.runner.lease import run_lease
from sparring.runner.plan import RunOptions, RunPlan, conversation_id, new_run_id, select_evaluations
from sparring.runner.record import RunObserver, RunResult
from sparring.runner.run import execute_run
from sparring.store import Store
from sparring.suite import Suite


@dataclass
class Rejudging:
    """A rejudge worked out before any model call: the new run (`stored`: an interrupted one being finished), the
    evaluations judged again, and per new conversation id the copied conversation and the verdicts it keeps."""

    run: Run
    evaluations: list[EvaluationSpec]
    scenarios: dict[str, Scenario]
    stored: bool = False
    recorded: dict[str, Conversation] = field(default_factory=dict)
    kept: dict[str, list[Verdict]] = field(default_factory=dict)

    def plan(self) -> RunPlan:
        """Every copied conversation is pending: judged, never simulated."""
        pending = [(self.scenarios[c.scenario_id], c.trial) for c in self.recorded.values()]
        return RunPlan(self.run, pending, self.evaluations)


async def rejudge_run(
    store: Store,
    suite: Suite,
    run_ref: str,
    evaluation_ids: list[str] | None = None,
    judge_model: str | None = None,
    label: str | None = None,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Judge the stored run `run_ref` (id, id prefix or label) again with the suite's evaluations (`evaluation_ids`:
    only these; None: every evaluation of the suite), by `judge_model` (default: the run's judge), into a new run
    labelled `label` (default `<label>-rejudged`). Only the judge is called. Bad input (an unknown run or
    evaluation, another suite's run, scenarios the suite lost, a run with nothing stored) raises before any
    model call or stored row. `options` sets concurrency, retries, timeout, cache and the cost limit."""
    rejudging = plan_rejudge(store, suite, run_ref, evaluation_ids, judge_model, label)
    return await execute_rejudge(store, suite, rejudging, options, pool, observer)


async def execute_rejudge(
    store: Store,
    suite: Suite,
    rejudging: Rejudging,
    options: RunOptions | None = None,
    pool: ModelPool | None = None,
    observer: RunObserver | None = None,
) -> RunResult:
    """Judge a planned rejudge's conversations and store them as its new run (see `rejudge_run`), holding the
    run's lease (RunLeased when another live process is finishing it)."""
    options = options or RunOptions()
    own_pool = pool is None
    pool = configure_pool(pool or ModelPool(), options, store)
    try:
        settings = rejudging.run.settings
        pool.get(settings.judge, settings.base_url)  # a misconfigured judge fails before anything is written
        context = RunContext(
            suite,
            rejudging.run,
            pool,
            no_agent,
            rejudging.evaluations,
            suite.evaluator(rejudging.evaluations),
            recorded=rejudging.recorded,
            kept=rejudging.kept,
        )
        if not rejudging.stored:
            store.save_run(rejudging.run)  # the lease row needs its run; a stored one is written under its lease
        async with run_lease(store, rejudging.run.id, options.lease_timeout_s) as lease:
            plan = rejudging.plan()
            return await execute_run(context, store, plan, replace(options, resume=None), observer, lease)
    finally:
        if own_pool:
            await pool.aclose()


async def rejudged_once(
    store: Store,
    suite: Suite,
    run_ref: str,
    evaluation_ids: list[str],
    judge_model: str | None,
    label: str,
    options: RunOptions | None = None,
) -> Run:
    """The rejudge of `run_ref` labelled `label`, made once: the completed one when the newest run of that label
    is a rejudge of the same run by the same judge of the same evaluations, else the unfinished one finished or a
    new one made (`plan_rejudge`). What a resumed multi-run command (`discover --accept --resume`) calls."""
    done = store.labelled_run(label, suite.name)
    if done is not None and unfinished(done) is None:
        fresh = _rejudged_run(store.get_run(run_ref), select_evaluations(suite, evaluation_ids), judge_model, label)
        if _same_rejudge(done, fresh):
            return done
    rejudging = plan_rejudge(store, suite, run_ref, evaluation_ids, judge_model, label)
    return (await execute_rejudge(store, suite, rejudging, options)).run


def plan_rejudge(
    store: Store,
    suite: Suite,
    run_ref: str,
    evaluation_ids: list[str] | None = None,
    judge_model: str | None = None,
    label: str | None = None,
) -> Rejudging:
    """The rejudge of `run_ref` as `rejudge_run` describes it, read from the store; writes nothing. When the newest
    run of that label is an unfinished rejudge of the same run, by the same judge, of the same evaluations, this
    finishes it (a ValueError when it is another rejudge: choose another label)."""
    origin = store.get_run(run_ref)
    evaluations = select_evaluations(suite, evaluation_ids or [])
    fresh = _rejudged_run(origin, evaluations, judge_model, label)
    earlier = unfinished(store.labelled_run(fresh.label, suite.name))
    if earlier is not None and not _same_rejudge(earlier, fresh):
        raise ValueError(
            f"run {earlier.id} labelled {fresh.label!r} is an unfinished rejudge of {earlier.rejudged_from} "
            f"by {earlier.settings.judge} of {', '.join(earlier.rejudged_evaluation_ids) or 'other evaluations'}; "
            f"finish it with `sparring rejudge --resume {earlier.id}`, or choose another --label"
        )
    return _planned(store, suite, origin, earlier or fresh, evaluations, stored=earlier is not None)


def _same_rejudge(stored: Run, fresh: Run) -> bool:
    """Whether a stored rejudge is the one `fresh` would make: of the same run, by the same judge, of the same
    evaluations."""

    def key(run: Run) -> tuple[str | None, str, list[str]]:
        return run.rejudged_from, run.settings.judge, run.rejudged_evaluation_ids

    return key(stored) == key(fresh)


def plan_resumed_rejudge(store: Store, suite: Suite, run_ref: str) -> Rejudging:
    """The rest of the interrupted rejudge `run_ref`: its conversations not yet stored, copied from the original
    run and judged by its judge with its evaluations (ValueError when it is no rejudge or already completed)."""
    stored = store.get_run(run_ref)
    run = unfinished(stored)
    if stored.rejudged_from is None:
        raise ValueError(f"run {stored.id} is not a rejudged run; finish it with `sparring run --resume {stored.id}`")
    if run is None:
        raise ValueError(f"run {stored.id} is already completed")
    if not run.rejudged_evaluation_ids:
        raise ValueError(f"run {run.id} was made by an older Sparring that did not record what it judged again")
    evaluations = select_evaluations(suite, run.rejudged_evaluation_ids)
    return _planned(store, suite, store.get_run(stored.rejudged_from), run, evaluations, stored=True)


def _planned(
    store: Store, suite: Suite, origin: Run, run: Run, evaluations: list[EvaluationSpec], stored: bool
) -> Rejudging:
    """Every conversation of `origin` that `run` (`stored`: an interrupted one) does not hold yet, copied under
    `run`'s ids with the verdicts it keeps."""
    if origin.suite != suite.name:
        raise ValueError(f"run {origin.id} belongs to suite {origin.suite!r}, not {suite.name!r}")
    conversations = store.conversations(origin.id)
    if not conversations:
        raise ValueError(f"run {origin.id} has no stored conversation to rejudge")
    scenarios = _scenarios(suite, origin, conversations)
    rejudged_ids = {e.id for e in evaluations}
    old_verdicts: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in store.verdicts(origin.id):
        if verdict.evaluation_id in run.evaluation_ids and verdict.evaluation_id not in rejudged_ids:
            old_verdicts[verdict.conversation_id].append(verdict)
    rejudging = Rejudging(run, evaluations, scenarios, stored)
    done = store.conversation_ids(run.id)
    for conversation in conversations:
        cid = conversation_id(run.id, conversation.scenario_id, conversation.trial)
        if cid in done:
            continue
        rejudging.recorded[cid] = conversation.model_copy(update={"id": cid, "run_id": run.id})
        rejudging.kept[cid] = [v.model_copy(update={"conversation_id": cid}) for v in old_verdicts[conversation.id]]
    return rejudging


def _rejudged_run(origin: Run, evaluations: list[EvaluationSpec], judge_model: str | None, label: str | None) -> Run:
    """The new run: the original's settings (the judge replaced when given), its evaluations that are kept and
    those judged again, nothing spent yet."""
    started = datetime.now(UTC)
    rejudged = [e.id for e in evaluations]
    kept = [e for e in origin.evaluation_ids if e not in rejudged]
    simulator_ids = set(origin.simulator_evaluation_ids) - set(rejudged)
    simulator_ids |= {e.id for e in evaluations if e.family == SIMULATOR_FAMILY}
    ids = kept + rejudged
    return origin.model_copy(
        update={
            "id": new_run_id(started),
            "label": label or f"{origin.label}-rejudged",
            "settings": origin.settings.model_copy(update={"judge": judge_model or origin.settings.judge}),
            "evaluation_ids": ids,
            "simulator_evaluation_ids": [e for e in ids if e in simulator_ids],
            "status": RunStatus.RUNNING,
            "started_at": started,
            "finished_at": None,
            "usage": {},
            "call_stats": {},
            "cost_usd": {},
            "rejudged_from": origin.id,
            "rejudged_evaluation_ids": rejudged,
        }
    )


def _scenarios(suite: Suite, origin: Run, conversations: list[Conversation]) -> dict[str, Scenario]:
    """The scenario of each conversation: the suite's for a simulated run (refused when the suite lost one), a
    stand-in for an imported transcript."""
    needed = sorted({c.scenario_id for c in conversations})
    if origin.source != "simulated":
        return {s: stand_in_scenario(s, origin.source, []) for s in needed}
    by_id = {s.id: s for s in suite.scenarios}
    missing = [s for s in needed if s not in by_id]
    if missing:
        raise ValueError(f"run {origin.id} needs scenarios the suite no longer has: {', '.join(missing)}")
    return {s: by_id[s] for s in needed}
