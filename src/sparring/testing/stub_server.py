"""A stub OpenAI-compatible chat server on 127.0.0.1, for tests and benchmarks.

Answers come from a responder (`body -> assistant message dict`), after a configurable latency
and token throughput, with faults injected at given rates from a seeded generator:
`rate_limit` (429 with Retry-After), `server_error` (500), `timeout` (hangs), `malformed`
(200 with a body that is not JSON) and `reset` (the connection is dropped).

    python -m sparring.testing.stub_server --port 8001 --latency-ms 200 --fault rate_limit=0.05
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sparring.testing.world import world_responder

Responder = Callable[[dict[str, Any]], dict[str, Any]]
FAULTS = ("rate_limit", "server_error", "timeout", "malformed", "reset")


@dataclass
class StubConfig:
    latency_s: float = 0.0
    tokens_per_s: float | None = None  # completion tokens are streamed out at this rate
    faults: dict[str, float] = field(default_factory=dict)  # fault kind -> probability per request
    retry_after_s: float = 0.05
    hang_s: float = 30.0  # how long a `timeout` fault stalls before answering
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULTS)}")
        if sum(self.faults.values()) > 1:
            raise ValueError("fault rates add up to more than 1")


class StubServer:
    def __init__(
        self,
        responder: Responder = world_responder,
        config: StubConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.responder = responder
        self.config = config or StubConfig()
        self.requests: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()
        self._random = random.Random(self.config.seed)
        self._lock = threading.Lock()
        ThreadingHTTPServer.request_queue_size = 1024
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def _draw_fault(self) -> str | None:
        with self._lock:
            roll = self._random.random()
        for kind in FAULTS:
            rate = self.config.faults.get(kind, 0.0)
            if roll < rate:
                return kind
            roll -= rate
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self
        config = self.config

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: clients reuse connections

            def log_message(self, format: str, *args: Any) -> None:  # keep output clean
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                fault = server._draw_fault()
                with server._lock:
                    server.requests.append(body)
                    server.counts["requests"] += 1
                    server.counts[fault or "ok"] += 1
                time.sleep(config.latency_s)
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "rate_limit":
                    self._send(429, {"error": {"message": "slow down"}}, {"Retry-After": str(config.retry_after_s)})
                    return
                if fault == "server_error":
                    self._send(500, {"error": {"message": "internal error"}})
                    return
                if fault == "timeout":
                    time.sleep(config.hang_s)
                if fault == "malformed":
                    self._send_raw(200, b'{"id": "chatcmpl-stub", "choices": [', "application/json")
                    return
                message = {"role": "assistant", "content": None, **server.responder(body)}
                for i, call in enumerate(message.get("tool_calls") or []):
                    call.setdefault("id", f"call_{i}")
                    call.setdefault("type", "function")
                completion_tokens = max(1, len(message.get("content") or "") // 4)
                if config.tokens_per_s:
                    time.sleep(completion_tokens / config.tokens_per_s)
                prompt_tokens = max(1, sum(len(str(m.get("content") or "")) for m in body.get("messages", [])) // 4)
                self._send(
                    200,
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
                    },
                )

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send_raw(status, json.dumps(payload).encode(), "application/json", headers)

            def _send_raw(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    self.close_connection = True

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--tokens-per-s", type=float, default=None)
    parser.add_argument("--fault", action="append", default=[], metavar="KIND=RATE", help=f"one of {FAULTS}")
    parser.add_argument("--hang-s", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    faults = {kind: float(rate) for kind, rate in (f.split("=", 1) for f in args.fault)}
    config = StubConfig(args.latency_ms / 1000, args.tokens_per_s, faults, hang_s=args.hang_s, seed=args.seed)
    server = StubServer(config=config, port=args.port)
    print(server.base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
