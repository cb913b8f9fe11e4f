"""Which conversations need an explanation, and which of them no evaluation explains.

A conversation is a candidate when a chatbot evaluation failed on it (the simulator family is left out:
it judges the simulated customer), when it ended `gave_up` or `escalated`, when the simulated customer's
analysis says the issue was not addressed at the end, that the talk went in circles or that frustration
rose, or (imported transcripts) when its outcome field is negative. It is *unexplained* when it is unhappy
by those signals while no chatbot evaluation failed on it. Errored conversations are neither: they are
counted apart and left out of every denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sparring.data_model import Conversation, CustomerAnalysis, EndReason, Outcome, Run, Verdict
from sparring.store import NotFound, Store
from sparring.transcripts import Transcript, TranscriptError, read_transcripts

NEGATIVE_OUTCOMES = frozenset(
    {"negative", "bad", "fail", "failed", "failure", "unresolved", "not_resolved", "escalated", "abandoned"}
    | {"thumbs_down", "unhappy", "dissatisfied", "no", "false", "0"}
)


class DiscoveryInputError(ValueError):
    """Bad input to discover (an unknown run, a transcripts file without the outcome field): one line."""


@dataclass
class Candidate:
    """One conversation that needs an explanation, with the reasons it was picked."""

    conversation: Conversation
    run_id: str
    failed: list[str] = field(default_factory=list)  # chatbot evaluations that failed on it
    signals: list[str] = field(default_factory=list)  # unhappy signals: end reason, analysis, outcome field
    stored: bool = True  # False for an imported transcript that is in no stored run

    @property
    def unexplained(self) -> bool:
        """Unhappy by the signals while no chatbot evaluation failed on it."""
        return bool(self.signals) and not self.failed


@dataclass
class RunCandidates:
    """One run's (or one transcripts file's) candidates and the conversations they come from."""

    run_id: str
    label: str
    conversations: int  # not errored: the denominator of the unexplained share
    errored: int
    candidates: list[Candidate]


@dataclass
class TranscriptOutcomes:
    """Imported transcripts whose metadata field `field` says how the conversation went."""

    file: Path
    field: str = "outcome"


def unhappy_signals(conversation: Conversation) -> list[str]:
    """The end reason and the simulated customer's own analysis, as short reasons."""
    signals: list[str] = []
    if conversation.end_reason in (EndReason.GAVE_UP, EndReason.ESCALATED):
        signals.append(f"ended {conversation.end_reason.value}")
    analyses = [t.analysis for t in conversation.customer_turns() if t.analysis is not None]
    final = conversation.final_analysis or (analyses[-1] if analyses else None)
    if final is not None and not final.issue_addressed:
        signals.append("issue not addressed at the end")
    if any(a.going_in_circles for a in [*analyses, *([final] if final else [])]):
        signals.append("going in circles")
    signals.extend(_frustration_rose(analyses, final))
    return signals


def _frustration_rose(analyses: list[CustomerAnalysis], final: CustomerAnalysis | None) -> list[str]:
    if not analyses or final is None or final.frustration <= analyses[0].frustration:
        return []
    return [f"frustration rose ({analyses[0].frustration}→{final.frustration})"]


def negative_outcome(value: Any) -> bool:
    """An outcome field value that says the conversation went badly (False, 'unresolved', 'thumbs_down'...)."""
    if isinstance(value, bool):
        return not value
    return str(value).strip().lower().replace(" ", "_").replace("-", "_") in NEGATIVE_OUTCOMES


def resolve_runs(store: Store, refs: list[str]) -> list[Run]:
    """Every run named, or DiscoveryInputError naming the first unknown one."""
    runs: list[Run] = []
    for ref in refs:
        try:
            run = store.get_run(ref)
        except NotFound as exc:
            raise DiscoveryInputError(str(exc)) from exc
        if run.id not in {r.id for r in runs}:
            runs.append(run)
    return runs


def run_candidates(store: Store, run: Run) -> RunCandidates:
    """A stored run's candidates: failed chatbot evaluations and unhappy signals per conversation."""
    by_conversation: dict[str, list[Verdict]] = {}
    for verdict in store.verdicts(run.id):
        by_conversation.setdefault(verdict.conversation_id, []).append(verdict)
    simulator = set(run.simulator_evaluation_ids)
    conversations = [c for c in store.conversations(run.id) if c.error is None]
    errored = store.conversation_count(run.id) - len(conversations)
    found: list[Candidate] = []
    for conversation in conversations:
        verdicts = by_conversation.get(conversation.id, [])
        failed = sorted(
            v.evaluation_id for v in verdicts if v.outcome == Outcome.FAIL and v.evaluation_id not in simulator
        )
        signals = unhappy_signals(conversation)
        if failed or signals:
            found.append(Candidate(conversation, run.id, failed, signals))
    return RunCandidates(run.id, run.label, len(conversations), errored, found)


def read_outcomes(source: TranscriptOutcomes) -> list[Transcript]:
    """The file's transcripts; DiscoveryInputError when it cannot be read or none carries the outcome field."""
    try:
        transcripts = read_transcripts(source.file).transcripts
    except TranscriptError as exc:
        raise DiscoveryInputError(str(exc)) from exc
    if not any(source.field in t.metadata for t in transcripts):
        seen = sorted({key for t in transcripts for key in t.metadata})
        fields = ", ".join(seen) if seen else "none"
        raise DiscoveryInputError(
            f"{source.file}: no conversation has the outcome field {source.field!r} in its metadata "
            f"(metadata fields found: {fields}); name the field with --outcome-field"
        )
    return transcripts


def add_transcript_outcomes(
    store: Store, transcripts: list[Transcript], source: TranscriptOutcomes, runs: list[RunCandidates]
) -> RunCandidates:
    """Mark negative outcomes: on the conversation an imported run made of the transcript (its id is
    RUN:TRANSCRIPT:0) when one of the runs has it, else as a stand-alone candidate of the file's own group,
    whose denominator is the file's transcripts that no run holds."""
    stored = {cid: r for r in runs for cid in store.conversation_ids(r.run_id)}
    by_id = {c.conversation.id: c for r in runs for c in r.candidates}
    alone: list[Candidate] = []
    unmatched = 0
    for transcript in transcripts:
        hit = next((f"{r.run_id}:{transcript.id}:0" for r in runs if f"{r.run_id}:{transcript.id}:0" in stored), None)
        unmatched += hit is None
        if not negative_outcome(transcript.metadata.get(source.field, True)):
            continue
        signal = f"{source.field}: {transcript.metadata[source.field]}"
        if hit is None:
            alone.append(Candidate(transcript.to_conversation("transcripts"), str(source.file), [], [signal], False))
        elif hit in by_id:
            by_id[hit].signals.append(signal)
        else:
            stored[hit].candidates.append(Candidate(store.conversation(hit), stored[hit].run_id, [], [signal]))
    return RunCandidates(str(source.file), source.file.name, unmatched, 0, alone)
