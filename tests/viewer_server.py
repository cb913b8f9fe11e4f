"""A real viewer for the viewer tests: uvicorn on 127.0.0.1 in a thread, stopped on exit, plus a small
store holding one judged conversation."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn

from sparring import AgentTurn, Conversation, CustomerTurn, Outcome, Run, Store, Verdict
from sparring.data_model import RunStatus
from sparring.data_model.run import ModelSettings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    """A port nobody listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the ASGI `app` on `host` and a free port; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def one_judged_conversation(
    store: Store, outcomes: dict[str, list[Outcome]] | None = None, simulator_ids: tuple[str, ...] = ()
) -> Conversation:
    """A completed run 'r1' (label 'baseline') with conversations 'r1:s0:0', 'r1:s1:0'... and, per evaluation,
    the outcomes listed (conversation i gets outcome i); default: professional_tone passed on one. Returns the
    first conversation."""
    outcomes = outcomes or {"professional_tone": [Outcome.PASS]}
    settings = ModelSettings(simulator="scripted:sim", agent="scripted:bot", judge="scripted:judge")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    run = Run(
        id="r1",
        label="baseline",
        suite="demo",
        settings=settings,
        status=RunStatus.COMPLETED,
        evaluation_ids=list(outcomes),
        simulator_evaluation_ids=list(simulator_ids),
        clock=now,
        started_at=now,
    )
    store.save_run(run)
    conversations = [
        Conversation(
            id=f"r1:s{i}:0",
            run_id="r1",
            scenario_id=f"s{i}",
            turns=[CustomerTurn(content="Where is O-1?"), AgentTurn(content="On its way.")],
        )
        for i in range(max(len(v) for v in outcomes.values()))
    ]
    for i, conversation in enumerate(conversations):
        verdicts = [
            Verdict(evaluation_id=e, conversation_id=conversation.id, outcome=listed[i], reasoning="ok")
            for e, listed in outcomes.items()
            if i < len(listed)
        ]
        store.save_conversation(conversation, verdicts)
    return conversations[0]
