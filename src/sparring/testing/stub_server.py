"""A stub OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks (aiohttp.web).

Answers come from a responder (`body -> assistant message dict`), after a configurable latency
and token throughput, with faults injected at given rates from a seeded generator:
`rate_limit` (429 with Retry-After), `server_error` (500), `timeout` (stalls `hang_s`, or until the client hangs up),
`malformed` (200 with a body that is not JSON) and `reset` (the connection is dropped).

    python -m sparring.testing --port 8001 --latency-ms 200 --fault rate_limit=0.05
    python -m sparring.testing --suite examples/food-delivery   # customer and agent follow that suite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic_core import from_json

from sparring.testing.world import world_responder

Responder = Callable[[dict[str, Any]], dict[str, Any]]
FAULTS = ("rate_limit", "server_error", "timeout", "malformed", "reset")


@dataclass
class StubConfig:
    """Latency, token rate, injected faults and their seed."""

    latency_s: float = 0.0
    tokens_per_s: float | None = None  # completion tokens are produced at this rate
    faults: dict[str, float] = field(default_factory=dict)  # fault kind -> probability per request
    retry_after_s: float = 0.05
    hang_s: float = 30.0  # how long a `timeout` fault stalls before answering (it ends early if the client hangs up)
    seed: int = 0
    reject_schema: bool = False  # answer HTTP 400 to a request with a JSON-schema response_format

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if sum(self.faults.values()) > 1:
            raise ValueError("fault rates add up to more than 1")


async def _stalled_through(request: web.Request, seconds: float) -> bool:
    """Stall up to `seconds`; False as soon as the client has hung up (a stall outliving its client would hold up
    the server's shutdown, which waits for every handler)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        if request.transport is None or request.transport.is_closing():
            return False
        await asyncio.sleep(min(0.05, remaining))
    return True


class StubServer:
    """Use as a context manager (served from a background thread), or `serve_forever()`."""

    def __init__(
        self,
        responder: Responder = world_responder,
        config: StubConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        record: bool = True,
    ) -> None:
        self.responder = responder
        self.record = record  # keep every request body in `requests` (tests read them; a long-lived server must not)
        self.config = config or StubConfig()
        self.host, self.port = host, port
        self.requests: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self._random = random.Random(self.config.seed)
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL to point a model at."""
        return f"http://{self.host}:{self.port}/v1"

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = self._runner.addresses[0][1]

    def __enter__(self) -> StubServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def serve_forever(self, on_ready: Callable[[str], None]) -> None:
        """Serve from this thread until killed; `on_ready` gets the base URL once it listens."""
        self._loop.run_until_complete(self._start())
        on_ready(self.base_url)
        self._loop.run_forever()

    def _draw_fault(self) -> str | None:
        roll = self._random.random()
        for kind in FAULTS:
            rate = self.config.faults.get(kind, 0.0)
            if roll < rate:
                return kind
            roll -= rate
        return None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        config = self.config
        body = from_json(await request.read())  # pydantic-core's parser: a third of json.loads's CPU here
        if self.record:
            self.requests.append(body)
        if config.reject_schema and "response_format" in body:
            self.counts["rejected"] += 1
            return web.json_response({"error": {"message": "response_format is not supported"}}, status=400)
        fault = self._draw_fault()
        self.counts["requests"] += 1
        self.counts[fault or "ok"] += 1
        await asyncio.sleep(config.latency_s)
        if fault == "reset":
            transport = request.transport
            if transport is not None:
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            return web.Response()
        if fault == "rate_limit":
            error = {"error": {"message": "slow down"}}
            return web.json_response(error, status=429, headers={"Retry-After": str(config.retry_after_s)})
        if fault == "server_error":
            return web.json_response({"error": {"message": "internal error"}}, status=500)
        if fault == "timeout" and not await _stalled_through(request, config.hang_s):
            return web.Response()  # the client gave up: nobody to answer
        if fault == "malformed":
            return web.Response(body=b'{"id": "chatcmpl-stub", "choices": [', content_type="application/json")
        message = {"role": "assistant", "content": None, **self.responder(body)}
        for i, call in enumerate(message.get("tool_calls") or []):
            call.setdefault("id", f"call_{i}")
            call.setdefault("type", "function")
        completion_tokens = max(1, len(message.get("content") or "") // 4)
        if config.tokens_per_s:
            await asyncio.sleep(completion_tokens / config.tokens_per_s)
        prompt_tokens = max(1, sum(len(str(m.get("content") or "")) for m in body.get("messages", [])) // 4)
        return web.Response(
            text=json.dumps(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "stub"),
                    "choices": [
                        {
                            "index": 0,
                            "message": message,
                            "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            ),
            content_type="application/json",
        )


def main(argv: list[str] | None = None) -> None:
    """`python -m sparring.testing`: serve the stub, print its base URL."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--tokens-per-s", type=float, default=None)
    parser.add_argument("--fault", action="append", default=[], metavar="KIND=RATE", help=f"one of {FAULTS}")
    parser.add_argument("--hang-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suite", default=None, help="play this suite's scenarios and tools (loaded once)")
    args = parser.parse_args(argv)
    faults = {kind: float(rate) for kind, rate in (f.split("=", 1) for f in args.fault)}
    config = StubConfig(args.latency_ms / 1000, args.tokens_per_s, faults, hang_s=args.hang_s, seed=args.seed)
    responder = world_responder if args.suite is None else suite_responder(args.suite)
    StubServer(responder, config=config, port=args.port, record=False).serve_forever(lambda url: print(url, flush=True))


def suite_responder(path: str) -> Responder:
    """The world of the suite at `path`; a suite that does not load exits with its one-line error."""
    from sparring.suite import SuiteError, load_suite
    from sparring.testing.suite_world import SuiteWorld

    try:
        return SuiteWorld.from_suite(load_suite(path))
    except SuiteError as error:
        sys.exit(f"error: {error}")
