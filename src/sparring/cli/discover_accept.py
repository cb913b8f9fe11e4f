"""`sparring discover --accept ID --suite SUITE`: the draft judge moved into the suite and enabled, the runs its
theme came from judged again with it alone (`sparring.runner.rejudge`), then a terminal labelling session on
those verdicts and the `sparring calibrate` command. Everything before the session is undone on a failure; a
killed --accept (nothing undone) is finished by `--accept ID --resume`: each run judged already is kept, an
interrupted one finished."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from rich.markup import escape

from sparring.calibration import pending_sample
from sparring.cli.common import console, fail, open_store
from sparring.cli.labelling import default_labeller, labelling_session
from sparring.data_model import Outcome, Run, Verdict
from sparring.discovery import DiscoveryInputError, draft_runs, is_accepted, provisional_accept
from sparring.models import ModelError
from sparring.runner import RunOptions, rejudged_once
from sparring.store import NotFound, RunLeased, Store
from sparring.suite import Suite, SuiteError, load_suite

UNCHANGED = "nothing moved, suite.yaml unchanged"


def _rejudge_label(evaluation_id: str, index: int) -> str:
    return f"{evaluation_id}-labelling" + (f"-{index + 1}" if index else "")


def _check_judged(evaluation_id: str, verdicts: list[Verdict]) -> None:
    """DiscoveryInputError when no conversation got a pass or fail verdict: nothing to label or calibrate."""
    if any(v.outcome in (Outcome.PASS, Outcome.FAIL) for v in verdicts):
        return
    counts = ", ".join(f"{n} {o.value}" for o, n in Counter(v.outcome for v in verdicts).items()) or "no verdict"
    reason = next((f"; first error: {v.reasoning}" for v in verdicts if v.outcome == Outcome.ERROR), "")
    raise DiscoveryInputError(f"judging again with {evaluation_id} gave no pass or fail verdict ({counts}{reason})")


def _rejudge(
    store: Store, suite: Path, evaluation_id: str, refs: list[str], judge_model: str | None, cache: bool
) -> tuple[Suite, list[Run], list[Verdict]]:
    """Judge `refs` (default: the theme's runs) again with the accepted draft alone: each labelled rejudge made
    once (kept when done, finished when interrupted)."""
    enabled = load_suite(suite)
    refs = refs or draft_runs(store, enabled.name, evaluation_id)
    options = RunOptions(cache=cache)
    runs = [
        asyncio.run(
            rejudged_once(store, enabled, ref, [evaluation_id], judge_model, _rejudge_label(evaluation_id, i), options)
        )
        for i, ref in enumerate(refs)
    ]
    verdicts = [v for r in runs for v in store.verdicts(r.id) if v.evaluation_id == evaluation_id]
    _check_judged(evaluation_id, verdicts)
    return enabled, runs, verdicts


def _enable_and_rejudge(
    store: Store, suite: Path, evaluation_id: str, refs: list[str], judge_model: str | None, cache: bool, resume: bool
) -> tuple[Suite, list[Run], list[Verdict]]:
    """Accept the draft, then judge the runs again (`_rejudge`); any failure undoes the accept. With `resume`, the
    draft was accepted by an interrupted --accept: only the judging is done (and nothing undone)."""
    if resume:
        if not is_accepted(suite, evaluation_id):
            raise DiscoveryInputError(f"--resume: {evaluation_id} is not accepted into {suite}; use --accept alone")
        return _rejudge(store, suite, evaluation_id, refs, judge_model, cache)
    with provisional_accept(suite, evaluation_id):
        return _rejudge(store, suite, evaluation_id, refs, judge_model, cache)


def _print_judged(evaluation_id: str, runs: list[Run], verdicts: list[Verdict]) -> None:
    console.print(f"moved the draft into the suite and enabled it: `- use: {evaluation_id}` in suite.yaml")
    counts = Counter(v.outcome.value for v in verdicts)
    judged = ", ".join(f"{r.id} ({r.label}, from {r.rejudged_from})" for r in runs)
    tally = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
    console.print(f"judged again with {evaluation_id}: {escape(judged)}: {tally}", highlight=False)


def _label_now(store: Store, enabled: Suite, evaluation_id: str, verdicts: list[Verdict], sample: int) -> None:
    """The terminal labelling session on a stratified sample of the new verdicts."""
    who = default_labeller()
    chosen = pending_sample(store, evaluation_id, verdicts, who, sample)
    if not chosen:
        console.print(f"nothing left to label for {evaluation_id} (labeller {who})")
        return
    spec = next(e for e in enabled.evaluations if e.id == evaluation_id)
    labelling_session(store, spec, enabled.policy, chosen, who)


def accept(
    suite: Path | None,
    evaluation_id: str,
    runs: list[str],
    judge_model: str | None,
    sample: int,
    label: bool,
    cache: bool,
    db: str | None,
    resume: bool = False,
) -> None:
    """Accept the draft `evaluation_id` into `suite`, judge `runs` (default: the theme's) with it, label a sample;
    `resume`: finish an interrupted accept."""
    if suite is None:
        raise fail("--accept needs --suite SUITE (the suite whose drafts/ holds the draft)")
    try:
        load_suite(suite)
    except SuiteError as exc:
        raise fail(str(exc)) from exc
    store = open_store(db)
    try:
        enabled, judged, verdicts = _enable_and_rejudge(store, suite, evaluation_id, runs, judge_model, cache, resume)
    except (DiscoveryInputError, NotFound, ValueError, ModelError, RunLeased) as exc:
        kept = "the draft stays accepted; finish with --accept ID --resume" if resume else UNCHANGED
        raise fail(f"{exc} ({kept})") from exc
    _print_judged(evaluation_id, judged, verdicts)
    if label:
        _label_now(store, enabled, evaluation_id, verdicts, sample)
    else:
        for run in judged:
            command = f"sparring label {run.id} --suite {suite} --eval {evaluation_id}"
            console.print(f"label: {command}", highlight=False)
    console.print(f"then calibrate: sparring calibrate --suite {suite} --eval {evaluation_id}", highlight=False)
