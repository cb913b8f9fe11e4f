"""Described candidates into themes: grouping (grouping.py), then per theme its size, the share of runs
it appears in, representatives, and which existing evaluations already fail on its members."""

from __future__ import annotations

from collections import Counter

from sparring.discovery.describe import Described
from sparring.discovery.grouping import group_descriptions, representatives
from sparring.discovery.report import COVERED_AT, Member, Theme


def _member(item: Described) -> Member:
    assert item.description is not None
    candidate = item.candidate
    return Member(
        conversation_id=candidate.conversation.id,
        run_id=candidate.run_id,
        scenario_id=candidate.conversation.scenario_id,
        description=item.description.failure,
        turn=item.description.turn,
        quote=item.description.quote,
        failed=candidate.failed,
        signals=candidate.signals,
        stored=candidate.stored,
    )


def coverage(members: list[Member]) -> dict[str, float]:
    """Per evaluation, the share of the theme's members it failed on (members never judged count as not)."""
    counts = Counter(e for m in members for e in m.failed)
    return {e: n / len(members) for e, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def build_themes(described: list[Described], groups: int, seed: int = 0) -> tuple[list[Theme], float | None]:
    """Themes of the described candidates (largest first) and the silhouette of the chosen grouping;
    `groups` is how many runs (and transcript files) were analysed, for each theme's run share."""
    usable = [d for d in described if d.description is not None]
    if not usable:
        return [], None
    grouping = group_descriptions([d.description.failure for d in usable if d.description], seed)
    themes: list[Theme] = []
    for number in range(grouping.themes):
        members = [_member(d) for d, label in zip(usable, grouping.labels, strict=True) if label == number]
        shares = coverage(members)
        themes.append(
            Theme(
                id=f"T{number + 1}",
                title=", ".join(grouping.terms[number]) or "(no words)",
                size=len(members),
                run_share=len({m.run_id for m in members}) / groups,
                members=members,
                representatives=[usable[i].candidate.conversation.id for i in representatives(grouping, number)],
                coverage=shares,
                covered_by=[e for e, share in shares.items() if share >= COVERED_AT],
                unexplained=sum(1 for m in members if not m.failed),
            )
        )
    return themes, grouping.silhouette
