"""Reports count through indexes (migration 0007), opening an up-to-date store never imports Alembic, and the
end of a run finds its judge versions in SQL. Real SQLite files; the same counts on a real PostgreSQL server."""

import sqlite3
import subprocess
import sys

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Select, create_engine, func, select

from analysis.test_reports_aggregates import CHATBOT, SIMULATOR, fill, make_run
from services import fresh_database
from sparring import Conversation, Outcome, Store, Verdict
from sparring.analysis import summarize
from sparring.analysis.pass_rates import run_summaries
from sparring.calibration import calibration_warnings
from sparring.store import migrations
from sparring.store.migrations import _config, head, revisions
from sparring.store.queries import _judge_versions, _on_suspects, _unstable
from sparring.store.tables import VerdictRow
from store.test_store_growth import query_plan, written_before_0008


def test_revisions_read_from_file_names_are_alembics_chain():
    scripts = ScriptDirectory(str(migrations.HERE))
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert revisions() == chain and head() == scripts.get_current_head() == "0010"


def test_opening_a_new_or_up_to_date_store_does_not_import_alembic(tmp_path):
    file = tmp_path / "s.db"
    code = "import sys; from sparring import Store; Store.open(sys.argv[1]).close(); print('alembic' in sys.modules)"
    first, second = (
        subprocess.run([sys.executable, "-c", code, str(file)], check=True, capture_output=True, text=True).stdout
        for _ in range(2)
    )
    assert (first.strip(), second.strip()) == ("False", "False")  # created from the ORM tables, then read


def test_counts_read_the_indexes_not_the_rows(tmp_path):
    file = tmp_path / "plan.db"
    store = Store.open(str(file))

    def plan(query: Select) -> str:
        return query_plan(store, file, query)

    counts = select(VerdictRow.evaluation_id, VerdictRow.outcome, func.count()).where(VerdictRow.run_id == "r")
    assert plan(counts.group_by(VerdictRow.evaluation_id, VerdictRow.outcome)).startswith(
        "SEARCH verdicts USING COVERING INDEX ix_verdicts_run_counts"
    )
    assert plan(_unstable("r", SIMULATOR)).startswith("SEARCH verdicts USING INDEX ix_verdicts_run_samples")
    assert "SCAN verdicts" not in plan(_on_suspects("r", SIMULATOR))
    assert plan(_judge_versions("r")).startswith("SEARCH verdicts USING COVERING INDEX ix_verdicts_run_versions")


def test_verdicts_without_samples_store_sql_null(tmp_path):
    store = Store.open(str(tmp_path / "null.db"))
    fill(store, make_run(), conversations=20, errored=2)
    with sqlite3.connect(tmp_path / "null.db") as db:
        kinds = dict(db.execute("SELECT typeof(details), count(*) FROM verdicts GROUP BY 1").fetchall())
    assert set(kinds) == {"null", "text"} and kinds["null"] > kinds["text"] > 0
    assert {v.unstable for v in store.verdicts("r1")} == {True, False}


def index_names(file) -> set[str]:
    """The names of the verdicts table's indexes."""
    with sqlite3.connect(file) as db:
        return {
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'verdicts'")
        }


def test_a_0006_store_migrates_with_its_counts_and_samples_intact(tmp_path):
    reference = tmp_path / "reference.db"
    engine = create_engine(f"sqlite:///{reference}")
    with engine.begin() as connection:
        command.upgrade(_config(connection), "0006")
    engine.dispose()
    file = tmp_path / "old.db"
    run = make_run()
    verdicts = fill(Store.open(str(tmp_path / "head.db")), run, conversations=30, errored=3)
    written_before_0008(tmp_path / "head.db", file, "0006")
    with sqlite3.connect(file) as db:  # what 0006 wrote: JSON 'null' for "no samples"
        db.execute("UPDATE verdicts SET details = 'null' WHERE details IS NULL")
    assert index_names(file) == index_names(reference), "premise: the store is as 0006 left it"
    migrated = Store.open(str(file))
    with sqlite3.connect(file) as db:
        assert db.execute("SELECT count(*) FROM verdicts WHERE details = 'null'").fetchone() == (0,)
    added = {"ix_verdicts_run_counts", "ix_verdicts_run_samples", "ix_verdicts_run_versions"}
    assert index_names(file) - index_names(reference) == added
    assert {"ix_verdicts_run_id", "ix_verdicts_conversation_id"}.isdisjoint(index_names(file))
    expected = summarize(verdicts, run.evaluation_ids, run.simulator_evaluation_ids)
    assert [s.model_dump() for s in run_summaries(migrated, run)] == [s.model_dump() for s in expected]
    assert [v.unstable for v in migrated.verdicts(run.id)] == [v.unstable for v in verdicts]


def judged(conversation_id: str, evaluation_id: str, prompt_hash: str | None, model: str | None) -> Verdict:
    """A verdict of one judge version (no prompt hash: a check's)."""
    return Verdict(
        evaluation_id=evaluation_id,
        conversation_id=conversation_id,
        outcome=Outcome.PASS,
        prompt_hash=prompt_hash,
        judge_model=model,
    )


def test_judge_versions_are_found_in_sql_without_loading_verdicts(tmp_path, monkeypatch):
    store = Store.open(str(tmp_path / "versions.db"))
    run = make_run()
    store.save_run(run)
    for i, (prompt_hash, model) in enumerate([("h2", "m"), ("h1", None), ("h2", "m"), (None, None), ("", "m")]):
        conversation = Conversation(id=f"r1:s{i}:0", run_id="r1", scenario_id=f"s{i}")
        store.save_conversation(conversation, [judged(conversation.id, "tone", prompt_hash, model)])
    assert store.judge_versions("r1") == [("tone", "h1", ""), ("tone", "h2", "m")]
    monkeypatch.setattr(Store, "verdicts", lambda *_: (_ for _ in ()).throw(AssertionError("loaded every verdict")))
    [warning] = calibration_warnings(store, "r1", 0.6)
    assert warning.startswith("no calibration against human labels for tone (h1, ), tone (h2, m)")


def test_postgres_counts_equal_sqlite_counts(tmp_path, postgres_url):
    url = fresh_database(postgres_url, "report_indexes")
    Store(url).close()
    engine = create_engine(url)
    assert migrations.current(engine) == head()  # the revision read with plain SQL on PostgreSQL too
    engine.dispose()
    lite, pg = Store.open(str(tmp_path / "same.db")), Store(url, migrate=False)
    for store in (lite, pg):
        fill(store, make_run(), conversations=40, errored=4)
        fill(store, make_run("other"), conversations=10, errored=1, seed=5)
    run = make_run()
    for query in (
        lambda s: sorted(s.outcome_counts(run.id, SIMULATOR)),
        lambda s: s.verdict_counts([run.id, "other"]),
        lambda s: s.suspect_counts(run.id, SIMULATOR),
        lambda s: sorted(s.outcome_counts(run.id, [])),
        lambda s: [x.model_dump() for x in run_summaries(s, run)],
    ):
        assert query(pg) == query(lite)
    assert any(row.unstable for row in pg.outcome_counts(run.id, SIMULATOR)), "premise: unstable rows counted"
    assert {e for e, *_ in pg.outcome_counts(run.id, SIMULATOR)} == set(CHATBOT + SIMULATOR)
    pg.close()
