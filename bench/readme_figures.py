"""Run the benchmarks and write their own output into the README's performance section, with the date, the
machine and its load: no figure in the README is typed by hand.

    python bench/readme_figures.py                 # every benchmark below (about 20 minutes on 2 cores)
    python bench/readme_figures.py --only runner   # one (others keep what the README already shows)

Each benchmark prints its figures against their targets and exits non-zero on a miss; a miss is written into
the README as it is (with the exit status), never hidden.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BENCHES: dict[str, list[str]] = {
    "runner": ["bench/runner.py"],
    "multiplicity": ["bench/multiplicity.py"],
    "ship_decision": ["bench/ship_decision.py"],
    "report_scale": ["bench/report_scale.py"],
    "cli_startup": ["bench/cli_startup.py"],
    "viewer": ["bench/viewer.py"],
    "redaction": ["bench/redaction.py"],
    "discover": ["bench/discover.py"],
    "cost_bound": ["bench/cost_bound.py"],
    "backend_scale": ["bench/backend_scale.py"],
    "scaleout": ["bench/scaleout.py"],
    "stub_world": ["bench/stub_world.py"],
    "import_scale": ["bench/import_scale.py"],
    "calibration_coverage": ["bench/calibration_coverage.py"],
    "corrected_pass_rate": ["bench/corrected_pass_rate.py"],
    "served_backend": ["bench/served_backend.py"],
    "tau2_cost": ["bench/tau2_cost.py"],
    "tau2_side_by_side": ["bench/tau2_side_by_side.py"],
    "knowledge_retrieval": ["bench/knowledge_retrieval.py"],
    "demo": ["bench/demo.py"],
}
START, END = "<!-- bench:{name}:start -->", "<!-- bench:{name}:end -->"


def machine() -> str:
    """What the figures were measured on: OS, CPU model and count, load average."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0].strip() if names else cpu
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, load average {load}"


def run(name: str) -> str:
    """One benchmark's output, headed by when, where and how it ended."""
    started = time.perf_counter()
    header = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()}"
    done = subprocess.run([sys.executable, *BENCHES[name]], cwd=ROOT, capture_output=True, text=True, check=False)
    output = (done.stdout + ("\n" + done.stderr if done.returncode else "")).strip()
    status = "all targets met" if done.returncode == 0 else f"exit {done.returncode}: a target was missed"
    took = time.perf_counter() - started
    return f"$ python {' '.join(BENCHES[name])}    # {header} · {took:.0f} s · {status}\n{output}"


def write(name: str, text: str) -> None:
    """Replace the benchmark's block in the README (added at the end of the performance section if new)."""
    readme = README.read_text(encoding="utf-8")
    start, end = START.format(name=name), END.format(name=name)
    block = f"{start}\n```text\n{text}\n```\n{end}"
    if start in readme:
        readme = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, readme, flags=re.S)
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(readme, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=sorted(BENCHES), help="run only this benchmark")
    names = parser.parse_args().only or list(BENCHES)
    missed = 0
    for name in names:
        text = run(name)
        missed += "a target was missed" in text.splitlines()[0]
        write(name, text)
        print(text.splitlines()[0], flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
