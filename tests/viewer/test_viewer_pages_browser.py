"""Every viewer page in a real browser (Debian's chromium through Playwright, a real uvicorn server on 127.0.0.1, a
real SQLite file), each with a screenshot: runs, run (decision first), a filtered drill-down, conversation,
compare, the scenario side by side, history, calibration, discovery, and the static export's run page. Screenshots
go to pytest's tmp_path, and also to $SPARRING_SCREENSHOTS when it names a folder (to look at them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from sparring import Store
from sparring.viewer import create_app
from sparring.viewer.export import export_site
from viewer_pages_world import SCENARIOS, store_run
from viewer_server import serve

pytestmark = pytest.mark.real
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def shoot(page: Page, name: str, folder: Path) -> None:
    """A full-page screenshot, kept in `folder` and in $SPARRING_SCREENSHOTS when set."""
    shot = page.screenshot(full_page=True)
    assert len(shot) > 10_000, f"{name}: an empty page?"
    for target in (folder, os.environ.get("SPARRING_SCREENSHOTS")):
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            (Path(target) / f"{name}.png").write_bytes(shot)


def test_every_page_renders_in_a_real_browser(tmp_path, example_suite):
    store = Store.open(str(tmp_path / "pages.db"))
    store_run(store, "base", {s: ["pass", "pass"] for s in SCENARIOS}, agent="openai:old-bot")
    run = store_run(store, "cand", SCENARIOS, hours=1, errored="late-70min-full-refund")
    export_site(store, run, tmp_path / "site", store.get_run("base"), example_suite)
    app = create_app(store, suites={"food-delivery": example_suite})
    with serve(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1300, "height": 900})

        def visit(path: str, name: str) -> Page:
            response = page.goto(base + path)
            assert response is not None and response.status == 200, path
            shoot(page, name, tmp_path)
            return page

        visit("/", "runs")
        expect(page.get_by_role("cell", name="openai:old-bot")).to_be_visible()
        visit("/runs/cand", "run")
        decision = page.locator("section.decision")
        expect(decision.get_by_role("heading", name="Decision: ✘ FAIL")).to_be_visible()
        expect(decision.get_by_text("62% (5/8)")).to_be_visible()  # the failed gate's reason
        expect(page.get_by_text("1 flaky: high-value-party-order-late")).to_be_visible()
        page.get_by_role("link", name="refund_only_when_eligible").first.click()
        expect(
            page.get_by_role("heading", name="Conversations with a fail or error of refund_only_when_eligible (3)")
        ).to_be_visible()
        page.get_by_label("text").fill("voucher")
        page.get_by_role("button", name="filter").click()
        assert page.locator("table.drilldown tr").count() == 2, "header and the one conversation that says it"
        shoot(page, "run-filtered", tmp_path)
        page.get_by_role("link", name="cand:fraud-repeat-refunds:0").click()
        expect(page.get_by_role("heading", name="Conversation Fourth refund request in a month")).to_be_visible()
        expect(page.get_by_text("verdict hidden until you label").first).to_be_visible()
        shoot(page, "conversation", tmp_path)
        page.get_by_role("link", name="side by side").first.click()
        expect(page.get_by_text("outcome changed")).to_be_visible()
        shoot(page, "compare-scenario", tmp_path)
        visit("/compare?a=base&b=cand", "compare")
        assert page.locator("table.compare tr").nth(1).get_by_role("cell").first.inner_text() == (
            "refund_only_when_eligible"
        )
        visit("/history/food-delivery", "history")
        assert page.locator("figure.spark").count() == 2
        visit("/calibration", "calibration")
        visit("/runs/cand/discover", "discover")
        page.goto((tmp_path / "site" / "index.html").as_uri())
        expect(page.get_by_role("heading", name="Decision: ✘ FAIL")).to_be_visible()
        shoot(page, "export-index", tmp_path)
        browser.close()
