"""`sparring init DIR`: the skeleton it writes loads, estimates (--dry-run) and runs as it is against a real
HTTP model server into a real SQLite file; a folder that is not empty, or a file, is refused in one line."""

from __future__ import annotations

from typer.testing import CliRunner

from sparring import Store, load_suite
from sparring.cli import app
from sparring.testing import StubServer

runner = CliRunner()


def test_the_skeleton_is_a_complete_suite_named_after_its_folder(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "shop: support")])
    assert result.exit_code == 0, result.output
    suite = load_suite(tmp_path / "shop: support")
    assert suite.config.name == "shop: support", "the folder name is quoted in the YAML"
    assert [s.id for s in suite.scenarios] == ["damaged-lamp-refund", "kettle-wants-human"]
    assert set(suite.tools) == {"lookup_order", "issue_refund", "escalate_to_human"}
    assert "refund_rule_explained" in {e.id for e in suite.evaluations} and len(suite.config.gates) == 2
    assert suite.policy.startswith("# Order support policy")


def test_init_then_dry_run_then_run_against_a_real_server(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    folder, db = tmp_path / "my-suite", tmp_path / "runs.db"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    dry = runner.invoke(app, ["run", str(folder), "--dry-run"])
    assert dry.exit_code == 0 and "Dry run: 2 conversations" in dry.output, dry.output
    with StubServer() as server:
        args = ["run", str(folder), "--model", "openai:stub", "--base-url", server.base_url, "--db", str(db)]
        result = runner.invoke(app, [*args, "--label", "first"])
    assert result.exit_code == 0, result.output
    store = Store.open(str(db))
    run = store.get_run("first")
    conversations = store.conversations(run.id)
    assert len(conversations) == 2 and all(c.end_reason != "error" for c in conversations)
    assert all(any(t.tool_calls for t in c.turns if t.role == "agent") for c in conversations), "tools were called"
    assert {v.evaluation_id for v in store.verdicts(run.id)} >= {"no_invented_policy", "valid_tool_calls"}


def test_a_folder_that_is_not_empty_is_refused_and_left_as_it_was(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: init {tmp_path}: the folder is not empty; give a new or empty folder (nothing was written)"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_file_in_the_way_is_refused_in_one_line(tmp_path):
    (tmp_path / "taken").write_text("")
    result = runner.invoke(app, ["init", str(tmp_path / "taken")])
    assert (
        result.exit_code == 2 and result.output.strip() == f"error: init {tmp_path / 'taken'}: is a file, not a folder"
    )
    under = runner.invoke(app, ["init", str(tmp_path / "taken" / "suite")])
    assert under.exit_code == 2 and "is a file, not a folder" in under.output and "Traceback" not in under.output


def test_an_existing_empty_folder_is_filled(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert load_suite(tmp_path).config.name == tmp_path.name
