"""Runner benchmark (issues: fast and unbreakable runner; the hot path). Prints each figure against its target,
then a markdown table (date, machine, load) for the README, and exits non-zero when any is missed.

    python bench/runner.py            # everything (about 5 minutes on 2 cores)
    python bench/runner.py --skip-embedded
    python bench/runner.py --only-whole-process   # just the `sparring run` figures (about 1 minute)

The stub model server runs in its own process, so the figures are Sparring's own overhead. Each timed
figure is measured in-process (`run_suite`, after imports) and whole-process (`sparring run` in a fresh
process: start-up, suite load, run and report included), the best of `--repeats` runs: the machine's
speed varies from run to run, more so when other work shares it (the load average is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite
from sparring.data_model import Conversation, EndReason, Run, Verdict

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "examples" / "food-delivery"
CLOCK = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
JUDGES = [
    "no_invented_policy",
    "no_invented_order_facts",
    "status_read_correctly",
    "professional_tone",
    "outcome_addressed",
]


@dataclass
class Figure:
    """One measured figure and its target."""

    name: str
    value: float
    target: float
    higher_is_better: bool
    unit: str = ""

    def json(self) -> str:
        """The figure as one JSON line (how bench/embedded.py hands its figures over)."""
        return json.dumps(asdict(self))

    @property
    def ok(self) -> bool:
        """Whether the target is met."""
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def line(self) -> str:
        """One line: verdict, name, value, target."""
        sign = ">=" if self.higher_is_better else "<="
        verdict = "ok  " if self.ok else "MISS"
        return f"{verdict} {self.name:<58} {self.value:10.3f}{self.unit}  (target {sign} {self.target}{self.unit})"


class StubProcess:
    """The stub model server in its own process, so its CPU is not counted as Sparring's."""

    def __init__(self, latency_ms: float, faults: dict[str, float] | None = None, hang_s: float = 30.0) -> None:
        command = [
            sys.executable,
            "-m",
            "sparring.testing",
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            "--hang-s",
            str(hang_s),
        ]
        command += [f"--fault={kind}={rate}" for kind, rate in (faults or {}).items()]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    def __enter__(self) -> StubProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


def rss_mb() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """Resident memory after the first 10% of conversations and at the end: flat means streamed."""

    def __init__(self) -> None:
        self.pending = 0
        self.done = 0
        self.early: float | None = None

    def started(self, run: Run, pending: int) -> None:
        """Observer hook: the run starts with `pending` conversations."""
        self.pending = pending

    def finished(self, conversation: Conversation, verdicts: list[Verdict]) -> None:
        """Observer hook: one conversation is stored."""
        self.done += 1
        if self.early is None and self.done >= self.pending // 10:
            self.early = rss_mb()


def options(base_url: str, **extra: object) -> RunOptions:
    """20 scenarios × 50 trials, the 5 judges, concurrency 128, against the stub at `base_url`."""
    base: dict[str, object] = dict(
        scenarios=20,
        trials=50,
        evaluation_ids=JUDGES,
        clock=CLOCK,
        concurrency=128,
        seed=1,
        models=RoleOverrides(model="openai:stub", base_url=base_url),
    )
    return RunOptions(**(base | extra))  # type: ignore[arg-type]


async def bench_stub(workdir: Path, repeats: int) -> list[Figure]:
    """The in-process figures (`run_suite`, after imports). Timed figures are the best of `repeats` runs:
    this machine's speed varies by a quarter from run to run."""
    suite = load_suite(SUITE)
    os.environ.pop("OPENAI_API_KEY", None)
    figures = []
    latency = 0.2
    with StubProcess(latency_ms=latency * 1000) as stub:
        ratios, growths = [], []
        for attempt in range(repeats):
            store = Store.open(str(workdir / f"bench-{attempt}.db"))  # a cold cache each time
            sampler = RssSampler()
            start = time.perf_counter()
            first = await run_suite(suite, store, options(stub.base_url), observer=sampler)
            wall = time.perf_counter() - start
            stats = first.run.call_stats["openai:stub"]
            ideal = stats.requests * latency / 128
            ratios.append(wall / ideal)
            growths.append(rss_mb() - (sampler.early or rss_mb()))
            print(
                f"1,000 conversations × 5 judges at 200 ms, concurrency 128: {first.conversations} conversations, "
                f"{stats.requests} model requests, {stats.cache_hits} from cache, wall {wall:.1f}s, ideal {ideal:.1f}s"
            )
        print(
            f"resident memory: {sampler.early:.0f} MB after 10% of the last run, {rss_mb():.0f} MB at its end, "
            f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        figures.append(Figure("wall time / ideal (1,000 conversations, 200 ms, c=128)", min(ratios), 1.15, False))
        figures.append(Figure("memory growth from 10% to 100% of a run", max(growths), 64, False, " MB"))

        reruns, ratio = [], 0.0
        for _ in range(repeats):
            start = time.perf_counter()
            again = await run_suite(suite, store, options(stub.base_url))
            reruns.append(time.perf_counter() - start)
            hits = again.run.call_stats["openai:stub"]
            ratio = hits.cache_hits / max(1, hits.cache_hits + hits.cache_misses)
            print(f"re-run: {hits.cache_hits} cache hits, {hits.cache_misses} misses, {reruns[-1]:.1f}s")
        figures.append(Figure("re-run cache hit ratio", ratio, 1.0, True))
        figures.append(Figure("re-run wall time", min(reruns), 5.0, False, " s"))

    with StubProcess(latency_ms=0) as stub:
        per_call = []
        for _ in range(repeats):
            cpu = time.process_time()
            result = await run_suite(suite, store, options(stub.base_url, trials=15, cache=False))
            cpu = time.process_time() - cpu
            requests = result.run.call_stats["openai:stub"].requests
            per_call.append(cpu / requests * 1000)
            print(f"0 ms stub, no cache: {requests} requests, {cpu:.2f}s of Sparring CPU time")
        figures.append(Figure("framework CPU time per model call", min(per_call), 1.0, False, " ms"))

    faults = {"rate_limit": 0.06, "server_error": 0.05, "malformed": 0.03, "reset": 0.03, "timeout": 0.03}
    with StubProcess(latency_ms=5, faults=faults, hang_s=2.0) as stub:
        result = await run_suite(
            suite, store, options(stub.base_url, trials=10, cache=False, timeout_s=0.5, max_retries=10)
        )
        stats = result.run.call_stats["openai:stub"]
        conversations = store.conversations(result.run.id)
        finished = sum(c.end_reason not in (None, EndReason.ERROR) for c in conversations)
        print(
            f"20% faults: {stats.requests} requests, {stats.faults} faults ({stats.rate_limited} rate limited, "
            f"{stats.server_errors} server errors, {stats.malformed} malformed, {stats.connection_errors} resets, "
            f"{stats.timeouts} timeouts), {stats.retries} retries, {stats.gave_up} gave up"
        )
        figures.append(
            Figure("conversations finished with 20% injected faults", finished / result.conversations, 1.0, True)
        )
    return figures


def pinned_suite(workdir: Path) -> Path:
    """A copy of the example suite with the backend clock pinned, so a re-run sends the same requests."""
    suite = workdir / "suite"
    shutil.copytree(SUITE, suite, ignore=shutil.ignore_patterns("__pycache__"))
    config = suite / "suite.yaml"
    text = config.read_text()
    config.write_text(text.replace("simulation:\n", f'simulation:\n  clock: "{CLOCK.isoformat()}"\n', 1))
    return suite


def cli_run(suite: Path, db: Path, base_url: str, label: str) -> tuple[float, float, Run]:
    """`sparring run` in a fresh process: its wall time, its CPU time (user + system) and the stored run."""
    command = [sys.executable, "-m", "sparring.cli", "run", str(suite), "--model", "openai:stub"]
    command += ["--base-url", base_url, "--scenarios", "20", "--trials", "50", "--concurrency", "128", "--seed", "1"]
    command += [arg for judge in JUDGES for arg in ("--eval", judge)] + ["--db", str(db), "--label", label]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=os.environ | {"COLUMNS": "120"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode not in (0, 1):
        raise RuntimeError(f"sparring run exited {finished.returncode}: {finished.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    store = Store.open(str(db))
    run = store.get_run(label)
    store.close()
    return wall, cpu, run


def bench_whole_process(workdir: Path, repeats: int) -> list[Figure]:
    """The same 1,000 conversations through the command line, start-up and report included."""
    suite, latency = pinned_suite(workdir), 0.2
    ratios, per_call, reruns = [], [], []
    with StubProcess(latency_ms=latency * 1000) as stub:
        for attempt in range(repeats):
            db = workdir / f"whole-{attempt}.db"
            wall, cpu, run = cli_run(suite, db, stub.base_url, "first")
            stats = run.call_stats["openai:stub"]
            ideal = stats.requests * latency / 128
            ratios.append(wall / ideal)
            per_call.append(cpu / stats.requests * 1000)
            print(
                f"whole process: {stats.requests} requests, wall {wall:.1f}s (ideal {ideal:.1f}s), "
                f"CPU {cpu:.1f}s = {per_call[-1]:.3f} ms per call, load average {os.getloadavg()[0]:.1f}"
            )
            wall, cpu, run = cli_run(suite, db, stub.base_url, f"again-{attempt}")
            hits = run.call_stats["openai:stub"]
            reruns.append(wall)
            print(f"whole process re-run: {hits.cache_hits} cache hits, {hits.cache_misses} misses, {wall:.1f}s")
    return [
        Figure("whole process: wall time / ideal (1,000 conversations, c=128)", min(ratios), 1.15, False),
        Figure("whole process: re-run wall time", min(reruns), 5.0, False, " s"),
        Figure("whole process: CPU time per model call (200 ms stub)", min(per_call), 1.0, False, " ms"),
    ]


def machine() -> str:
    """What the figures were measured on, and how busy it was."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.platform()}, {platform.python_implementation()} {platform.python_version()}, " + (
        f"{os.cpu_count()} CPUs, load average {load}"
    )


def markdown(figures: list[Figure], started: str, load_at_start: str) -> str:
    """The figures as a table to paste into the README, with date and machine."""
    rows = [
        f"| {f.name} | {f.value:.3f}{f.unit} | {'≥' if f.higher_is_better else '≤'} {f.target}{f.unit} | "
        f"{'ok' if f.ok else 'MISS'} |"
        for f in figures
    ]
    header = [
        f"`python bench/runner.py`, {started}, {machine()} (at the end; load at the start: {load_at_start})",
        "",
        "| figure | measured | target | |",
        "|---|---|---|---|",
    ]
    return "\n".join(header + rows)


def main() -> int:
    """Measure, print each figure and the markdown table; 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-embedded", action="store_true", help="only the stub-server figures")
    parser.add_argument("--skip-whole-process", action="store_true", help="only the in-process figures")
    parser.add_argument("--only-whole-process", action="store_true", help="only the `sparring run` figures")
    parser.add_argument("--repeats", type=int, default=2, help="timed figures are the best of this many runs")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_at_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    os.environ.pop("OPENAI_API_KEY", None)
    with tempfile.TemporaryDirectory() as tmp:
        figures = [] if args.only_whole_process else asyncio.run(bench_stub(Path(tmp), args.repeats))
        if not args.skip_whole_process:
            figures += bench_whole_process(Path(tmp), args.repeats)
    if not (args.skip_embedded or args.only_whole_process):
        # In a fresh process: the runs above leave a large heap and idle threads behind.
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("embedded.py"))], capture_output=True, text=True
        )
        print(result.stdout, end="")
        figures += [Figure(**json.loads(line)) for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode != 0:
            print(result.stderr)
            return 1
    print()
    for figure in figures:
        print(figure.line())
    print()
    print(markdown(figures, started, load_at_start))
    return 0 if all(f.ok for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
