"""The per-call path of every model call: the cache's in-memory index, one serialisation per request,
the concurrency limit and timeout without a task per call. Real SQLite files and a real stub server."""

import asyncio
import hashlib

from sparring import ChatRequest, Message, Store
from sparring.data_model import CallStats
from sparring.models import ScriptedModel, create_model
from sparring.models.cache import CachedModel, cache_key
from sparring.models.resilience import AdaptiveLimit, ResilientModel
from sparring.testing import StubConfig, StubServer


def request(text: str = "hi", **extra) -> ChatRequest:
    """A one-message request."""
    return ChatRequest(messages=[Message(role="user", content=text)], **extra)


def counting_reads(store: Store, monkeypatch) -> list[str]:
    """The keys `store` reads from its database from now on."""
    reads: list[str] = []
    original = store._read_cached

    def read(key: str):
        reads.append(key)
        return original(key)

    monkeypatch.setattr(store, "_read_cached", read)
    return reads


def test_a_known_miss_reads_nothing_and_a_stored_answer_is_found_by_a_new_store(tmp_path, monkeypatch):
    path = str(tmp_path / "cache.db")
    store = Store.open(path)
    reads = counting_reads(store, monkeypatch)
    assert store.cached_response("a" * 64) is None and reads == [], "an empty cache answers without a read"
    store.cache_response("b" * 64, "openai:x", {"content": "stored"})
    store.flush_cache()
    assert store.cached_response("b" * 64) == {"content": "stored"} and reads == ["b" * 64]
    store.close()
    again = Store.open(path)  # its index is read from the file
    reads = counting_reads(again, monkeypatch)
    assert again.cached_response("b" * 64) == {"content": "stored"}
    assert again.cached_response("c" * 64) is None and reads == ["b" * 64]
    again.close()


async def test_the_cache_key_hashes_the_very_bytes_sent_to_the_server(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    store = Store.open(str(tmp_path / "k.db"))
    sent: list[bytes] = []
    with StubServer() as server:
        model = create_model("openai:stub", base_url=server.base_url)
        post = model._post

        async def spy(body: bytes):
            sent.append(body)
            return await post(body)

        monkeypatch.setattr(model, "_post", spy)
        cached = CachedModel(model, store, CallStats())
        first = await cached.complete(request(seed=3, trial=1))
        again = await cached.complete(request(seed=3, trial=1))
        await cached.complete(request(seed=3, trial=2))
        await model.aclose()
    assert len(sent) == 2 and again.cached and again.content == first.content
    identity = f"openai:stub@{server.base_url}"
    expected = hashlib.sha256(f"{identity}\n1\n0\n".encode() + sent[0]).hexdigest()
    assert cache_key(identity, request(seed=3, trial=1), sent[0]) == expected
    assert store.cached_response(expected) is not None
    assert sent[0] == sent[1], "trials differ in the key, not in the body"


async def test_a_server_without_json_schema_gets_the_request_again_without_it(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with StubServer(config=StubConfig(reject_schema=True)) as server:
        model = create_model("openai:stub", base_url=server.base_url)
        answer = await model.complete(request(response_schema={"type": "object"}))
        await model.complete(request(response_schema={"type": "object"}))
        await model.aclose()
    assert answer.content
    assert ["response_format" in body for body in server.requests] == [True, True, False, False]


async def test_a_request_encoded_before_another_learnt_of_the_refusal_is_sent_again_without_schema(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    asked = request(response_schema={"type": "object"})
    with StubServer(config=StubConfig(reject_schema=True)) as server:
        model = create_model("openai:stub", base_url=server.base_url)
        encoded = model.encode(asked)  # made while schemas were still believed supported
        await model.complete(asked)  # this one learns they are not
        answer = await model.complete_encoded(asked, encoded)
        await model.aclose()
    assert answer.content
    assert ["response_format" in body for body in server.requests] == [True, True, False, True, False]


async def test_the_limit_never_exceeds_its_size_and_serves_waiters_in_order():
    limit = AdaptiveLimit(2)
    order: list[int] = []
    peak = 0

    async def call(i: int) -> None:
        nonlocal peak
        async with limit:
            peak = max(peak, limit.in_flight)
            order.append(i)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(call(i) for i in range(8)))
    assert peak == 2 and order == list(range(8)) and limit.in_flight == 0
    limit.on_rate_limit()
    assert limit.limit == 1.0
    await asyncio.gather(*(call(i) for i in range(3)))
    assert peak == 2 and limit.in_flight == 0


async def test_a_waiter_cancelled_as_it_is_woken_gives_its_slot_to_the_next():
    limit = AdaptiveLimit(1)
    entered: list[str] = []

    async def enter(name: str) -> None:
        async with limit:
            entered.append(name)

    await limit.__aenter__()
    second, third = asyncio.create_task(enter("second")), asyncio.create_task(enter("third"))
    await asyncio.sleep(0)  # both wait
    await limit.__aexit__()  # hands the slot to `second`...
    second.cancel()  # ...which is cancelled before it runs
    await asyncio.wait_for(asyncio.gather(second, third, return_exceptions=True), 5)  # a lost slot would hang
    assert entered == ["third"] and limit.in_flight == 0


async def test_a_call_past_its_timeout_is_counted_and_retried():
    calls = 0

    async def slow_then_fast(req: ChatRequest) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.sleep(5)
        return "ok"

    class Slow(ScriptedModel):
        async def complete(self, req: ChatRequest):
            await slow_then_fast(req)
            return await super().complete(req)

    stats = CallStats()
    model = ResilientModel(Slow(["ok"]), stats, max_concurrency=4, timeout_s=0.05, base_delay_s=0.001)
    response = await model.complete(request())
    assert response.content == "ok" and stats.timeouts == 1 and stats.retries == 1 and stats.succeeded == 1
    assert model.limit.in_flight == 0
