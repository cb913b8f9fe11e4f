"""Fuzzed viewer requests (issue 28: ids are data): any text as a run, conversation, scenario or suite id and as a
query value, on every page the viewer serves, answers a page or a refusal (200, 404 or 422), and any text in the
label form's fields saves the label or is refused (303, 404 or 422) with nothing written; never a server error or a
hang, on a real SQLite file and on a real PostgreSQL server. Found so: a NUL in a conversation id or a suite name
was a 500 on PostgreSQL (it refuses NUL in a query), a NUL in a label's note or labeller a 500 on both."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from fuzz_inputs import FUZZ
from services import fresh_database
from sparring import Store
from sparring.viewer import create_app
from sparring.viewer.security import TOKEN_FIELD
from viewer_server import TOKEN, one_judged_conversation

pytestmark = pytest.mark.real

# any text, the hostile ids issue 28 names (NUL, '/', '%', very long), and real ids so the pages behind them render
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
HOSTILE = ["\x00", "r1:s0\x00:0", "r1\x00", "a/b", "../r1", "%2F", "%00", "x" * 400, "<script>", "' OR 1=1 --"]
REAL = ["r1", "baseline", "r1:s0:0", "s0", "demo", "professional_tone", "0", "-1", "1e9"]
ID = st.sampled_from(HOSTILE + REAL) | TEXT


def urls(a: str, b: str) -> list[str]:
    """Every GET page of the viewer with `a` and `b` as its ids and query values."""
    p = quote(a, safe="")
    return [
        f"/?{urlencode({'page': b, 'suite': a, 'label': b, 'agent': a})}",
        f"/runs/{p}?{urlencode({'page': b, 'evaluation': a, 'outcome': b, 'tag': a, 'q': b, 'sort': a})}",
        f"/runs/{p}/discover",
        f"/conversations/{p}?{urlencode({'saved': b, 'show': a})}",
        f"/compare?{urlencode({'a': a, 'b': 'r1', 'margin': b})}",
        f"/compare/scenario?{urlencode({'a': 'r1', 'b': a, 'scenario': b, 'trial': b})}",
        f"/history/{p}?{urlencode({'label': b, 'agent': a})}",
        f"/history/{p}/chart.svg",
        f"/calibration?{urlencode({'x': a})}",
    ]


def answers_every_url(store: Store):
    client = TestClient(create_app(store), base_url="http://127.0.0.1", raise_server_exceptions=False)
    token = TOKEN.findall(client.get("/conversations/r1:s0:0").text)[0]
    form = {
        "conversation_id": "r1:s0:0",
        "evaluation_id": "professional_tone",
        "label": "pass",
        "note": "",
        "labeller": "",
    }

    @FUZZ
    @given(ID, ID, st.sampled_from(sorted(form)))
    def check(a: str, b: str, field: str) -> None:
        for url in urls(a, b):
            status = client.get(url).status_code
            assert status in (200, 404, 422), (url, status)
        before = store.labels()
        sent = {**form, field: a, TOKEN_FIELD: token}
        status = client.post("/labels", data=sent, headers={"Origin": "http://127.0.0.1"}, follow_redirects=False)
        assert status.status_code in (303, 404, 422), (sent, status.status_code, status.text)
        if status.status_code != 303:
            assert store.labels() == before, "a refused label wrote nothing"

    return check


def test_any_id_or_query_value_is_a_page_or_a_refusal_on_sqlite(tmp_path):
    store = Store.open(str(tmp_path / "runs.db"))
    one_judged_conversation(store)
    answers_every_url(store)()
    store.close()


def test_any_id_or_query_value_is_a_page_or_a_refusal_on_postgresql(postgres_url):
    store = Store.open(fresh_database(postgres_url, "viewer_fuzz"))
    one_judged_conversation(store)
    answers_every_url(store)()
    store.close()


def test_a_nul_in_an_address_or_a_form_is_one_refusal(tmp_path):
    store = Store.open(str(tmp_path / "runs.db"))
    one_judged_conversation(store)
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    missing = client.get("/conversations/r1%00")
    assert missing.status_code == 404
    assert missing.text == "not found: the address holds a NUL character (U+0000), which no stored name holds"
    asked = client.get("/runs/r1", params={"q": "late\x00"})
    assert (asked.status_code, asked.text) == (
        422,
        "q: a NUL character (U+0000) cannot be asked for (no stored name or text holds one)",
    )
    token = TOKEN.findall(client.get("/conversations/r1:s0:0").text)[0]
    form = {"conversation_id": "r1:s0:0", "evaluation_id": "professional_tone", "label": "fail", "note": "a\x00b"}
    saved = client.post("/labels", data={**form, TOKEN_FIELD: token}, headers={"Origin": "http://127.0.0.1"})
    assert saved.status_code == 422 and "labels.note" in saved.json()["detail"] and "NUL" in saved.json()["detail"]
    assert store.labels() == []
