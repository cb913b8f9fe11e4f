"""`sparring discover --accept ID`: the draft moved into the suite and enabled in suite.yaml (one line added,
comments kept), the theme's run judged again with the new evaluation alone, a labelling session driven through
CliRunner input; `--no-label`; failures leave the suite as it was. Real SQLite file, real CLI, scripted models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from discover_world import LEAK
from discovery.test_discover import planted_run
from sparring import ChatRequest, ScriptedModel, Store, load_suite
from sparring.cli import app
from sparring.data_model import Outcome
from sparring.models import ModelError, register_provider

runner = CliRunner(env={"COLUMNS": "250"})
DESCRIBER = ["--judge-model", "disco:describer"]
JUDGE = ["--judge-model", "accjudge:leak"]


class LeakJudge:
    """The new evaluation's judge: fails a conversation that leaks the other customer's address."""

    prompts: list[str] = []

    @classmethod
    def reply(cls, request: ChatRequest) -> dict:
        cls.prompts.append(request.messages[0].content)
        leaked = LEAK in request.messages[0].content
        return {"reasoning": "scripted", "verdict": "fail" if leaked else "pass"}


def _down(request: ChatRequest) -> dict:
    raise ModelError("connection refused by the judge's server")


@register_provider("accjudge")
def _judge(model: str, base_url: str | None) -> ScriptedModel:
    return ScriptedModel(LeakJudge.reply if model == "leak" else _down, name=f"accjudge:{model}")


def cli(*args: str, input: str | None = None):
    return runner.invoke(app, ["discover", *args], input=input, catch_exceptions=False)


@pytest.fixture
def drafted(suite_copy: Path, tmp_path: Path) -> tuple[Path, str, str, str]:
    """A planted run, discovered with --suite: (suite, db, run id, the id of the leak theme's draft)."""
    db = tmp_path / "planted.db"
    run_id = asyncio.run(planted_run(suite_copy, db))
    assert cli(run_id, "--suite", str(suite_copy), "--db", str(db), *DESCRIBER).exit_code == 0
    drafts = (suite_copy / "evaluations" / "drafts").glob("*.j2")
    leak = next(p.stem for p in drafts if "address" in p.read_text())
    return suite_copy, str(db), run_id, leak


def _suite_state(suite: Path) -> tuple[bytes, list[str], list[str]]:
    return (
        (suite / "suite.yaml").read_bytes(),
        sorted(p.name for p in (suite / "evaluations").iterdir()),
        sorted(p.name for p in (suite / "evaluations" / "drafts").iterdir()),
    )


def test_accept_enables_judges_the_themes_run_and_labels(drafted):
    suite, db, run_id, draft = drafted
    before = (suite / "suite.yaml").read_text().splitlines()
    conversations = len(Store.open(db).conversations(run_id))
    LeakJudge.prompts = []
    result = cli("--accept", draft, "--suite", str(suite), *JUDGE, "--db", db, "--sample", "2", input="f\nleaks\np\n\n")
    assert result.exit_code == 0, result.output
    after = (suite / "suite.yaml").read_text().splitlines()
    at = before.index("  - use: late_refund_explained") + 1
    assert after == [*before[:at], f"  - use: {draft}", *before[at:]]  # one line added, comments kept
    assert draft in [e.id for e in load_suite(suite).evaluations]
    assert not (suite / "evaluations" / "drafts" / f"{draft}.yaml").exists()
    store = Store.open(db)
    new = store.get_run(f"{draft}-labelling")
    assert new.rejudged_from == run_id  # the theme's run, read from the stored discovery report
    mine = {v.conversation_id: v.outcome for v in store.verdicts(new.id) if v.evaluation_id == draft}
    assert len(mine) == conversations and LeakJudge.prompts  # identical transcripts are answered from the cache
    assert all("which `sparring discover` found" in p for p in LeakJudge.prompts)  # only the new judge was asked
    leaked = {c.id for c in store.conversations(new.id) if any(LEAK in t.content for t in c.turns)}
    assert leaked and {c for c, o in mine.items() if o == Outcome.FAIL} == leaked
    labels = store.labels(draft)
    assert sorted((lb.label, lb.note) for lb in labels) == [("fail", "leaks"), ("pass", "")]
    assert {lb.conversation_id for lb in labels} <= set(mine) and {lb.stratum for lb in labels} == {"fail", "pass"}
    assert "2 label(s) saved" in result.output
    assert f"sparring calibrate --suite {suite} --eval {draft}" in result.output


def test_no_label_judges_the_named_run_and_asks_nothing(drafted):
    suite, db, run_id, draft = drafted
    result = cli("--accept", draft, "--suite", str(suite), "--run", run_id, "--no-label", *JUDGE, "--db", db)
    assert result.exit_code == 0, result.output
    new = Store.open(db).get_run(f"{draft}-labelling")
    assert f"sparring label {new.id} --suite {suite} --eval {draft}" in result.output
    assert Store.open(db).labels(draft) == [] and "label: [p]ass" not in result.output
    assert f"- use: {draft}" in (suite / "suite.yaml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run", "nope", *JUDGE], "no run with id or label 'nope'"),
        (["--judge-model", "accjudge:down"], "gave no pass or fail verdict"),
        (["--judge-model", "nowhere:judge"], "nowhere"),
    ],
    ids=["unknown-run", "judge-unreachable", "unknown-judge-provider"],
)
def test_a_failure_before_labelling_leaves_the_suite_as_it_was(drafted, args, message):
    suite, db, _, draft = drafted
    state = _suite_state(suite)
    result = cli("--accept", draft, "--suite", str(suite), *args, "--db", db)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]
    assert lines[0].endswith("(nothing moved, suite.yaml unchanged)")
    assert _suite_state(suite) == state
    assert draft not in [e.id for e in load_suite(suite).evaluations]


def test_a_draft_without_a_stored_report_needs_run(drafted, tmp_path):
    suite, _, _, draft = drafted
    state = _suite_state(suite)
    result = cli("--accept", draft, "--suite", str(suite), *JUDGE, "--db", str(tmp_path / "other.db"))
    assert result.exit_code == 2 and "name the run to judge with --run RUN" in result.output
    assert _suite_state(suite) == state


def test_accept_twice_or_of_an_unknown_draft_is_refused(drafted):
    suite, db, run_id, draft = drafted
    assert cli("--accept", draft, "--suite", str(suite), "--no-label", *JUDGE, "--db", db).exit_code == 0
    again = cli("--accept", draft, "--suite", str(suite), "--no-label", *JUDGE, "--db", db)
    assert again.exit_code == 2 and f"--accept {draft}: already accepted (in " in again.output
    unknown = cli("--accept", "discovered_nope", "--suite", str(suite), "--db", db)
    assert unknown.output.strip() == (
        f"error: --accept discovered_nope: no draft evaluation in {suite / 'evaluations' / 'drafts'} (drafts: "
        f"{sorted(p.stem for p in (suite / 'evaluations' / 'drafts').glob('*.yaml'))[0]}) "
        "(nothing moved, suite.yaml unchanged)"
    )
