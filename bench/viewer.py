"""Viewer page-render benchmark on a large database: 10 runs × 500 conversations × 20 evaluations
(5,000 conversations, 100,000 verdicts) in a real SQLite file; every page type timed through the real
ASGI app (median of 5 requests). Target: each page under 0.3 s. Exits 1 when a page is slower."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from sparring import AgentTurn, Conversation, CustomerTurn, Outcome, Run, Store, ToolCallRecord, Verdict
from sparring.data_model import RunStatus
from sparring.data_model.run import ModelSettings
from sparring.viewer import create_app

RUNS, CONVERSATIONS, EVALUATIONS, TARGET_S = 10, 500, 20, 0.3


def build(store: Store) -> list[str]:
    settings = ModelSettings(simulator="openai:sim", agent="openai:bot", judge="openai:judge")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    evaluation_ids = [f"evaluation_{i:02}" for i in range(EVALUATIONS)]
    run_ids = []
    for r in range(RUNS):
        run = Run(
            id=f"run-{r:02}",
            label=f"v{r}",
            suite="bench",
            settings=settings,
            status=RunStatus.COMPLETED,
            evaluation_ids=evaluation_ids,
            clock=start,
            started_at=start + timedelta(hours=r),
        )
        store.save_run(run)
        for c in range(CONVERSATIONS):
            conversation = Conversation(
                id=f"{run.id}:scenario-{c:04}:0",
                run_id=run.id,
                scenario_id=f"scenario-{c:04}",
                turns=[
                    CustomerTurn(content="My order O-2002 is late, where is it? " * 3),
                    AgentTurn(
                        content="It is out for delivery and should arrive in ten minutes. " * 2,
                        tool_calls=[
                            ToolCallRecord(
                                id="t",
                                name="lookup_order",
                                arguments={"order_id": "O-2002"},
                                result={"status": "out_for_delivery", "items": list(range(20))},
                            )
                        ],
                    ),
                ]
                * 4,
            )
            verdicts = [
                Verdict(
                    evaluation_id=e,
                    conversation_id=conversation.id,
                    outcome=Outcome.FAIL if (c * 7 + i + r) % 11 == 0 else Outcome.PASS,
                    reasoning="The agent stated the status the backend returned. " * 2,
                    judge_model="openai:judge",
                    prompt_hash="abc",
                )
                for i, e in enumerate(evaluation_ids)
            ]
            store.save_conversation(conversation, verdicts)
        run_ids.append(run.id)
    return run_ids


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        began = time.perf_counter()
        run_ids = build(store)
        built = time.perf_counter() - began
        print(
            f"built {RUNS * CONVERSATIONS} conversations, {RUNS * CONVERSATIONS * EVALUATIONS} verdicts in {built:.0f}s"
        )
        client = TestClient(create_app(store), base_url="http://127.0.0.1")  # the viewer answers only to its hosts
        pages = {
            "runs list": "/",
            "run (page 1 of flagged)": f"/runs/{run_ids[-1]}",
            "run (page 5)": f"/runs/{run_ids[-1]}?page=5",
            "conversation": f"/conversations/{run_ids[-1]}:scenario-0250:0",
            "compare": f"/compare?a={run_ids[0]}&b={run_ids[-1]}",
            "history table": "/history/bench",
            "history chart (SVG)": "/history/bench/chart.svg",
            "calibration": "/calibration",
        }
        ok = True
        for name, url in pages.items():
            times = []
            for _ in range(5):
                t = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t)
                assert response.status_code == 200, (url, response.status_code)
            median = statistics.median(times)
            ok &= median < TARGET_S
            verdict = "ok" if median < TARGET_S else "SLOW"
            print(f"{name:26s} median {median * 1000:7.1f} ms  target < {TARGET_S * 1000:.0f} ms  {verdict}")
        store.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
