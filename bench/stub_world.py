"""Stub CPU per request, generic world vs the suite world (`python -m sparring.testing --suite`): the requests of
a whole demo-suite run are answered again by each responder, best of 5. Exits non-zero when the suite world
costs more than its target per request (the stub must stay cheap: bench/runner.py drives it at high rates).

    python bench/stub_world.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sparring import ModelPool, RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.testing import StubServer, world_responder
from sparring.testing.suite_world import SuiteWorld

SUITE = Path(__file__).resolve().parents[1] / "examples" / "food-delivery"
TARGET_US = 50.0  # suite world, microseconds of CPU per request


def recorded_requests() -> list[dict[str, Any]]:
    """Every request body of one run of the demo suite (3 trials) against the suite world."""
    suite = load_suite(SUITE)
    with tempfile.TemporaryDirectory() as folder, StubServer(SuiteWorld.from_suite(suite)) as server:
        options = RunOptions(models=RoleOverrides(model="openai:stub", base_url=server.base_url), trials=3)
        asyncio.run(run_suite(suite, Store.open(f"{folder}/runs.db"), options, ModelPool()))
        return list(server.requests)


def cpu_per_request_us(responder: Any, bodies: list[dict[str, Any]]) -> float:
    """Best of 5: CPU microseconds per answered request."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for body in bodies:
            responder(body)
        best = min(best, time.process_time() - start)
    return best / len(bodies) * 1e6


def main() -> int:
    """Print both figures and the target; non-zero exit on a miss."""
    bodies = recorded_requests()
    generic = cpu_per_request_us(world_responder, bodies)
    suite = cpu_per_request_us(SuiteWorld.from_suite(load_suite(SUITE)), bodies)
    print(f"{len(bodies)} requests of a demo-suite run")
    print(f"generic world: {generic:8.1f} us CPU per request")
    verdict = "ok  " if suite <= TARGET_US else "MISS"
    print(f"{verdict} suite world: {suite:8.1f} us CPU per request (target <= {TARGET_US} us)")
    return 0 if suite <= TARGET_US else 1


if __name__ == "__main__":
    sys.exit(main())
