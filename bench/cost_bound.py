"""Cost bound benchmark (issue: numbers a team can ship on): the demo suite with judge_samples: 5 against the
stub model server, priced; the --dry-run / --max-cost upper bound must be at least the actual cost.

    python bench/cost_bound.py

Prints the estimate, the actual cost and their ratio; exits non-zero when the actual cost exceeds the estimate.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from runner import CLOCK, SUITE, StubProcess  # noqa: E402

from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite  # noqa: E402
from sparring.runner.cost import estimate_conversation  # noqa: E402
from sparring.runner.roles import model_settings  # noqa: E402
from sparring.runner.run import judge_answers, select_evaluations  # noqa: E402

PRICE = "openai:gpt-4o: {input: 2.50, output: 10.00}"


def priced_suite(folder: Path) -> Path:
    """The demo suite with judge_samples: 5 and a price for the stub model."""
    target = folder / "suite"
    shutil.copytree(SUITE, target, ignore=shutil.ignore_patterns("__pycache__"))
    yaml = target / "suite.yaml"
    text = yaml.read_text().replace(PRICE, PRICE + "\n    openai:stub: {input: 1.00, output: 4.00}")
    yaml.write_text(text.replace("simulation:\n", "simulation:\n  judge_samples: 5\n", 1))
    return target


async def measure(folder: Path) -> tuple[float, float, int]:
    suite = load_suite(priced_suite(folder))
    os.environ.pop("OPENAI_API_KEY", None)
    with StubProcess(latency_ms=0) as stub:
        overrides = RoleOverrides(model="openai:stub", base_url=stub.base_url)
        options = RunOptions(scenarios=10, clock=CLOCK, seed=1, cache=False, concurrency=16, models=overrides)
        result = await run_suite(suite, Store.open(str(folder / "b.db")), options)
    settings = model_settings(suite, overrides)
    answers = judge_answers(select_evaluations(suite, []))
    per_conversation = estimate_conversation(suite, settings, result.run.max_turns, answers)
    estimate = sum(e.cost_usd for e in per_conversation.values()) * result.conversations
    return estimate, sum(result.run.cost_usd.values()), result.conversations


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        estimate, actual, conversations = asyncio.run(measure(Path(tmp)))
    print(f"{conversations} conversations, judge_samples 5: estimate US$ {estimate:.4f}, actual US$ {actual:.4f}")
    verdict = "ok  " if actual <= estimate else "MISS"
    print(f"{verdict} actual cost / upper-bound estimate {actual / estimate:10.3f}  (target <= 1.0)")
    return 0 if actual <= estimate else 1


if __name__ == "__main__":
    sys.exit(main())
