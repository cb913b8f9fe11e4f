"""`sparring discover` on bad or empty input, imported transcripts, undescribable candidates and the viewer
page; real SQLite files, the real CLI, the describer scripted (tests/discover_world.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from discover_world import EVALS, kind_of
from discovery.test_discover import planted_run
from scripted_world import world_pool
from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.cli import app
from sparring.viewer import create_app

runner = CliRunner(env={"COLUMNS": "250"})
DESCRIBER = ["--judge-model", "disco:describer"]


def discover_cli(*args: str):
    return runner.invoke(app, ["discover", *args], catch_exceptions=False)


def _happy_run(db: Path) -> str:
    options = RunOptions(
        label="happy", scenarios=4, evaluation_ids=EVALS, cache=False, models=RoleOverrides(model="scripted:world")
    )
    return asyncio.run(
        run_suite(
            load_suite(Path(__file__).parents[2] / "examples" / "food-delivery"),
            Store.open(str(db)),
            options,
            world_pool(),
        )
    ).run.id


def _transcripts(path: Path, rows: list[tuple[str, str, dict]]) -> Path:
    lines = [
        json.dumps(
            {
                "id": cid,
                "messages": [
                    {"role": "user", "content": "My order O-1234 is late."},
                    {"role": "assistant", "content": answer},
                ],
                "metadata": meta,
            }
        )
        for cid, answer, meta in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_run_without_candidates_says_so_and_exits_0(tmp_path):
    db = tmp_path / "happy.db"
    run_id = _happy_run(db)
    out = tmp_path / "report.json"
    result = discover_cli(run_id, "--db", str(db), "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "no candidates" in result.output
    report = json.loads(out.read_text())
    assert report["candidates"] == 0 and report["themes"] == [] and report["runs"][0]["unexplained_share"] == 0.0


def test_unknown_run_is_one_line_and_nothing_written(tmp_path):
    db = tmp_path / "happy.db"
    _happy_run(db)
    out = tmp_path / "report.json"
    result = discover_cli("no-such-run", "--db", str(db), "--json", str(out), *DESCRIBER)
    assert result.exit_code == 2
    assert result.output.strip().startswith("error:") and len(result.output.strip().splitlines()) == 1
    assert "no-such-run" in result.output and not out.exists()


def test_no_run_and_no_transcripts_is_an_error(tmp_path):
    result = discover_cli("--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2 and "give at least one RUN or --transcripts FILE" in result.output


def test_transcripts_without_the_outcome_field_are_refused(tmp_path):
    file = _transcripts(tmp_path / "chats.jsonl", [("a", "It is on its way.", {"csat": 2}), ("b", "Refunded.", {})])
    out = tmp_path / "report.json"
    result = discover_cli("--transcripts", str(file), "--db", str(tmp_path / "x.db"), "--json", str(out), *DESCRIBER)
    assert result.exit_code == 2
    assert (
        f"{file}: no conversation has the outcome field 'outcome' in its metadata (metadata fields found: csat); "
        "name the field with --outcome-field"
    ) in " ".join(result.output.split())
    assert not out.exists()


def test_negative_transcript_outcomes_are_candidates_and_undescribable_ones_listed(tmp_path):
    rows = [
        ("a", "It went to 12 Elm Street, where Maria Lopez lives.", {"resolution": "unresolved"}),
        ("b", "UNDESCRIBABLE reply.", {"resolution": "thumbs_down"}),
        ("c", "Refunded in full.", {"resolution": "resolved"}),
    ]
    file = _transcripts(tmp_path / "chats.jsonl", rows)
    out = tmp_path / "report.json"
    args = ["--transcripts", str(file), "--outcome-field", "resolution", "--db", str(tmp_path / "x.db")]
    result = discover_cli(*args, "--json", str(out), *DESCRIBER)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["runs"] == [
        {
            "run_id": str(file),
            "label": "chats.jsonl",
            "conversations": 3,
            "errored": 0,
            "candidates": 2,
            "unexplained": 2,
            "unexplained_share": 2 / 3,
        }
    ]
    assert [u["conversation_id"] for u in report["undescribed"]] == ["transcripts:b:0"]
    assert "not described after 3 attempts" in report["undescribed"][0]["problem"]
    assert report["described"] == 1 and report["themes"][0]["members"][0]["stored"] is False
    assert "not described" in result.output


def test_viewer_lists_themes_with_linked_members(suite_copy, tmp_path):
    db = tmp_path / "planted.db"
    run_id = asyncio.run(planted_run(suite_copy, db))
    client = TestClient(create_app(Store.open(str(db))), base_url="http://127.0.0.1")
    before = client.get(f"/runs/{run_id}/discover")
    assert before.status_code == 200 and "No discovery report for this run yet" in before.text
    assert discover_cli(run_id, "--db", str(db), *DESCRIBER).exit_code == 0
    page = client.get(f"/runs/{run_id}/discover")
    assert page.status_code == 200
    leaked = [c.id for c in Store.open(str(db)).conversations(run_id) if kind_of(c.turns[0].content) == "leak"]
    assert "Uncovered" in page.text and "Covered by" in page.text
    assert all(f'href="/conversations/{quote(cid, safe="")}"' in page.text for cid in leaked)  # ids are data
    assert client.get("/runs/nope/discover").status_code == 404
