"""Errors are never invisible in the viewer (issue 16): every pass rate on the run page and the runs list
shows its counts and, in red, the errored verdicts it leaves out ("80% (8/10) · 9 errored"); the runs
list's headline rate is the chatbot's, with the simulator's own checks left out."""

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright

from sparring import Outcome, Store
from sparring.viewer import create_app
from viewer_server import one_judged_conversation, serve

P, F, E = Outcome.PASS, Outcome.FAIL, Outcome.ERROR
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
RED = "rgb(179, 38, 30)"


@pytest.fixture
def store(tmp_path):
    store = Store.open(str(tmp_path / "viewer.db"))
    one_judged_conversation(
        store,
        {
            "crashy": [P] * 8 + [F] * 2 + [E] * 9,  # 19 conversations: 8 pass, 2 fail, 9 errored
            "clean": [P] * 19,
            "sim_on_topic": [P] * 17 + [F] * 2,  # the simulator's own check: never pooled into the chatbot's
        },
        simulator_ids=("sim_on_topic",),
    )
    yield store
    store.close()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_run_page_shows_errored_count_beside_every_pass_rate(store):
    html = TestClient(create_app(store), base_url="http://127.0.0.1").get("/runs/r1").text
    assert '<span class="errored">· 9 errored</span>' in html
    # columns: pass, fail, error, n/a, applicable, pass rate, suspect (simulator) fails, pass rate w/o suspect
    assert "crashy 8 2 9 0 10 80% (8/10) · 9 errored 0 80% (8/10) · 9 errored" in text(html)
    assert "clean 19 0 0 0 19 100% (19/19) 0 100% (17/17) Simulated customer's own checks" in text(html)
    assert "sim_on_topic 17 2 0 0 19 89% (17/19)" in text(html)  # apart, as in the terminal
    assert "chatbot pass rate 93% (27/29) · 9 errored" in text(html)
    assert html.count("errored</span>") == 3, "no errored note where nothing errored (two in crashy's row, one pooled)"


def test_runs_list_pools_only_the_chatbot_s_verdicts_and_shows_its_errors(store):
    html = TestClient(create_app(store), base_url="http://127.0.0.1").get("/").text
    assert "93% (27/29) · 9 errored" in text(html)  # crashy + clean; the simulator's 17/19 is not pooled


@pytest.mark.real
def test_errored_counts_are_red_in_a_real_browser(store):
    assert shutil.which("chromium"), "the viewer tests need Debian's chromium: apt-get install -y chromium"
    with serve(create_app(store)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for url in (base + "/runs/r1", base + "/"):
            page.goto(url)
            errored = page.get_by_text("· 9 errored").first
            expect(errored).to_be_visible()
            assert errored.evaluate("e => getComputedStyle(e).color") == RED
        browser.close()
