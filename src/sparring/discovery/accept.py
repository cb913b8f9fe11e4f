"""`sparring discover --accept ID`: a draft judge moved into SUITE/evaluations/ and enabled in suite.yaml, for
as long as the caller's block succeeds (`provisional_accept`: on any exception, Ctrl-C included, the files move
back and suite.yaml is restored byte for byte), and the stored runs its theme was found in (`draft_runs`).

suite.yaml is edited as text, not re-dumped: one `- use: ID` line is inserted after the last entry of the
`evaluations:` block list, indented like its first entry, so comments, order and spacing stay as written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from sparring.discovery.candidates import DiscoveryInputError
from sparring.discovery.proposals import EVALUATION_DRAFTS, write_whole
from sparring.discovery.report import load_stored_report
from sparring.store import Store

SUITE_FILE = "suite.yaml"
RUNS_PAGE = 50


@dataclass
class AcceptedDraft:
    """A draft judge moved into the suite and enabled: where its files came from and went, and suite.yaml's
    text before the change, so `undo` can put everything back."""

    evaluation_id: str
    sources: list[Path]
    files: list[Path]
    suite_file: Path
    suite_text: str

    def undo(self) -> None:
        """Move the files back into drafts/ and restore suite.yaml."""
        for target, source in zip(self.files, self.sources, strict=True):
            if target.exists():
                os.replace(target, source)
        write_whole(self.suite_file, self.suite_text)


def _last_scalar(node: yaml.Node) -> yaml.Node:
    """The node where `node`'s text ends: a block mapping's or sequence's own end mark lies past trailing comments."""
    if isinstance(node, yaml.MappingNode) and node.value:
        return _last_scalar(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _last_scalar(node.value[-1])
    return node


def _evaluations_list(text: str, file: Path, evaluation_id: str) -> yaml.SequenceNode:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found = next((v for k, v in root.value if k.value == "evaluations"), None) if root else None
    if not isinstance(found, yaml.SequenceNode) or found.flow_style or not found.value:
        raise DiscoveryInputError(
            f"{file}: `evaluations:` is not a block list of `- use: ...` lines; add `- use: {evaluation_id}` by hand"
        )
    return found


def enable_evaluation(text: str, evaluation_id: str, file: Path) -> str:
    """suite.yaml's `text` with `- use: evaluation_id` appended to its `evaluations:` list, the rest unchanged;
    DiscoveryInputError when it is already enabled or the list is not a block list."""
    entries = yaml.safe_load(text)["evaluations"]
    if any(isinstance(e, dict) and e.get("use") == evaluation_id for e in entries):
        raise DiscoveryInputError(f"{file}: evaluation {evaluation_id} is already enabled")
    items = _evaluations_list(text, file, evaluation_id).value
    first_line = text.splitlines()[items[0].start_mark.line]
    indent = first_line[: len(first_line) - len(first_line.lstrip())]
    end = _last_scalar(items[-1]).end_mark
    lines = text.splitlines(keepends=True)
    at = end.line + (1 if end.column > 0 else 0)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    lines.insert(at, f"{indent}- use: {evaluation_id}\n")
    edited = "".join(lines)
    if yaml.safe_load(edited)["evaluations"] != [*entries, {"use": evaluation_id}]:
        raise DiscoveryInputError(f"{file}: could not append to `evaluations:`; add `- use: {evaluation_id}` by hand")
    return edited


def accept_draft(suite_root: Path, evaluation_id: str) -> AcceptedDraft:
    """Move the draft judge `evaluation_id` into SUITE/evaluations/ and enable it in suite.yaml. DiscoveryInputError
    (nothing changed) when there is no such draft, the suite already has files of that name or already enables it."""
    drafts = suite_root / EVALUATION_DRAFTS
    sources = [drafts / f"{evaluation_id}.yaml", drafts / f"{evaluation_id}.j2"]
    if not any(s.is_file() for s in sources) and is_accepted(suite_root, evaluation_id):
        raise DiscoveryInputError(
            f"--accept {evaluation_id}: already accepted (in {suite_root / 'evaluations'}, enabled in suite.yaml); "
            "if that --accept was interrupted, finish it with --accept ID --resume"
        )
    if not all(s.is_file() for s in sources):
        known = sorted(p.stem for p in drafts.glob("*.yaml")) if drafts.is_dir() else []
        listed = ", ".join(known) if known else "none (run `sparring discover RUN --suite SUITE` first)"
        raise DiscoveryInputError(f"--accept {evaluation_id}: no draft evaluation in {drafts} (drafts: {listed})")
    targets = [suite_root / "evaluations" / s.name for s in sources]
    clash = next((t for t in targets if t.exists()), None)
    if clash is not None:
        raise DiscoveryInputError(f"--accept {evaluation_id}: {clash} already exists; rename or remove it first")
    suite_file = suite_root / SUITE_FILE
    before = suite_file.read_text(encoding="utf-8")
    edited = enable_evaluation(before, evaluation_id, suite_file)
    accepted = AcceptedDraft(evaluation_id, sources, targets, suite_file, before)
    try:
        for source, target in zip(sources, targets, strict=True):
            os.replace(source, target)
        write_whole(suite_file, edited)
    except OSError:
        accepted.undo()
        raise
    return accepted


def is_accepted(suite_root: Path, evaluation_id: str) -> bool:
    """Whether the draft `evaluation_id` is in SUITE/evaluations/ and enabled in suite.yaml (as `accept_draft` left
    it, e.g. when the process that accepted it was killed before it finished judging)."""
    files = [suite_root / "evaluations" / f"{evaluation_id}{suffix}" for suffix in (".yaml", ".j2")]
    if not all(f.is_file() for f in files):
        return False
    entries = yaml.safe_load((suite_root / SUITE_FILE).read_text(encoding="utf-8")).get("evaluations") or []
    return any(isinstance(e, dict) and e.get("use") == evaluation_id for e in entries)


@contextmanager
def provisional_accept(suite_root: Path, evaluation_id: str) -> Iterator[AcceptedDraft]:
    """`accept_draft`, undone when the block raises anything (Ctrl-C included), kept when it finishes."""
    accepted = accept_draft(suite_root, evaluation_id)
    try:
        yield accepted
    except BaseException:
        accepted.undo()
        raise


def _drafted(draft: str | None, evaluation_id: str) -> bool:
    return draft is not None and Path(draft).stem == evaluation_id


def draft_runs(store: Store, suite_name: str, evaluation_id: str) -> list[str]:
    """The stored runs whose conversations make up the theme `evaluation_id` was drafted for, from the newest
    stored discovery report of a `suite_name` run that drafted it; DiscoveryInputError when there is none."""
    offset = 0
    while runs := store.list_runs(RUNS_PAGE, suite_name, offset):
        for run in runs:
            report = load_stored_report(store, run.id)
            themes = report.themes if report else []
            theme = next((t for t in themes if _drafted(t.draft_evaluation, evaluation_id)), None)
            members = list(dict.fromkeys(m.run_id for m in theme.members if m.stored)) if theme else []
            if members:
                return members
        offset += RUNS_PAGE
    raise DiscoveryInputError(
        f"--accept {evaluation_id}: no stored discovery report of a {suite_name} run drafted it; "
        "name the run to judge with --run RUN"
    )
