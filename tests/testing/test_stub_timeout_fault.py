"""The stub's `timeout` fault: it stalls `hang_s` before answering, and ends as soon as its client hangs up, so a
long hang never holds up the server's shutdown (which waits for every handler) after the client has gone."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from sparring.testing import StubConfig, StubServer

BODY = {"model": "stub", "messages": [{"role": "user", "content": "Where is my order?"}]}


async def post(server: StubServer, timeout_s: float) -> int | None:
    """The HTTP status, or None when the client gave up after `timeout_s`."""
    async with aiohttp.ClientSession() as session:
        try:
            async with asyncio.timeout(timeout_s):
                async with session.post(f"{server.base_url}/chat/completions", json=BODY) as reply:
                    await reply.read()
                    return reply.status
        except TimeoutError:
            return None


def test_a_hang_answers_after_hang_s_when_the_client_waits():
    with StubServer(config=StubConfig(faults={"timeout": 1.0}, hang_s=0.4)) as server:
        started = time.monotonic()
        status = asyncio.run(post(server, timeout_s=10))
        waited = time.monotonic() - started
    assert status == 200 and 0.4 <= waited < 5, waited
    assert server.counts["timeout"] == 1


def test_a_hang_ends_when_its_client_hangs_up():
    server = StubServer(config=StubConfig(faults={"timeout": 1.0}, hang_s=60))
    with server:
        assert asyncio.run(post(server, timeout_s=0.3)) is None
        closing = time.monotonic()
    assert time.monotonic() - closing < 5, "the shutdown did not wait out the 60 s hang"
    assert server.counts["timeout"] == 1
