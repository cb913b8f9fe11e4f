"""The README's offline demo (its first bash block's `sparring run`, embedded SmolLM2) against its 180 s target.

    python bench/demo.py              # one run; exits non-zero when the wall time misses 180 s
    python bench/demo.py --repeats 2  # the best of two (the machine's speed drifts under shared load)

Runs the command as a newcomer does, in a fresh process on a fresh database (nothing comes from the response
cache), and prints its wall time, its CPU time (user + system of the whole process: the figure to compare when
other work shares the machine), the load average, and the prompt tokens llama.cpp evaluated against those it reused
from its KV state (a prefix kept from the previous call or restored from the RAM cache). Units: tokens summed over
every completion the embedded model ran in the demo.

The token counts come from a probe: the same CLI, run in-process by this file with `--probe`, counting the tokens
each `llama_cpp.Llama.eval` call reads. The probe only observes; it changes nothing the demo does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 180.0


@dataclass
class DemoFigures:
    """One demo run: seconds (wall, CPU), completions, the prompt tokens they sent and evaluated, tokens generated."""

    wall_s: float
    cpu_s: float
    prompt_sent: int
    prompt_evaluated: int
    completions: int
    generated: int

    @property
    def prompt_reused(self) -> int:
        """Prompt tokens read from kept or restored KV state rather than evaluated."""
        return self.prompt_sent - self.prompt_evaluated

    def line(self) -> str:
        """The figures as one line of text."""
        share = self.prompt_reused / max(self.prompt_sent, 1)
        return (
            f"README offline demo: {self.wall_s:.0f} s wall, {self.cpu_s:.0f} s CPU (user+system); "
            f"{self.completions} completions; prompt tokens {self.prompt_sent} sent = {self.prompt_evaluated} "
            f"evaluated + {self.prompt_reused} reused ({share:.0%}); {self.generated} tokens generated"
        )


def readme_command() -> list[str]:
    """The `sparring ...` command of the README's first bash block."""
    block = (ROOT / "README.md").read_text().split("```bash\n")[1].split("\n```")[0]
    return shlex.split(block.split("&& ")[-1])


def probe(counts_path: str, argv: list[str]) -> None:
    """Run the CLI in this process with `Llama.create_completion` and `Llama.eval` observed: per completion, its
    prompt's length (sent) and the tokens its first `eval` read (evaluated; later evals are generated tokens)."""
    from llama_cpp import Llama

    from sparring.cli import app

    counts = {"completions": 0, "prompt_sent": 0, "prompt_evaluated": 0, "generated": 0}
    first_eval = [False]
    create_completion, evaluate = Llama.create_completion, Llama.eval

    def observed_completion(self: Llama, prompt: object, *args: object, **kwargs: object) -> object:
        sent = len(prompt) if isinstance(prompt, list) else len(self.tokenize(str(prompt).encode()))
        counts["completions"] += 1
        counts["prompt_sent"] += sent
        first_eval[0] = True
        return create_completion(self, prompt, *args, **kwargs)  # type: ignore[arg-type]

    def observed_eval(self: Llama, tokens: list[int]) -> None:
        counts["prompt_evaluated" if first_eval[0] else "generated"] += len(tokens)
        first_eval[0] = False
        evaluate(self, tokens)

    Llama.create_completion = observed_completion  # type: ignore[method-assign,assignment]
    Llama.eval = observed_eval  # type: ignore[method-assign]
    sys.argv = ["sparring", *argv]
    try:
        app()
    finally:
        Path(counts_path).write_text(json.dumps(counts))


def run_demo(db: str) -> DemoFigures:
    """The README demo in a fresh process, through the probe, storing into `db` (a new file: nothing cached)."""
    with tempfile.TemporaryDirectory() as tmp:
        counts = f"{tmp}/counts.json"
        command = readme_command()
        assert command[0] == "sparring", command
        probe_argv = [sys.executable, __file__, "--probe", counts, "--", *command[1:], "--db", db]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(probe_argv, cwd=ROOT, check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        c = json.loads(Path(counts).read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return DemoFigures(wall, cpu, c["prompt_sent"], c["prompt_evaluated"], c["completions"], c["generated"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs; the best wall time is the figure")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.probe:
        probe(args.probe, [a for a in rest if a != "--"])
        return 0
    best: DemoFigures | None = None
    for _ in range(args.repeats):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        with tempfile.TemporaryDirectory() as tmp:
            figures = run_demo(f"{tmp}/demo.db")
        print(f"{figures.line()}; load average before the run {load} on {os.cpu_count()} CPUs")
        best = figures if best is None or figures.wall_s < best.wall_s else best
    assert best is not None
    met = best.wall_s <= TARGET_S
    print(
        f"README offline demo wall time (best of {args.repeats}): {best.wall_s:.0f} s, target <= {TARGET_S:.0f} s: "
        f"{'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
