"""`sparring export-html` end to end: two real scripted runs in a real SQLite file, exported by the CLI, opened
from the file system in headless Chromium (Debian's package, through Playwright): run page → conversation →
back, comparison, history chart; the figures on the page equal `sparring report --json`; every link is relative
and leads to a file of the export; no form, no script, nothing fetched but files."""

import asyncio
import json
import re
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from scripted_world import world_reply
from sparring import ModelPool, RoleOverrides, RunOptions, ScriptedModel, Store, run_suite
from sparring.cli.app import app

pytestmark = pytest.mark.real
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
runner = CliRunner(env={"COLUMNS": "250"})
LINK = re.compile(r'(?:href|src)="([^"]*)"')


def worse_reply(request):
    """The scripted world, but the agent's answer after a lookup makes the judge fail it."""
    reply = world_reply(request)
    return "FAILME: I made that up." if reply == "I looked up your order; here is what I found." else reply


def scripted_run(suite, store, label, reply):
    """One real run of three scenarios, every role played by a scripted model."""
    pool = ModelPool()
    pool.add(ScriptedModel(reply, "scripted:world"))
    options = RunOptions(
        label=label,
        scenarios=3,
        evaluation_ids=["professional_tone", "no_invented_order_facts"],
        cache=False,
        models=RoleOverrides(model="scripted:world"),
    )
    return asyncio.run(run_suite(suite, store, options, pool)).run


@pytest.fixture(scope="module")
def exported(example_suite, tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    db = str(folder / "runs.db")
    store = Store.open(db)
    scripted_run(example_suite, store, "baseline", world_reply)
    scripted_run(example_suite, store, "candidate", worse_reply)
    out = folder / "site"
    result = runner.invoke(app, ["export-html", "candidate", "--out", str(out), "--compare", "baseline", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"open {out / 'index.html'}" in result.output
    report = runner.invoke(app, ["report", "candidate", "--db", db, "--json"])
    return out, json.loads(report.stdout)


def test_every_link_is_relative_and_leads_to_an_exported_file(exported):
    out, _ = exported
    pages = sorted(out.rglob("*.html"))
    names = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert {"index.html", "compare.html", "history.html", "history.svg", "style.css"} <= names
    assert len([n for n in names if n.startswith("conversations/")]) >= 3
    for page in pages:
        text = page.read_text()
        assert "<form" not in text and "<script" not in text, page
        for link in LINK.findall(text):
            assert not link.startswith(("/", "http")), f"{page.name}: {link}"
            assert (page.parent / link).resolve().is_file(), f"{page.name}: {link} leads nowhere"


def test_static_pages_in_a_real_browser_show_the_reports_figures(exported):
    out, report = exported
    assert shutil.which("chromium"), "the export tests need Debian's chromium: apt-get install -y chromium"
    fetched: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.on("request", lambda r: fetched.append(r.url))
        index = (out / "index.html").as_uri()
        page.goto(index)
        expect(page.get_by_role("heading", name="Run candidate")).to_be_visible()
        for summary in report["evaluations"]:
            row = page.locator("tr", has=page.locator("td", has_text=summary["evaluation_id"])).first
            cells = row.locator("td").all_inner_texts()
            rate = "—" if summary["pass_rate"] is None else f"{summary['pass_rate']:.0%}"
            expected = [summary[k] for k in ("passed", "failed", "errors", "not_applicable", "applicable")]
            assert cells[1:6] == [str(v) for v in expected]
            assert cells[6].startswith(f"{rate} ({summary['passed']}/{summary['applicable']})")
        assert report["flagged_conversations"] > 0
        assert page.get_by_text(f"Conversations with a fail or error ({report['flagged_conversations']})").is_visible()

        page.locator("table").last.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name=re.compile("^Conversation "))).to_be_visible()
        expect(page.locator(".tool", has_text="tool call lookup_order").first).to_be_visible()
        expect(page.get_by_text("Labelling is left out of this static report")).to_be_visible()
        assert page.locator("form").count() == 0
        page.locator("header").get_by_role("link", name="Run candidate").click()
        assert page.url == index

        page.get_by_role("link", name="baseline → candidate").click()
        expect(page.get_by_text("regressed").first.or_(page.get_by_text("no detectable change").first)).to_be_visible()
        page.locator("td a").first.click()  # a changed scenario: side by side in both runs, then its conversation
        expect(page.get_by_role("heading", name=re.compile("^Scenario .*: baseline → candidate"))).to_be_visible()
        page.locator("th a", has_text="open").last.click()
        expect(page.get_by_role("heading", name=re.compile("^Conversation "))).to_be_visible()
        page.go_back()
        page.go_back()
        page.locator("header").get_by_role("link", name="History").click()
        expect(page.get_by_role("heading", name=re.compile("^History of "))).to_be_visible()
        assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 100
        assert page.locator("th", has_text="baseline").count() == 1 and page.locator("th", has_text="candidate").count()
        browser.close()
    assert fetched and all(url.startswith("file://") for url in fetched), fetched


@pytest.fixture
def one_run(tmp_path):
    db = str(tmp_path / "runs.db")
    from analysis.test_statistics_power_noise import store_run

    store_run(Store.open(db), "r1", {"s0": ["pass"], "s1": ["fail"]})
    return db


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no run with id or label 'nope' in sqlite:"),
        (["r1", "--compare", "nope"], "error: no run with id or label 'nope' in sqlite:"),
    ],
)
def test_unknown_run_is_one_line_and_nothing_is_written(one_run, tmp_path, args, message):
    out = tmp_path / "site"
    result = runner.invoke(app, ["export-html", *args, "--out", str(out), "--db", one_run])
    assert result.exit_code == 2
    assert result.output.startswith(message) and len(result.output.strip().splitlines()) == 1, result.output
    assert not out.exists()


def test_out_that_is_a_file_or_under_a_file_is_one_line_and_nothing_is_written(one_run, tmp_path):
    blocker = tmp_path / "report.txt"
    blocker.write_text("keep me")
    for out, reason in ((blocker, f"--out {blocker}: is a file, not a folder"), (blocker / "site", "is a file")):
        result = runner.invoke(app, ["export-html", "r1", "--out", str(out), "--db", one_run])
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
        assert result.output.startswith("error: --out") and reason in result.output
    assert blocker.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("runs.db")] == ["report.txt"]
