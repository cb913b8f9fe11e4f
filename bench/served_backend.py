"""The backend served to a deployed bot (issue 30, cost and load). Prints each figure against its target, with
date, machine and load, and exits non-zero on a miss:

- Sparring's CPU per tool call served over MCP, and over REST, ≤ 2 ms: this process serves the backends (uvicorn,
  the MCP SDK, the suite's tools) while the bots' clients run in another process; this process's CPU time during
  the load (`time.process_time`), over the tool calls made. MCP includes each client's session setup (one per
  conversation), spread over its calls;
- 200 conversations calling through MCP at once, each `--calls` tool calls: no error (every call answered, recorded
  in its own conversation, no refusal).

    python bench/served_backend.py [--conversations 200] [--calls 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import CLOCK, Figure, machine  # noqa: E402

from sparring import load_suite  # noqa: E402
from sparring.agents.served import BackendServer, ServedConversation  # noqa: E402

SUITE = Path(__file__).resolve().parents[1] / "examples" / "food-delivery"
CALL = ("lookup_order", {"order_id": "O-2002"})

_CLIENTS = """
import asyncio, json, sys
import aiohttp
from mcp.client import Client

async def over_mcp(url, calls):
    async with Client(url + "/mcp") as client:
        for _ in range(calls):
            result = await client.call_tool(NAME, ARGS)
            assert not result.is_error, result.content[0].text

async def over_rest(http, url, calls):
    for _ in range(calls):
        async with http.post(url + "/tools/" + NAME, json=ARGS) as answer:
            assert answer.status == 200, await answer.text()

async def main(transport, calls, urls):
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        jobs = [over_mcp(u, calls) if transport == "mcp" else over_rest(http, u, calls) for u in urls]
        results = await asyncio.gather(*jobs, return_exceptions=True)
    errors = [f"{type(r).__name__}: {r}" for r in results if isinstance(r, BaseException)]
    print(json.dumps(errors[:5] + [len(errors)]))

NAME, ARGS = json.loads(sys.argv[3])
asyncio.run(main(sys.argv[1], int(sys.argv[2]), json.loads(open(sys.argv[4]).read())))
"""


async def serve_load(transport: str, conversations: int, calls: int) -> tuple[float, list[str], int]:
    """CPU seconds this process spent serving, the client errors, and the calls recorded."""
    suite = load_suite(SUITE)
    scenario = next(s for s in suite.scenarios if s.id == "late-40min-fee")
    server = BackendServer()
    opened: list[ServedConversation] = []
    for _ in range(conversations):
        opened.append(await server.open(suite.backend_factory()(scenario, CLOCK)))
        opened[-1].begin_turn()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as urls:
        json.dump([server.url(c) for c in opened], urls)
    cpu = time.process_time()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CLIENTS,
        transport,
        str(calls),
        json.dumps(CALL),
        urls.name,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    used = time.process_time() - cpu
    *errors, count = json.loads(out.decode() or "[-1]")
    records = [r for c in opened for r in c.end_turn()]
    problems = [m for c in opened for m in c.mistakes] + [r.error for r in records if r.error]
    for conversation in opened:
        await server.close(conversation)
    return used, errors + problems + ([f"{count} clients failed"] if count else []), len(records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    figures, failed = [], False
    for transport in ("mcp", "rest"):
        used, errors, recorded = asyncio.run(serve_load(transport, args.conversations, args.calls))
        expected = args.conversations * args.calls
        per_call_ms = used / max(recorded, 1) * 1000
        figures.append(Figure(f"Sparring CPU per tool call over {transport}", per_call_ms, 2.0, False, " ms"))
        print(
            f"{transport}: {args.conversations} conversations at once × {args.calls} calls: {recorded} of {expected} "
            f"recorded, {len(errors)} errors{': ' + '; '.join(map(str, errors[:3])) if errors else ''}; "
            f"{used:.2f} s CPU in the serving process"
        )
        failed |= bool(errors) or recorded != expected
    for figure in figures:
        verdict = "ok" if figure.ok else "MISS"
        print(f"{figure.name}: {figure.value:.3f}{figure.unit} (target ≤ {figure.target}{figure.unit}) {verdict}")
    return 1 if failed or not all(f.ok for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
