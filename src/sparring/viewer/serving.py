"""Serving the viewer from several processes: Python runs one thread at a time in a process (the GIL), so one
process computes one page at a time whatever the cores. `serve` binds the socket and builds the app once, then
forks workers (Linux; one process elsewhere) that accept from that one socket. Everything a guarantee rests on is
shared because it was made before the fork: the form tokens' secret (a token one worker signed is valid in every
other), the host allow-list and the suites. Rendered pages are shared through a private directory (each rendered
once by the whole server) and every worker checks the same store version (viewer/cache.py), so a label saved
through one, or a run finished by the CLI, is seen by all."""

from __future__ import annotations

import gc
import os
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sparring.store import Store

MAX_WORKERS = 4  # a local viewer: beyond this, each worker's memory (~150 MB) buys little


def default_workers() -> int:
    """Worker processes when not told: one per CPU, at most `MAX_WORKERS`; 1 where workers cannot be forked."""
    return min(MAX_WORKERS, os.cpu_count() or 1) if sys.platform == "linux" else 1


def serve(app: FastAPI, store: Store, host: str, port: int, workers: int | None = None) -> None:
    """Serve the viewer `app` (`create_app`'s, over `store`) on `host`:`port` from `workers` processes until
    interrupted (SIGINT, SIGTERM); stopping this process stops its workers."""
    count = default_workers() if workers is None else (workers if sys.platform == "linux" else 1)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    sock = config.bind_socket()  # one socket, bound before any fork: a port in use is one error, here
    # several processes render each page once between them, through a private (0700) directory (viewer/cache.py)
    shared = app.state.page_cache.shared = Path(tempfile.mkdtemp(prefix="sparring-view-")) if count > 1 else None
    children: list[int] = []
    try:
        # what start-up loaded (modules, compiled templates: some 200,000 objects) lives as long as the server:
        # frozen, no full collection walks it again (a comparison of 1,000 scenarios spent ~150 ms of its ~400 ms
        # of CPU in such collections), and the workers share those pages instead of copying them when they collect
        gc.collect()
        gc.freeze()
        signal.signal(signal.SIGTERM, _exit)  # after uvicorn's graceful stop, SIGTERM ends this function normally
        children += [_fork_worker(config, sock, store) for _ in range(count - 1)]
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        for pid in children:
            _stop(pid)
        if shared:
            shutil.rmtree(shared, ignore_errors=True)


def _fork_worker(config: uvicorn.Config, sock: socket.socket, store: Store) -> int:
    """A forked worker serving `sock` (its pid); the worker itself never returns."""
    pid = os.fork()
    if pid:
        return pid
    try:
        store.engine.dispose(close=False)  # the parent's pooled connections are the parent's: open new ones
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        os._exit(0)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):  # already gone
        pass


def _exit(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)
