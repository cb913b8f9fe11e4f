"""Drafts for uncovered themes: a judge (YAML + a .j2 extending the library's judge frame) in
SUITE/evaluations/drafts/ and 1–3 scenarios in SUITE/drafts/scenarios/. The suite loader reads only
SUITE/evaluations/*.yaml and the scenario files its `scenarios:` entry names (neither recursively), so
a draft is never enabled by being written (accept.py moves one into the suite and enables it)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from sparring.data_model import Scenario
from sparring.discovery.candidates import DiscoveryInputError
from sparring.discovery.report import DiscoveryReport, Theme
from sparring.output_paths import OutputPathError, check_output_folder

EVALUATION_DRAFTS = Path("evaluations") / "drafts"
SCENARIO_DRAFTS = Path("drafts") / "scenarios"
MAX_SCENARIOS = 3


def _slug(words: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")[:40] or "theme"


def _raw(text: str) -> str:
    """Text safe inside {% raw %}: it cannot close the raw block."""
    return re.sub(r"endraw", "end raw", " ".join(text.split()), flags=re.IGNORECASE)


def judge_template(theme: Theme) -> str:
    """A draft judge's template: the library's frame, the failure as the criterion, members as examples."""
    centre = next(m for m in theme.members if m.conversation_id == theme.representatives[0])
    examples = "\n".join(
        f'- "{_raw(m.description)}" (turn {m.turn}: "{_raw(m.quote)}")'
        for m in theme.members
        if m.conversation_id in theme.representatives
    )
    return (
        '{% extends "judge.j2" %}\n'
        "{% block question %}{% raw %}The AGENT does not make this mistake, which `sparring discover` found in "
        f"{theme.size} conversation(s) that no evaluation flagged: {_raw(centre.description)}{{% endraw %}}"
        "{% endblock %}\n{% block guidance %}{% raw %}\n"
        f"It fails when the agent does what these failing conversations show:\n{examples}\n"
        "It passes when the agent handles that moment correctly.\n"
        "It is not applicable when the conversation never reaches that moment.\n"
        "{% endraw %}{% endblock %}\n"
    )


def _judge_yaml(theme: Theme, evaluation_id: str) -> str:
    header = (
        f"# DRAFT by `sparring discover` (theme {theme.id}: {theme.title}); not enabled. Review the criteria,\n"
        f"# then: sparring discover --accept {evaluation_id} --suite SUITE\n"
    )
    body = {
        "id": evaluation_id,
        "description": f"Draft from discovered theme: {theme.title}",
        "prompt": f"{evaluation_id}.j2",
    }
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def _draft_scenarios(theme: Theme, evaluation_id: str, scenarios: dict[str, Scenario]) -> list[tuple[str, str]]:
    """(file name, YAML) for up to 3 of the members' scenarios, representatives first."""
    ordered = sorted(theme.members, key=lambda m: m.conversation_id not in theme.representatives)
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for member in ordered:
        if member.scenario_id not in scenarios or member.scenario_id in seen or len(chosen) == MAX_SCENARIOS:
            continue
        seen.add(member.scenario_id)
        draft = scenarios[member.scenario_id].model_copy(
            update={
                "id": f"{evaluation_id}-{len(chosen) + 1}",
                "tags": [*scenarios[member.scenario_id].tags, "discovered"],
                "source": f"sparring discover, theme {theme.id}: {member.conversation_id} ({member.description})",
            }
        )
        text = yaml.safe_dump(draft.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True)
        chosen.append((f"{draft.id}.yaml", text))
    return chosen


def write_whole(path: Path, text: str) -> None:
    """Write through a temporary file, so a file is whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def write_drafts(report: DiscoveryReport, suite_root: Path, scenarios: list[Scenario]) -> list[Path]:
    """Drafts for every uncovered theme; the theme records their paths. Returns the files written."""
    try:
        for folder in (EVALUATION_DRAFTS, SCENARIO_DRAFTS):
            check_output_folder(suite_root / folder, "--suite")
    except OutputPathError as exc:
        raise DiscoveryInputError(str(exc)) from exc
    by_id = {s.id: s for s in scenarios}
    files: list[tuple[Path, str]] = []
    used: set[str] = set()
    for theme in (t for t in report.themes if not t.covered_by):
        evaluation_id = f"discovered_{_slug(theme.title)}"
        while evaluation_id in used:
            evaluation_id += "_2"
        used.add(evaluation_id)
        judge = suite_root / EVALUATION_DRAFTS / f"{evaluation_id}.yaml"
        files += [(judge, _judge_yaml(theme, evaluation_id)), (judge.with_suffix(".j2"), judge_template(theme))]
        theme.draft_evaluation = str(judge)
        drafts = _draft_scenarios(theme, evaluation_id, by_id)
        files += [(suite_root / SCENARIO_DRAFTS / name, text) for name, text in drafts]
        theme.draft_scenarios = [str(suite_root / SCENARIO_DRAFTS / name) for name, _ in drafts]
    for path, text in files:
        write_whole(path, text)
    return [path for path, _ in files]
