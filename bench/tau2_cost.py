"""Cost of an imported τ² suite (issue 29, item 7): CPU per conversation and peak resident memory of a run of
`sparring import tau2 airline` against an instant stub model server that plays the suite (`--suite`, latency 0,
in its own process: its CPU is not counted). Each size runs in a fresh process; CPU is the run's own (suite
loading and τ²'s import excluded, the τ² reward and every other evaluation included), peak RSS is the whole
process's. Targets: <= 50 ms of CPU per conversation, <= 400 MB peak for 100 conversations. Exits 1 on a miss.

    python bench/tau2_cost.py                  # 20 and 100 conversations of the airline domain
    python bench/tau2_cost.py --domain retail --sizes 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from runner import machine

CPU_TARGET_MS = 50.0
RSS_TARGET_MB = 400.0
RSS_SIZE = 100


def child(suite_dir: str, conversations: int, base_url: str, concurrency: int = 8, tasks: int = 0) -> dict[str, float]:
    """One run of `conversations` conversations: the suite's first `tasks` tasks (as many as there are
    conversations when 0), as many trials as needed."""
    from sparring import ModelPool, RoleOverrides, RunOptions, Store, load_suite, run_suite

    suite = load_suite(suite_dir)
    ids = [s.id for s in suite.scenarios][: tasks or conversations]
    trials = -(-conversations // len(ids))
    models = RoleOverrides(model="openai:stub", base_url=base_url)
    options = RunOptions(scenario_ids=ids, trials=trials, models=models, concurrency=concurrency)
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"{folder}/runs.db")
        start = time.process_time()
        result = asyncio.run(run_suite(suite, store, options, ModelPool()))
        cpu = time.process_time() - start
        done = len(store.conversations(result.run.id))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"conversations": done, "cpu_ms": cpu / max(done, 1) * 1000, "peak_mb": peak}


def measure(suite_dir: Path, conversations: int, base_url: str) -> dict[str, float]:
    """`child` in a fresh process (a clean peak RSS)."""
    command = [sys.executable, __file__, "--child", str(suite_dir), str(conversations), base_url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    """Import the domain, start the stub, measure each size, print figures against targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--domain", default="airline")
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, RSS_SIZE])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), args.child[2])))
        return 0
    from sparring.importers.tau2_domain import load_domain
    from sparring.importers.tau2_suite import write_suite

    print(machine())
    misses = 0
    with tempfile.TemporaryDirectory() as folder:
        suite_dir = write_suite(load_domain(args.domain), Path(folder) / "suite")
        stub = [sys.executable, "-m", "sparring.testing", "--port", "0", "--latency-ms", "0", "--suite", str(suite_dir)]
        process = subprocess.Popen(stub, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            for size in args.sizes:
                figures = measure(suite_dir, size, base_url)
                cpu_ok = figures["cpu_ms"] <= CPU_TARGET_MS
                rss_ok = size != RSS_SIZE or figures["peak_mb"] <= RSS_TARGET_MB
                misses += (not cpu_ok) + (not rss_ok)
                print(
                    f"{'ok  ' if cpu_ok else 'MISS'} τ² {args.domain}, {figures['conversations']:.0f} conversations: "
                    f"{figures['cpu_ms']:.1f} ms CPU per conversation (target <= {CPU_TARGET_MS:.0f} ms)"
                )
                target = f"target <= {RSS_TARGET_MB:.0f} MB" if size == RSS_SIZE else f"target at {RSS_SIZE} only"
                print(f"{'ok  ' if rss_ok else 'MISS'}   peak RSS {figures['peak_mb']:.0f} MB ({target})")
        finally:
            process.kill()
            process.wait()
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
