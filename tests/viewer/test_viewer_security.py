"""The viewer refuses what another site or a rebound host name asks of it (issue 17): a page on another
origin cannot write a label in a real browser, a hostile host name resolved to 127.0.0.1 (DNS rebinding)
cannot read a transcript, and each defence (Host allow-list, same-origin writes, signed form token) refuses on
its own over plain HTTP, with nothing written. The viewer's own form still works."""

import http.client
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright
from typer.testing import CliRunner

from sparring import Store
from sparring.cli import app as cli
from sparring.viewer import create_app
from sparring.viewer.security import checked_host_name, host_name
from viewer_server import TOKEN, one_judged_conversation, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWER = "http://127.0.0.1:8765"
LABEL = {"evaluation_id": "professional_tone", "label": "fail", "note": "forged"}


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store = Store.open(str(tmp_path / "viewer.db"))
    one_judged_conversation(store)
    yield store
    store.close()


def token_from(client: TestClient) -> str:
    return TOKEN.findall(client.get("/conversations/r1:s0:0").text)[0]


@pytest.mark.parametrize(
    ("form_token", "headers", "status"),
    [
        (None, {}, 403),  # no token
        ("forged.0000", {}, 403),  # a token this viewer did not sign
        ("other-process", {}, 403),  # signed by another viewer process (another secret)
        ("valid", {"Origin": "http://evil.example"}, 403),
        ("valid", {"Origin": "null"}, 403),  # sandboxed or privacy-stripped origins are not the viewer
        ("valid", {"Origin": "http://127.0.0.1:9999"}, 403),  # same host, another port: another origin
        ("valid", {"Referer": "http://evil.example/attack.html"}, 403),
        ("valid", {"Origin": VIEWER, "Referer": "http://evil.example/"}, 403),
        ("valid", {"Host": "evil.example", "Origin": "http://evil.example"}, 400),  # DNS rebinding
    ],
)
def test_forged_writes_are_refused_and_nothing_is_written(store, form_token, headers, status):
    client = TestClient(create_app(store), base_url=VIEWER)
    tokens = {"valid": token_from(client), "other-process": token_from(TestClient(create_app(store), base_url=VIEWER))}
    form = {"conversation_id": "r1:s0:0", **LABEL}
    if form_token:
        form["csrf_token"] = tokens.get(form_token, form_token)
    response = client.post("/labels", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == status
    assert "refused" in response.text and "\n" not in response.text.strip()
    assert store.labels("professional_tone") == []


@pytest.mark.parametrize(
    "headers", [{}, {"Origin": VIEWER}, {"Referer": VIEWER + "/conversations/r1:s0:0"}, {"Origin": VIEWER.upper()}]
)
def test_good_writes_pass(store, headers):
    client = TestClient(create_app(store), base_url=VIEWER)
    form = {"conversation_id": "r1:s0:0", **LABEL, "csrf_token": token_from(client)}
    response = client.post("/labels", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 303, response.text
    [label] = store.labels("professional_tone")
    assert (label.conversation_id, label.label) == ("r1:s0:0", "fail")


def test_field_errors_still_come_after_the_token_check(store):
    client = TestClient(create_app(store), base_url=VIEWER)
    token = token_from(client)
    bad = client.post("/labels", data={"conversation_id": "r1:s0:0", "csrf_token": token})
    unsigned = client.post("/labels", data={"conversation_id": "r1:s0:0"})
    assert (bad.status_code, unsigned.status_code) == (422, 403)


@pytest.mark.parametrize(
    ("bound", "allowed", "host", "status"),
    [
        ("127.0.0.1", (), "127.0.0.1:8765", 200),
        ("127.0.0.1", (), "LOCALHOST:8765", 200),
        ("127.0.0.1", (), "[::1]:8765", 200),
        ("127.0.0.1", (), "evil.example:8765", 400),
        ("127.0.0.1", (), "127.0.0.1.evil.example", 400),
        ("127.0.0.1", (), "", 400),
        ("0.0.0.0", (), "192.168.1.5:8765", 400),
        ("0.0.0.0", ("viewer.internal",), "viewer.internal:8765", 200),
        ("10.1.2.3", (), "10.1.2.3:8765", 200),
        ("::1", (), "[::1]:8765", 200),
    ],
)
def test_only_the_bound_host_names_are_answered(store, bound, allowed, host, status):
    client = TestClient(create_app(store, host=bound, allowed_hosts=allowed), base_url=VIEWER)
    response = client.get("/conversations/r1:s0:0", headers={"Host": host})
    assert response.status_code == status
    assert ("Where is O-1?" in response.text) == (status == 200)


def test_a_rebound_host_name_cannot_read_a_transcript_from_a_real_server(store):
    with serve(create_app(store)) as base:
        connection = http.client.HTTPConnection(*urlsplit(base).netloc.split(":"))
        connection.request("GET", "/conversations/r1:s0:0", headers={"Host": "rebind.example"})
        response = connection.getresponse()
        body = response.read().decode()
    assert response.status == 400 and "Where is O-1?" not in body
    assert body == (
        "refused: this viewer answers only to 127.0.0.1, [::1], localhost, not Host 'rebind.example' "
        "(start it with --allow-host NAME to add a name)"
    )


def test_pages_cannot_be_framed_by_another_site(store):
    policy = TestClient(create_app(store), base_url=VIEWER).get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy


def test_host_names_are_compared_without_port_or_case():
    assert [host_name(h) for h in ("LocalHost:8765", "[::1]:80", "::1", "10.0.0.1")] == [
        "localhost",
        "[::1]",
        "[::1]",
        "10.0.0.1",
    ]
    assert [checked_host_name(n) for n in ("Viewer.Internal", "::1", "[fd00::2]")] == [
        "viewer.internal",
        "[::1]",
        "[fd00::2]",
    ]


@pytest.mark.parametrize("name", ["http://viewer.internal", "viewer.internal:8765", "viewer.internal/x", "", " "])
def test_allow_host_refuses_anything_but_a_host_name_in_one_line(tmp_path, name):
    result = CliRunner().invoke(cli, ["view", "--db", str(tmp_path / "v.db"), "--allow-host", name])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert " ".join(result.output.split()) == (
        f"error: --allow-host takes a host name such as viewer.internal (no scheme, port or path), not {name!r}"
    )
    assert not (tmp_path / "v.db").exists(), "nothing opened or written"


class Attacker(BaseHTTPRequestHandler):
    """Serves `page` (set by the test): an HTML form that posts itself to the viewer as soon as it loads."""

    page = ""

    def do_GET(self) -> None:
        body = self.page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def attack_page(viewer: str, token: str) -> str:
    fields = {"conversation_id": "r1:s0:0", **LABEL, "csrf_token": token}
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (
        f'<form id="f" method="post" action="{viewer}/labels">{inputs}</form>'
        '<script>document.getElementById("f").submit()</script>'
    )


@pytest.mark.real
def test_a_page_on_another_origin_cannot_write_a_label_in_a_real_browser(store):
    assert shutil.which("chromium"), "the viewer tests need Debian's chromium: apt-get install -y chromium"
    attacker = ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    elsewhere = f"http://localhost:{attacker.server_address[1]}/attack.html"
    with serve(create_app(store)) as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP rebind.example 127.0.0.1"],
        )
        page = browser.new_page()
        for token in ("", "leaked"):  # even a leaked valid token does not help: the browser says who posts
            if token:
                token = TOKEN.findall(page.goto(base + "/conversations/r1:s0:0").text())[0]  # type: ignore[union-attr]
            Attacker.page = attack_page(base, token)
            with page.expect_response(base + "/labels") as posted:
                page.goto(elsewhere)
            assert posted.value.status == 403
            assert store.labels("professional_tone") == []

        rebound = page.goto(base.replace("127.0.0.1", "rebind.example") + "/conversations/r1:s0:0")
        assert rebound is not None and rebound.status == 400 and "Where is O-1?" not in page.content()

        page.goto(base + "/conversations/r1:s0:0")
        form = page.locator("#eval-professional_tone")
        form.get_by_label("pass").check()
        form.get_by_role("button", name="save label").click()
        expect(page.get_by_text("Label saved for professional_tone.")).to_be_visible()
        browser.close()
    attacker.shutdown()
    [label] = store.labels("professional_tone")
    assert (label.conversation_id, label.label) == ("r1:s0:0", "pass")
