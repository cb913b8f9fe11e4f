"""The compare page in a real browser (Debian's chromium through Playwright, a real uvicorn server on 127.0.0.1, a
real SQLite file), with a screenshot: the headline's outcome, each evaluation's outcome and reason, failing
evaluations first, and an n/a → fail scenario opened side by side from its link. The screenshot goes to pytest's
tmp_path, and also to $SPARRING_SCREENSHOTS when it names a folder (to look at it)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from sparring import Store
from sparring.viewer import create_app
from viewer.test_viewer_compare_outcomes import planted
from viewer.test_viewer_pages_browser import shoot
from viewer_server import serve

pytestmark = pytest.mark.real
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_compare_page_in_a_real_browser(tmp_path):
    store = Store.open(str(tmp_path / "compare.db"))
    planted(store)
    with serve(create_app(store)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        response = page.goto(base + "/compare?a=a&b=b")
        assert response is not None and response.status == 200
        shoot(page, "compare-outcomes", tmp_path)
        decision = page.locator("section.decision")
        expect(decision.get_by_role("heading", name="Comparison: ✘ FAIL (margin 5 points)")).to_be_visible()
        expect(decision.get_by_text("fail: 2 of 4 evaluations dropped significantly more")).to_be_visible()
        rows = page.locator("table.compare tr[id^=evaluation-]")
        assert [rows.nth(i).locator("td").first.inner_text() for i in range(4)] == [
            "risky",
            "drops",
            "covered",
            "steady",
        ]
        outcome = page.locator("#evaluation-covered td").nth(1)
        assert outcome.inner_text() == "? inconclusive"
        assert outcome.locator("span").evaluate("e => getComputedStyle(e).color") == "rgb(138, 83, 0)"
        expect(page.get_by_text("coverage lost (→ n/a) (3):")).to_be_visible()
        page.locator("p.scenarios", has_text="n/a → fail (8):").get_by_role("link", name="s00").click()
        expect(page.get_by_role("heading", name="Scenario s00 (trial 0): a → b")).to_be_visible()
        expect(page.get_by_text("outcome changed")).to_be_visible()
        shoot(page, "compare-outcomes-side-by-side", tmp_path)
        browser.close()
