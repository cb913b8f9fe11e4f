"""How the static export names and links its files (real SQLite file, no browser): conversation files safe on
every file system and unique per id; a comparison's link to a trial the run lacks kept as text; the live
viewer's pages keep their forms and absolute links."""

from fastapi.testclient import TestClient

from analysis.test_statistics_power_noise import store_run
from sparring import Conversation, Outcome, Store, Verdict
from sparring.data_model import EndReason
from sparring.viewer import create_app
from sparring.viewer.export import StaticSite, conversation_file, export_site


def test_conversation_files_are_safe_names_and_unique_per_id():
    names = [conversation_file(i) for i in ("r1:s0:0", "r1_s0_0", "r1:s0/../../x:0", "r1:ü ß:1")]
    assert len(set(names)) == len(names)
    for name in names:
        folder, file = name.split("/")
        assert folder == "conversations" and file.endswith(".html")
        assert all(c.isascii() and (c.isalnum() or c in "._-") for c in file), file


def store_without_trial_zero(db: str) -> Store:
    """Run 'a' passes scenario 'x' on trials 0 and 1; run 'b' has only trial 1 of 'x', failed."""
    store = Store.open(db)
    store_run(store, "a", {"x": ["pass", "pass"], "y": ["pass", "pass"]})
    store_run(store, "b", {"y": ["pass", "pass"]})
    lone = Conversation(id="b:x:1", run_id="b", scenario_id="x", trial=1, end_reason=EndReason.RESOLVED)
    store.save_conversation(lone, [Verdict(evaluation_id="e", conversation_id=lone.id, outcome=Outcome.FAIL)])
    return store


def test_a_link_to_a_conversation_the_run_lacks_is_kept_as_text(tmp_path):
    store = store_without_trial_zero(str(tmp_path / "runs.db"))
    files = StaticSite(store, store.get_run("b"), store.get_run("a")).build()
    compare = files["compare.html"].decode()
    assert "b:x:0" not in compare, "the regression of x is not linked to a conversation b lacks"
    [pair] = [name for name in files if name.startswith("scenarios/x-")]
    assert f'<a href="{pair}">x</a> (' in compare, "but to x side by side, where b's trial 0 is said to be missing"
    assert "b (no such conversation)" in files[pair].decode()
    assert conversation_file("b:x:1") in files and conversation_file("b:x:0") not in files
    written = export_site(store, store.get_run("b"), tmp_path / "site")
    assert "compare.html" not in {p.name for p in written}, "no comparison without a base"
    assert 'href="/' not in (tmp_path / "site" / "index.html").read_text()


def test_the_live_viewer_keeps_its_forms_and_absolute_links(tmp_path):
    store = store_without_trial_zero(str(tmp_path / "runs.db"))
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    run = client.get("/runs/b").text
    assert 'href="/runs/b/discover"' in run and 'href="/calibration"' in run and "static report" not in run
    assert '<form class="label" method="post" action="/labels">' in client.get("/conversations/b:x:1").text
