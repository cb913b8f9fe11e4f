"""CLI start-up: `sparring --help` (target ≤ 0.5 s) and `sparring report` on a 1,000-conversation run (25
evaluations, 25,000 verdicts; target ≤ 1.5 s), each the best of 3 fresh processes, with `report --json` and
`runs` beside them. Builds the store the way bench/report_scale.py does (same rows, fewer conversations).
Prints every figure beside its target and exits 1 on a miss. `--keep DIR` reuses (or keeps) the database."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import report_scale  # noqa: E402  (bench/ is not a package)

CONVERSATIONS = 1_000


def build(db: Path) -> None:
    """bench/report_scale.py's store (same run, rows and outcome mix) with 1,000 conversations."""
    report_scale.CONVERSATIONS = CONVERSATIONS  # build() reads the module's count when it runs
    report_scale.build(db)


def best_of(command: list[str], repeats: int = 3) -> float:
    """Wall seconds of the fastest of `repeats` fresh processes running `command` (stdout discarded)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def check(name: str, figure: float, target: float | None) -> bool:
    """Prints one figure against its target (None: shown, no target); True when met."""
    met = target is None or figure <= target
    goal = f"target <= {target:g} s" if target is not None else "(no target)"
    print(f"{name:<42} {figure:6.2f} s  {goal:<18} {'ok' if met else 'MISSED'}")
    return met


def main() -> int:
    """Builds (or reuses) the store, times the commands, prints, exits 1 on a miss."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="folder for the database (reused when already built)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sparring-cli-startup-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "startup.db"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} CPUs · ", end="")
    print(f"Python {platform.python_version()} · {CONVERSATIONS:,} conversations, {CONVERSATIONS * 25:,} verdicts")
    if not db.exists():
        build(db)
    sparring, run = [sys.executable, "-m", "sparring.cli"], report_scale.RUN_ID
    results = [
        check("sparring --help", best_of([*sparring, "--help"]), 0.5),
        check("sparring report (1,000 conversations)", best_of([*sparring, "report", run, "--db", str(db)]), 1.5),
        check("sparring report --json", best_of([*sparring, "report", run, "--db", str(db), "--json"]), None),
        check("sparring runs", best_of([*sparring, "runs", "--db", str(db)]), None),
        check("python -c 'import sparring'", best_of([sys.executable, "-c", "import sparring"]), None),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
