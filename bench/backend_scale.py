"""Backend at real size (issue 20, benchmarks): a generated ~50 MB snapshot (≥ 100,000 records over 6 collections
with references) and 1,000 scenario files with overrides (bench/backend_scale_data.py, seeded). Prints each figure
against its target, with date, machine and load, and exits non-zero on a miss:

- suite load (`load_suite`, YAML included) in a fresh process ≤ 2 s (best of `--repeats`);
- `sparring run SUITE --dry-run`, the whole process, ≤ 3 s, every scenario naming an order as a known fact that must
  exist (issue 28); and load time linear in scenarios: CPU per scenario, 1,000 over 250 ≤ 1.5;
- 1,000 conversations against the stub server (its own process): peak RSS ≤ the snapshot's size in memory + 400 MB;
- store growth per conversation ≤ transcript + diff + 2 KB (database file growth / conversations, against the mean
  JSON size of a conversation's turns + state diff; model-answer cache off, its size printed apart);
- the state-reading checks give the same verdicts with full copies: on a sample, each conversation's tool calls are
  replayed on a deep copy of its scenario's state and the checks judge that full end state.

    python bench/backend_scale.py [--data DIR] [--repeats 2] [--sample 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backend_scale_data import generate  # noqa: E402
from runner import CLOCK, Figure, StubProcess, machine  # noqa: E402

from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite  # noqa: E402
from sparring.backend import BackendState, SnapshotBackend, build_state  # noqa: E402
from sparring.backend.overlay import copy_json  # noqa: E402
from sparring.data_model import Conversation  # noqa: E402
from sparring.data_model.conversation import StateDiff  # noqa: E402
from sparring.suite import Suite  # noqa: E402

CHECKS = ["contact_logged", "contact_count_bumped", "end_state_matches"]

_TIMED_LOAD = """
import sys, time
start = time.perf_counter()
from sparring import load_suite
imported, cpu = time.perf_counter(), time.process_time()
suite = load_suite(sys.argv[1])
print(imported - start, time.perf_counter() - imported, time.process_time() - cpu, len(suite.scenarios))
"""

_SNAPSHOT_RSS = """
import json, os, sys
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
before = rss()
data = json.loads(open(sys.argv[1], 'rb').read())
print(rss() - before)
"""


def _python(code: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return out.stdout.split()


def bench_load(suite_dir: Path, repeats: int) -> Figure:
    """load_suite in a fresh process (imports excluded, printed apart), best of `repeats`."""
    times = []
    for _ in range(repeats):
        imported, loaded, cpu, count = _python(_TIMED_LOAD, str(suite_dir))
        times.append(float(loaded))
        print(
            f"load_suite: {count} scenarios in {float(loaded):.2f}s, {float(cpu):.2f}s of CPU "
            f"(imports before it {float(imported):.2f}s)"
        )
    return Figure("suite load (50 MB snapshot, 1,000 scenario files)", min(times), 2.0, False, " s")


def bench_dry_run(suite_dir: Path, repeats: int) -> Figure:
    """`sparring run SUITE --dry-run` as a user runs it: the whole process (interpreter, imports, load with every
    scenario's facts checked against the orders collection, estimate), best of `repeats` (issue 28: was 22 s)."""
    times, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-m", "sparring.cli", "run", str(suite_dir), "--dry-run"]
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    shown = ", ".join(f"{t:.2f}s ({c:.2f}s CPU)" for t, c in zip(times, cpus, strict=True))
    print(f"run --dry-run, whole process: {shown}")
    return Figure(
        "run --dry-run whole process (1,000 scenarios naming facts, 50 MB snapshot)", min(times), 3.0, False, " s"
    )


def _load_cpu(suite_dir: Path) -> float:
    """CPU seconds of load_suite in a fresh process, best of 3 (CPU, not wall: a busy machine does not skew it)."""
    return min(float(_python(_TIMED_LOAD, str(suite_dir))[2]) for _ in range(3))


def bench_linear(suite_dir: Path, workdir: Path) -> Figure:
    """CPU time of loading per scenario beyond the first, with all 1,000 scenario files over that with 250 (the same
    snapshot): about 1 when loading is linear in scenarios, about 4 when each scenario walks a collection."""
    files = sorted((suite_dir / "scenarios").iterdir())
    suites = {}
    for count in (1, 250, len(files)):
        folder = workdir / f"first-{count}"
        (folder / "scenarios").mkdir(parents=True)
        for item in suite_dir.iterdir():
            if item.name != "scenarios":
                (folder / item.name).symlink_to(item)
        for file in files[:count]:
            (folder / "scenarios" / file.name).symlink_to(file)
        suites[count] = folder
    base = _load_cpu(suites[1])
    per = {count: (_load_cpu(suites[count]) - base) / (count - 1) for count in (250, len(files))}
    print(
        f"load CPU beyond one scenario: {per[250] * 1000:.2f} ms per scenario at 250, "
        f"{per[len(files)] * 1000:.2f} ms at {len(files)}"
    )
    return Figure(
        "load CPU per scenario, 1,000 over 250 scenarios (linear: ~1)", per[len(files)] / per[250], 1.5, False
    )


def _disk_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def _store_breakdown(db: Path, conversations: int) -> str:
    """Bytes per conversation of the store's largest tables and indexes (SQLite's dbstat), to see where growth goes."""
    with sqlite3.connect(db) as connection:
        try:
            rows = connection.execute(
                "SELECT name, SUM(pgsize), SUM(payload) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8"
            ).fetchall()
        except sqlite3.OperationalError:
            return "(this SQLite has no dbstat)"
    return ", ".join(f"{n} {size / conversations:.0f} B ({used / conversations:.0f} used)" for n, size, used in rows)


def _payload_bytes(conversation: Conversation) -> int:
    turns = json.dumps([t.model_dump(mode="json") for t in conversation.turns])
    return len(turns) + len(conversation.state_diff.model_dump_json())


async def bench_run(suite: Suite, workdir: Path, snapshot_mb: float) -> tuple[list[Figure], list[Conversation]]:
    """1,000 conversations (one per scenario) against the stub; peak RSS and store growth."""
    db = workdir / "scale.db"
    Store.open(str(db)).close()
    empty = _disk_size(db)
    store = Store.open(str(db))
    options = RunOptions(
        evaluation_ids=CHECKS,
        clock=CLOCK,
        concurrency=64,
        seed=1,
        cache=False,
        models=RoleOverrides(model="openai:stub", base_url=""),
    )
    with StubProcess(latency_ms=0) as stub:
        options.models = RoleOverrides(model="openai:stub", base_url=stub.base_url)
        start = time.perf_counter()
        result = await run_suite(suite, store, options)
        wall = time.perf_counter() - start
    conversations = store.conversations(result.run.id)
    store.close()
    growth = (_disk_size(db) - empty) / len(conversations)
    payload = sum(map(_payload_bytes, conversations)) / len(conversations)
    print(f"store per conversation: {_store_breakdown(db, len(conversations))}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    changed = sum(not c.state_diff.is_empty() for c in conversations)
    print(
        f"run: {len(conversations)} conversations ({changed} with a diff) in {wall:.1f}s; peak RSS {peak:.0f} MB "
        f"(snapshot in memory {snapshot_mb:.0f} MB); store growth {growth:.0f} B per conversation, "
        f"transcript + diff {payload:.0f} B"
    )
    return [
        Figure("peak RSS minus snapshot in memory (1,000 conversations)", peak - snapshot_mb, 400, False, " MB"),
        Figure("store growth per conversation beyond transcript + diff", growth - payload, 2048, False, " B"),
    ], conversations


def full_copy_verdicts(suite: Suite, conversation: Conversation) -> dict[str, str]:
    """The checks' verdicts when the conversation's tool calls are replayed on a deep copy of its scenario's state
    and the checks read that full copy (no layers, no diff)."""
    scenario = next(s for s in suite.scenarios if s.id == conversation.scenario_id)
    references = suite.config.backend.references
    initial = build_state(suite.snapshot, scenario.backend_overrides, references, CLOCK)
    backend = SnapshotBackend(BackendState(copy_json(initial), CLOCK), suite.tools)
    for call in conversation.tool_calls():
        replayed = backend.execute(call)
        if (replayed.result, replayed.error) != (call.result, call.error):
            raise AssertionError(f"{conversation.id}: {call.name} answered differently on a full copy")
    full = conversation.model_copy(update={"final_state": backend.state.data, "state_diff": StateDiff()})
    evaluator = suite.evaluator([e for e in suite.evaluations if e.id in CHECKS])
    verdicts = asyncio.run(evaluator.evaluate(full, scenario, initial, None, CLOCK))  # type: ignore[arg-type]
    return {v.evaluation_id: v.outcome.value for v in verdicts}


def bench_verdicts(suite: Suite, store_db: Path, conversations: list[Conversation], sample: int) -> Figure:
    """Share of sampled conversations whose check verdicts differ between diffs over layers and full copies."""
    store = Store.open(str(store_db))
    stored: dict[str, dict[str, str]] = {}
    for verdict in store.verdicts(conversations[0].run_id):
        stored.setdefault(verdict.conversation_id, {})[verdict.evaluation_id] = verdict.outcome.value
    store.close()
    chosen = random.Random(0).sample(conversations, min(sample, len(conversations)))
    differing = [c.id for c in chosen if full_copy_verdicts(suite, c) != stored[c.id]]
    outcomes = sorted({o for c in chosen for o in stored[c.id].values()})
    print(
        f"verdicts on full copies: {len(chosen) - len(differing)}/{len(chosen)} identical (outcomes seen: {outcomes})"
    )
    return Figure("conversations whose check verdicts differ on full copies", len(differing), 0, False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="reuse (or write) the generated suite here")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    os.environ.pop("OPENAI_API_KEY", None)
    with tempfile.TemporaryDirectory() as tmp:
        suite_dir = args.data or Path(tmp) / "suite"
        if not (suite_dir / "suite.yaml").is_file():
            generate(suite_dir)
        snapshot_file = suite_dir / "snapshot.json"
        snapshot_mb = float(_python(_SNAPSHOT_RSS, str(snapshot_file))[0])
        records = sum(map(len, json.loads(snapshot_file.read_bytes()).values()))
        on_disk = snapshot_file.stat().st_size / 2**20
        print(f"snapshot: {on_disk:.1f} MB on disk, {records} records, {snapshot_mb:.0f} MB in memory (json.loads)")
        figures = [bench_load(suite_dir, args.repeats), bench_dry_run(suite_dir, args.repeats)]
        figures.append(bench_linear(suite_dir, Path(tmp)))
        suite = load_suite(suite_dir)
        run_figures, conversations = asyncio.run(bench_run(suite, Path(tmp), snapshot_mb))
        figures += run_figures
        figures.append(bench_verdicts(suite, Path(tmp) / "scale.db", conversations, args.sample))
    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for figure in figures:
        print(figure.line())
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
