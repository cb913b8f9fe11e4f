"""Scale-out benchmark: conversations per second on a local Ray cluster with 1 worker vs 2 workers, on
this 2-core machine, into a PostgreSQL server (the store Ray workers share; started here from Debian's
package, as the tests do). The model is the scripted in-process one (no server), so the work measured
is Sparring's own CPU: the simulation loop, the deterministic evaluations and the store writes.
Best of 3 runs each. Target: 2 workers ≥ 1.6× the throughput of 1. Exits 1 below it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import ray
import ray.cloudpickle

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import scripted_world  # noqa: E402
from scripted_world import world_pool  # noqa: E402
from services import fresh_database, postgres_server  # noqa: E402
from sparring import RoleOverrides, RunOptions, Store, load_suite, run_suite  # noqa: E402

TRIALS, TARGET, REPEATS = 120, 1.6, 3
CHECKS = ["refund_only_when_eligible", "refund_within_limits", "eligibility_checked_before_refund",
          "escalated_when_asked", "write_after_lookup", "no_duplicate_actions", "valid_tool_calls",
          "no_repetition_loop", "professional_tone", "no_invented_policy"]  # fmt: skip


def throughput(store: Store, shards: int, label: str) -> tuple[float, int]:
    suite = load_suite(ROOT / "examples" / "food-delivery")
    options = RunOptions(
        label=label, trials=TRIALS, evaluation_ids=CHECKS, cache=False, executor="ray", shards=shards,
        models=RoleOverrides(model="scripted:world"),
    )  # fmt: skip
    result = asyncio.run(run_suite(suite, store, options, pool_factory=world_pool))
    # wall_s: from handing out the shards to the last one done (workers load the suite inside it).
    return result.conversations / result.wall_s, result.conversations


def main() -> int:
    ray.cloudpickle.register_pickle_by_value(scripted_world)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    with postgres_server() as server:
        store = Store(fresh_database(server, "bench"))
        throughput(store, 2, "warm-up")  # start both worker processes and their imports
        one, n = max((throughput(store, 1, f"one-{i}") for i in range(REPEATS)), key=lambda r: r[0])
        two, _ = max((throughput(store, 2, f"two-{i}") for i in range(REPEATS)), key=lambda r: r[0])
        store.close()
    ray.shutdown()
    ratio = two / one
    print(f"{n} conversations per run (23 scenarios × {TRIALS} trials, {len(CHECKS)} evaluations each)")
    print(f"1 worker : {one:7.1f} conversations/s")
    print(f"2 workers: {two:7.1f} conversations/s")
    print(f"ratio {ratio:.2f} (target >= {TARGET})  {'ok' if ratio >= TARGET else 'BELOW TARGET'}")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
