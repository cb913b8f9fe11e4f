"""`sparring discover`: a run with two planted bugs no enabled evaluation checks surfaces them as two
uncovered themes (≥ 80% recall and precision each); a third, judged-failing group is covered. The describer
is scripted; candidates, grouping, coverage, drafts and the store are the real code on a real SQLite file."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discover_world import EVALS, Describer, kind_of, planted_pool
from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.cli import app
from sparring.suite import load_scenarios

runner = CliRunner(env={"COLUMNS": "250"})


async def planted_run(suite_path: Path, db: Path) -> str:
    options = RunOptions(
        label="planted",
        evaluation_ids=EVALS,
        trials=2,
        cache=False,
        models=RoleOverrides(model="scripted:world", agent="discover_world:PlantedBot"),
    )
    result = await run_suite(load_suite(suite_path), Store.open(str(db)), options, planted_pool())
    return result.run.id


@pytest.fixture
def planted(suite_copy: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    db = tmp_path / "planted.db"
    return suite_copy, db, asyncio.run(planted_run(suite_copy, db))


def _kinds(store: Store, run_id: str) -> dict[str, str]:
    return {c.id: kind_of(c.turns[0].content) for c in store.conversations(run_id)}


def discover_cli(*args: str):
    return runner.invoke(app, ["discover", *args], catch_exceptions=False)


def test_two_planted_bugs_become_two_uncovered_themes(planted, tmp_path):
    suite, db, run_id = planted
    out = tmp_path / "report.json"
    result = discover_cli(
        run_id, "--suite", str(suite), "--judge-model", "disco:describer", "--db", str(db), "--json", str(out)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    kinds = _kinds(Store.open(str(db)), run_id)
    uncovered = [t for t in report["themes"] if not t["covered_by"]]
    assert len(uncovered) == 2, [(t["title"], t["size"], t["covered_by"]) for t in report["themes"]]
    for planted_kind in ("leak", "paid_line"):
        planted_ids = {c for c, k in kinds.items() if k == planted_kind}
        theme = max(uncovered, key=lambda t: len(planted_ids & {m["conversation_id"] for m in t["members"]}))
        members = {m["conversation_id"] for m in theme["members"]}
        assert len(members & planted_ids) / len(members) >= 0.8, (planted_kind, theme["title"])  # precision
        assert len(members & planted_ids) / len(planted_ids) >= 0.8, (planted_kind, theme["title"])  # recall
        assert len(theme["representatives"]) == min(3, len(members))
        assert Path(theme["draft_evaluation"]).is_file() and 1 <= len(theme["draft_scenarios"]) <= 3
    covered = [t for t in report["themes"] if t["covered_by"]]
    assert covered and set(covered[0]["covered_by"]) == set(EVALS)
    assert {kinds[m["conversation_id"]] for m in covered[0]["members"]} == {"covered"}
    counts = Counter(kinds.values())
    figures = report["runs"][0]
    assert figures["unexplained"] == counts["leak"] + counts["paid_line"]
    assert figures["conversations"] == len(kinds)
    assert report["schema_version"] == 1 and report["undescribed"] == []
    assert "Themes" in result.output and "Unexplained" in result.output


def test_drafts_are_written_but_not_loaded(planted):
    suite, db, run_id = planted
    before = load_suite(suite)
    assert (
        discover_cli(run_id, "--suite", str(suite), "--judge-model", "disco:describer", "--db", str(db)).exit_code == 0
    )
    drafts = sorted((suite / "evaluations" / "drafts").glob("*.yaml"))
    assert len(drafts) == 2
    for file in (suite / "drafts" / "scenarios").glob("*.yaml"):
        assert "discovered" in load_scenarios(file)[0][0].tags
    after = load_suite(suite)
    assert [e.id for e in after.evaluations] == [e.id for e in before.evaluations]
    assert len(after.scenarios) == len(before.scenarios) and set(after.catalog.specs) == set(before.catalog.specs)
    assert not (suite / "evaluations" / f"{drafts[0].stem}.yaml").exists()  # accepting: test_discover_accept.py


def test_descriptions_are_cached_and_undescribable_ones_listed(planted, tmp_path):
    suite, db, run_id = planted
    Describer.calls = 0
    assert discover_cli(run_id, "--judge-model", "disco:describer", "--db", str(db)).exit_code == 0
    first = Describer.calls
    assert first > 0
    assert discover_cli(run_id, "--judge-model", "disco:describer", "--db", str(db)).exit_code == 0
    assert Describer.calls == first  # every description answered from the store's cache
