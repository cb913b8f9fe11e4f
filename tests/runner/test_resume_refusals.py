"""What cannot be finished is refused in one line before anything is written: a rejudge or eval whose label names
an unfinished run of other work, `--resume` of the wrong kind of run or of a completed one, a transcript id no
database stores alike (NUL). A real SQLite file, scripted models."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from cli.test_resume_kill import FLIPPED, transcripts_file
from scripted_world import world_pool
from sparring import RoleOverrides, RunOptions, Store, run_suite
from sparring.cli import app
from sparring.runner.rejudge import plan_rejudge, plan_resumed_rejudge, rejudge_run

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture
def stored(example_suite, tmp_path) -> tuple[Store, str]:
    store = Store.open(str(tmp_path / "r.db"))
    options = RunOptions(label="v1", scenarios=2, models=RoleOverrides(model="scripted:world"))
    return store, asyncio.run(run_suite(example_suite, store, options, world_pool())).run.id


def test_a_label_naming_an_unfinished_rejudge_of_other_evaluations_is_refused(example_suite, stored):
    store, origin = stored
    interrupted = plan_rejudge(store, example_suite, "v1", [FLIPPED], "scripted:strict").run
    store.save_run(interrupted)  # as a killed rejudge leaves it: running, nothing judged
    again = plan_rejudge(store, example_suite, "v1", [FLIPPED], "scripted:strict")
    assert again.run.id == interrupted.id and len(again.recorded) == 2, "the same rejudge finishes the first"
    with pytest.raises(ValueError, match=f"run {interrupted.id} labelled 'v1-rejudged' is an unfinished rejudge of "):
        plan_rejudge(store, example_suite, "v1", ["professional_tone"], "scripted:strict")
    assert plan_rejudge(store, example_suite, "v1", ["professional_tone"], label="other").run.id != interrupted.id
    assert plan_resumed_rejudge(store, example_suite, interrupted.id).run.id == interrupted.id
    with pytest.raises(ValueError, match=f"run {origin} is not a rejudged run"):
        plan_resumed_rejudge(store, example_suite, origin)


def test_resume_of_a_completed_or_other_kind_of_run_is_one_line(example_suite, stored, tmp_path):
    store, origin = stored
    db, suite = str(tmp_path / "r.db"), str(example_suite.root)
    neither = runner.invoke(app, ["rejudge", "--suite", suite, "--db", db])
    assert neither.exit_code == 2 and neither.output.startswith("error: name the run to judge again (RUN), or")
    not_rejudge = runner.invoke(app, ["rejudge", "--resume", origin, "--suite", suite, "--db", db])
    assert not_rejudge.exit_code == 2 and f"error: run {origin} is not a rejudged run" in not_rejudge.output
    done = asyncio.run(rejudge_run(store, example_suite, origin, pool=world_pool())).run
    completed = runner.invoke(app, ["rejudge", "--resume", done.id, "--suite", suite, "--db", db])
    assert completed.exit_code == 2 and completed.output.strip() == f"error: run {done.id} is already completed"
    file = transcripts_file(tmp_path / "t.jsonl", 2)
    not_imported = runner.invoke(app, ["eval", str(file), "--suite", suite, "--resume", origin, "--db", db])
    assert not_imported.exit_code == 2
    assert f"error: run {origin} is not an imported run of suite 'food-delivery'" in not_imported.output
    assert store.count_runs() == 2


def test_a_nul_in_a_transcript_id_is_refused_naming_its_line_before_the_store_exists(example_suite, tmp_path):
    file = tmp_path / "nul.jsonl"
    messages = '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]'
    file.write_text(f'{{"id": "a", "messages": {messages}}}\n{{"id": "b\\u0000c", "messages": {messages}}}\n')
    db = tmp_path / "x.db"
    result = runner.invoke(app, ["eval", str(file), "--suite", str(example_suite.root), "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.replace("\n", "") == (
        f"error: {file}:2: transcript id 'b\\\\0c' contains a NUL character (U+0000)"
    )
    assert not db.exists(), "nothing written"


def test_an_unfinished_eval_of_other_work_is_refused_and_run_resume_does_not_simulate_it(example_suite, tmp_path):
    from sparring.runner.imported import evaluate_transcripts
    from sparring.runner.plan import new_run
    from sparring.transcripts import read_transcripts

    store = Store.open(str(tmp_path / "e.db"))
    options = RunOptions(label="prod", models=RoleOverrides(simulator="none", agent_model="none", judge="openai:j"))
    interrupted = new_run(example_suite, options).model_copy(update={"scenario_ids": ["x"], "source": "old.jsonl"})
    store.save_run(interrupted)  # as a killed eval leaves it: running
    transcripts = read_transcripts(transcripts_file(tmp_path / "t.jsonl", 2), None, False, None, None).transcripts
    other_judge = RunOptions(label="prod", models=RoleOverrides(judge="openai:k"))
    with pytest.raises(ValueError, match=f"run {interrupted.id} labelled 'prod' is an unfinished judging by openai:j"):
        asyncio.run(evaluate_transcripts(example_suite, store, transcripts, "t.jsonl", other_judge))
    same_judge = RunOptions(label="prod", models=RoleOverrides(judge="openai:j"))
    with pytest.raises(ValueError, match=r"judged 1 other transcripts \(from old.jsonl\), not these 2"):
        asyncio.run(evaluate_transcripts(example_suite, store, transcripts, "t.jsonl", same_judge))
    with pytest.raises(ValueError, match=f"run {interrupted.id} judged old.jsonl: finish it with `sparring eval FILE"):
        asyncio.run(run_suite(example_suite, store, RunOptions(resume=interrupted.id), world_pool()))
    assert store.count_runs() == 1 and store.conversation_count(interrupted.id) == 0


def test_a_rejudge_another_live_process_is_finishing_is_refused_untouched(example_suite, stored, tmp_path):
    store, _ = stored
    interrupted = plan_rejudge(store, example_suite, "v1", [FLIPPED], "slowjudge:strict").run
    store.save_run(interrupted)
    store.acquire_lease(interrupted.id, "other-host:4242", 60)  # another machine is finishing it
    args = ["rejudge", "--resume", interrupted.id, "--suite", str(example_suite.root), "--db", str(tmp_path / "r.db")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert f"error: run {interrupted.id} is being worked on by other-host:4242 since" in result.output
    assert store.get_run(interrupted.id) == interrupted and store.conversation_count(interrupted.id) == 0


def test_a_lone_surrogate_in_a_transcript_id_is_refused_naming_its_line_before_the_store_exists(
    example_suite, tmp_path
):
    file = tmp_path / "surrogate.jsonl"
    messages = '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello"}]'
    file.write_text(f'{{"id": "a", "messages": {messages}}}\n{{"id": "b\\ud800c", "messages": {messages}}}\n')
    db = tmp_path / "x.db"
    result = runner.invoke(app, ["eval", str(file), "--suite", str(example_suite.root), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "surrogate.jsonl:2: transcript id" in result.output and "a lone surrogate (U+D800)" in result.output
    assert not db.exists(), "nothing written: no failed run row left behind"
