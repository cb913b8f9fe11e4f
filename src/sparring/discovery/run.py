"""`discover()`: candidates from stored runs (and imported transcripts), one description each, themes.
Every input is checked before the first model call; nothing is written here (see proposals.py and
report.store_report for what the command writes)."""

from __future__ import annotations

from sparring.data_model import Run
from sparring.discovery.candidates import (
    Candidate,
    RunCandidates,
    TranscriptOutcomes,
    add_transcript_outcomes,
    read_outcomes,
    resolve_runs,
    run_candidates,
)
from sparring.discovery.describe import describe_all, prompt_hash
from sparring.discovery.report import DiscoveryReport, RunFigures, Undescribed
from sparring.discovery.themes import build_themes
from sparring.models import MeteredModel
from sparring.store import Store


def _figures(group: RunCandidates) -> RunFigures:
    unexplained = sum(1 for c in group.candidates if c.unexplained)
    return RunFigures(
        run_id=group.run_id,
        label=group.label,
        conversations=group.conversations,
        errored=group.errored,
        candidates=len(group.candidates),
        unexplained=unexplained,
        unexplained_share=unexplained / group.conversations if group.conversations else None,
    )


def gather_candidates(
    store: Store, run_refs: list[str], transcripts: TranscriptOutcomes | None = None
) -> tuple[list[Run], list[RunCandidates]]:
    """The runs named and every group's candidates; DiscoveryInputError on an unknown run or a transcripts
    file without the outcome field. No model is called."""
    runs = resolve_runs(store, run_refs)
    outcomes = read_outcomes(transcripts) if transcripts else None
    groups = [run_candidates(store, run) for run in runs]
    if transcripts and outcomes is not None:
        extra = add_transcript_outcomes(store, outcomes, transcripts, groups)
        if extra.conversations:
            groups.append(extra)
    return runs, groups


async def discover(
    groups: list[RunCandidates], model: MeteredModel | None, policy: str = "", seed: int = 0
) -> DiscoveryReport:
    """Describe every candidate of `groups` with `model` (None only when there is none), group the
    descriptions into themes, and report."""
    candidates: list[Candidate] = [c for g in groups for c in g.candidates]
    described = await describe_all(candidates, model, policy) if candidates and model else []
    themes, silhouette = build_themes(described, max(1, len(groups)), seed)
    return DiscoveryReport(
        runs=[_figures(g) for g in groups],
        candidates=len(candidates),
        unexplained=sum(1 for c in candidates if c.unexplained),
        described=sum(1 for d in described if d.description is not None),
        undescribed=[
            Undescribed(conversation_id=d.candidate.conversation.id, run_id=d.candidate.run_id, problem=d.problem)
            for d in described
            if d.description is None
        ],
        themes=themes,
        silhouette=silhouette,
        judge_model=model.name if model else "",
        prompt_hash=prompt_hash(),
    )
