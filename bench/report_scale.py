"""Reports at size: a real SQLite store with 20,000 conversations and 500,000 verdicts (25 evaluations, 5 of
them the simulator's own checks; some conversations errored, some verdicts unstable), built with Core inserts.
Measures, each the best of 3 fresh processes (peak RSS: the largest of the 3), with CPU time and the load
average beside: `sparring report` (target ≤ 2 s, ≤ 300 MB peak RSS), `sparring runs` (≤ 1 s) and the end-of-run
path `run_summaries` + headline + calibration warnings (≤ 500 MB peak RSS). Prints every figure beside its target
and exits 1 on a miss. `--keep DIR` reuses (or keeps) the database there."""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from sparring import Store
from sparring.data_model import ModelSettings, Run, RunStatus
from sparring.store.tables import ConversationRow, VerdictRow

CONVERSATIONS, EVALUATIONS, SIMULATOR_CHECKS = 20_000, 25, 5
RUN_ID = "20261101-000000-bench0"
OUTCOMES = (["pass"] * 85) + (["fail"] * 10) + (["error"] * 2) + (["not_applicable"] * 3)
TURNS = [
    {"role": "customer", "content": "My order O-2002 is late, where is it? " * 3, "intent": "open"},
    {"role": "agent", "content": "It is out for delivery and should arrive in ten minutes. " * 2, "tool_calls": []},
] * 4

# A fresh process runs the target and reports its wall time, CPU time and its children's (or its own) peak RSS.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))
"""
END_OF_RUN = """
import json, resource, sys, time
from sparring import Store
from sparring.analysis.pass_rates import run_summaries, run_totals
from sparring.calibration import calibration_warnings
start = time.perf_counter()
store = Store.open(sys.argv[1])
run = store.get_run(sys.argv[2])
summaries = run_summaries(store, run)
run_totals(summaries, run.simulator_evaluation_ids, store.conversation_end_counts([run.id])[run.id])
calibration_warnings(store, run.id, 0.6)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}))
"""


def evaluation_ids() -> list[str]:
    """25 evaluations: the last 5 are the simulator's own checks."""
    chatbot = [f"evaluation_{i:02}" for i in range(EVALUATIONS - SIMULATOR_CHECKS)]
    return chatbot + [f"sim_check_{i}" for i in range(SIMULATOR_CHECKS)]


def build(db: Path) -> None:
    """The run, its conversations and verdicts, inserted in batches."""
    store = Store.open(str(db))
    ids = evaluation_ids()
    store.save_run(
        Run(
            id=RUN_ID,
            label="scale",
            suite="bench",
            status=RunStatus.COMPLETED,
            evaluation_ids=ids,
            simulator_evaluation_ids=ids[-SIMULATOR_CHECKS:],
            clock=datetime(2026, 11, 1, tzinfo=UTC),
            started_at=datetime(2026, 11, 1, tzinfo=UTC),
            settings=ModelSettings(simulator="openai:sim", agent="openai:bot", judge="openai:judge"),
        )
    )
    rng = random.Random(7)
    with store.engine.begin() as connection:
        for start in range(0, CONVERSATIONS, 1000):
            conversations, verdicts = batch(rng, ids, range(start, min(start + 1000, CONVERSATIONS)))
            connection.execute(insert(ConversationRow), conversations)
            connection.execute(insert(VerdictRow), verdicts)
    store.close()


def batch(rng: random.Random, ids: list[str], numbers: range) -> tuple[list[dict], list[dict]]:
    """Rows for some conversations: 3% errored (every verdict an error), 5% of verdicts unstable."""
    conversations, verdicts = [], []
    for n in numbers:
        cid = f"{RUN_ID}:scenario-{n:05}:0"
        errored = rng.random() < 0.03
        end = "error" if errored else "resolved"
        data = {"id": cid, "run_id": RUN_ID, "scenario_id": f"scenario-{n:05}", "turns": TURNS, "end_reason": end}
        conversations.append(
            {"id": cid, "run_id": RUN_ID, "scenario_id": data["scenario_id"], "trial": 0, "end_reason": end}
            | {"data": data}
        )
        for evaluation_id in ids:
            unstable = rng.random() < 0.05
            verdicts.append(
                {
                    "run_id": RUN_ID,
                    "conversation_id": cid,
                    "evaluation_id": evaluation_id,
                    "outcome": "error" if errored else rng.choice(OUTCOMES),
                    "reasoning": "The agent checked the order before promising anything and quoted the policy. " * 2,
                    "judge_model": "openai:judge",
                    "prompt_hash": "0" * 16,
                    "attempts": 1,
                    "details": {"samples": [], "agreement": 0.6, "unstable": True} if unstable else None,
                }
            )
    return conversations, verdicts


def measure(*command: str, repeats: int = 3) -> dict[str, float]:
    """Runs a command in `repeats` fresh measuring processes: the fastest wall and CPU time (as
    bench/cli_startup.py does, so a burst of load on a shared machine is not taken for the command's own
    time) and the largest peak RSS: {wall_s, cpu_s, peak_mb}."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", *command], check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "wall_s": min(r["wall_s"] for r in runs),
        "cpu_s": min(r["cpu_s"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def check(name: str, figure: float, target: float, unit: str) -> bool:
    """Prints one figure against its target; True when met."""
    met = figure <= target
    print(f"{name:<38} {figure:8.2f} {unit:<3} target <= {target:g} {unit}  {'ok' if met else 'MISSED'}")
    return met


def main() -> int:
    """Builds (or reuses) the store, measures, prints, exits 1 on a miss."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="folder for the database (reused when already built)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sparring-report-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "scale.db"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {platform.processor() or platform.machine()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"{os.cpu_count()} CPUs · Python {platform.python_version()} · {CONVERSATIONS:,} conversations, ", end="")
    print(f"{CONVERSATIONS * EVALUATIONS:,} verdicts")
    if not db.exists():
        clock = time.perf_counter()
        build(db)
        print(f"built {db} in {time.perf_counter() - clock:.1f} s ({db.stat().st_size / 2**20:.0f} MB)")
    cli = [sys.executable, "-m", "sparring.cli"]
    report = measure(MEASURE, *cli, "report", RUN_ID, "--db", str(db))
    runs = measure(MEASURE, *cli, "runs", "--db", str(db))
    end = measure(END_OF_RUN, str(db), RUN_ID)
    startup = measure(MEASURE, *cli, "--help")
    results = [
        check("sparring report: wall", report["wall_s"], 2.0, "s"),
        check("sparring report: peak RSS", report["peak_mb"], 300, "MB"),
        check("sparring report: CPU (no target)", report["cpu_s"], float("inf"), "s"),
        check("sparring runs: wall", runs["wall_s"], 1.0, "s"),
        check("sparring runs: peak RSS (no target)", runs["peak_mb"], float("inf"), "MB"),
        check("sparring runs: CPU (no target)", runs["cpu_s"], float("inf"), "s"),
        check("end of run (summaries, warnings): peak RSS", end["peak_mb"], 500, "MB"),
        check("end of run (summaries, warnings): wall", end["wall_s"], float("inf"), "s"),
        check("CLI start-up alone (--help; no target)", startup["wall_s"], float("inf"), "s"),
    ]
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
