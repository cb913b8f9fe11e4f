"""The web viewer end to end: a real uvicorn server on 127.0.0.1 over a real SQLite file, driven by headless
Chromium (Debian's package, through Playwright, no browser download): runs → run → conversation, a tool
call and a verdict on screen, a label recorded and found in the database, and HTML in a transcript shown
as text. Plus the label endpoint's refusals of bad fields, checked over HTTP (cross-site writes and foreign
host names: test_viewer_security.py)."""

import asyncio
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from scripted_world import world_reply
from sparring import (
    AgentTurn,
    Conversation,
    CustomerTurn,
    ModelPool,
    Outcome,
    RoleOverrides,
    RunOptions,
    ScriptedModel,
    Store,
    ToolCallRecord,
    Verdict,
    run_suite,
)
from sparring.viewer import create_app
from viewer_server import TOKEN, serve

pytestmark = pytest.mark.real
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAYLOAD = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"><b>bold?</b>'


@pytest.fixture
def served(example_suite, tmp_path):
    db = tmp_path / "viewer.db"
    store = Store.open(str(db))
    pool = ModelPool()
    pool.add(ScriptedModel(world_reply, "scripted:world"))
    options = RunOptions(
        label="baseline",
        scenarios=3,
        evaluation_ids=["professional_tone", "no_invented_order_facts"],
        cache=False,
        models=RoleOverrides(model="scripted:world"),
    )
    run = asyncio.run(run_suite(example_suite, store, options, pool)).run
    hostile = Conversation(
        id=f"{run.id}:html-payload:0",
        run_id=run.id,
        scenario_id="html-payload",
        turns=[
            CustomerTurn(content=PAYLOAD),
            AgentTurn(
                content="Let me check.",
                tool_calls=[
                    ToolCallRecord(id="t", name="lookup_order", arguments={"order_id": "O-1"}, result={"note": PAYLOAD})
                ],
            ),
        ],
    )
    store.save_conversation(
        hostile,
        [
            Verdict(
                evaluation_id="professional_tone", conversation_id=hostile.id, outcome=Outcome.FAIL, reasoning=PAYLOAD
            )
        ],
    )
    with serve(create_app(store)) as base:
        yield base, store, run, hostile


def test_browse_label_and_escape_in_a_real_browser(served):
    base, store, run, hostile = served
    assert shutil.which("chromium"), "the viewer tests need Debian's chromium: apt-get install -y chromium"
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/")
        page.get_by_role("link", name="baseline").click()
        expect(page.get_by_role("heading", name="Run baseline")).to_be_visible()
        expect(page.locator("td", has_text="professional_tone").first).to_be_visible()

        page.get_by_role("link", name=hostile.id).click()
        assert page.title() != "pwned" and not dialogs, "no script from the transcript ran"
        expect(page.get_by_text(PAYLOAD, exact=True).first).to_be_visible()  # the payload is shown as text
        assert page.locator("img[src='x']").count() == 0 and page.locator("main b", has_text="bold?").count() == 0
        expect(page.locator(".tool", has_text="tool call lookup_order")).to_be_visible()

        normal = next(c for c in store.conversations(run.id) if c.id != hostile.id)
        page.goto(f"{base}/conversations/{normal.id}")
        expect(page.locator(".tool", has_text="tool call lookup_order").first).to_be_visible()
        verdict = page.locator("#eval-professional_tone")
        expect(verdict.get_by_text("verdict hidden until you label")).to_be_visible()  # the label form comes first
        assert verdict.locator("span.state").count() == 0, "the judge's verdict is not on the page before labelling"
        verdict.get_by_label("fail").check()
        verdict.get_by_placeholder("note").fill("too curt <b>really</b>")
        verdict.get_by_placeholder("your name").fill("rita")
        verdict.get_by_role("button", name="save label").click()
        expect(page.get_by_text("Label saved for professional_tone")).to_be_visible()
        verdict = page.locator("#eval-professional_tone")
        expect(verdict.locator("span.pass", has_text="pass").first).to_be_visible()  # shown once the label is saved
        expect(verdict.get_by_text("human label by rita: ✘ FAIL — too curt <b>really</b>")).to_be_visible()

        token = {"csrf_token": TOKEN.findall(page.content())[0]}
        refused = page.request.post(
            base + "/labels",
            form={"conversation_id": normal.id, "evaluation_id": "professional_tone", "label": "maybe", **token},
        )
        unknown = page.request.post(
            base + "/labels",
            form={"conversation_id": "nope", "evaluation_id": "professional_tone", "label": "pass", **token},
        )
        wrong_eval = page.request.post(
            base + "/labels",
            form={"conversation_id": normal.id, "evaluation_id": "not_judged", "label": "pass", **token},
        )
        missing = page.request.post(base + "/labels", form={"conversation_id": normal.id, **token})
        assert (refused.status, unknown.status, wrong_eval.status, missing.status) == (422, 404, 422, 422)

        page.goto(f"{base}/history/{run.suite}")
        assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 100
        page.goto(f"{base}/compare?a={run.id}&b={run.id}")
        expect(page.get_by_text("no detectable change").first).to_be_visible()
        browser.close()
    [label] = store.labels("professional_tone")
    assert (label.conversation_id, label.label, label.note, label.labeller) == (
        normal.id,
        "fail",
        "too curt <b>really</b>",
        "rita",
    )


def test_pages_send_a_strict_content_security_policy(served):
    import urllib.request

    base, _store, run, _hostile = served
    with urllib.request.urlopen(f"{base}/runs/{run.id}") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
