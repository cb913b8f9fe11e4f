"""Serving the viewer from several processes: Python runs one thread at a time in a process (the GIL), so one
process computes one page at a time whatever the cores. `serve` builds the app once and binds one socket per
worker to the port (SO_REUSEPORT: the kernel spreads connections evenly), then forks the workers (Linux; one
process elsewhere). Everything a guarantee rests on is shared because it was made before the fork: the form
tokens' secret (a token one worker signed is valid in every other), the host allow-list and the suites. Rendered
pages are shared through a private directory (each rendered once by the whole server) and every worker checks the
same store version (viewer/cache.py), so a label saved through one, or a run finished by the CLI, is seen by all."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import os
import re
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

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
BACKLOG = 2048  # connections a worker's socket holds until it accepts them (uvicorn's default)
MAX_WORKERS = 4  # a local viewer for a few people: each worker adds ~150 MB (PSS after bench/viewer.py's first round)


def default_workers() -> int:
    """Worker processes when not told: one per CPU, at most `MAX_WORKERS`; 1 where workers cannot be forked."""
    return min(MAX_WORKERS, os.cpu_count() or 1) if sys.platform == "linux" else 1


def serve(app: FastAPI, store: Store, host: str, port: int, workers: int | None = None) -> None:
    """Serve the viewer `app` (`create_app`'s, over `store`) on `host`:`port` from `workers` processes until
    interrupted (SIGINT, SIGTERM); stopping this process stops its workers. OSError when the port is taken."""
    count = default_workers() if workers is None else (workers if sys.platform == "linux" else 1)
    sockets = listening(host, port, count)  # bound before any fork: a port in use is one error, here
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    # several processes render each page once between them, through a private (0700) directory (viewer/cache.py)
    shared = app.state.page_cache.shared = shared_directory() if count > 1 else None
    children: list[int] = []
    try:
        # what start-up loaded (modules, compiled templates: some 200,000 objects) lives as long as the server:
        # frozen, no full collection walks it again (a comparison of 1,000 scenarios spent ~150 ms of its ~400 ms
        # of CPU in such collections), and the workers share those pages instead of copying them when they collect
        gc.collect()
        gc.freeze()
        one_blas_thread()
        signal.signal(signal.SIGTERM, _exit)  # after uvicorn's graceful stop, SIGTERM ends this function normally
        children += [_fork_worker(config, sockets, i, store) for i in range(1, count)]
        for sock in sockets[1:]:
            sock.close()  # the workers' own: a worker that ends takes its socket with it
        uvicorn.Server(config).run(sockets=sockets[:1])
    finally:
        for pid in children:
            _stop(pid)
        if shared:
            shutil.rmtree(shared, ignore_errors=True)


def shared_directory() -> Path:
    """A private (0700) directory for the workers' shared pages, named after this process, in memory where it can
    be (`in_memory`); the directories that viewers killed outright (SIGKILL) left there are removed first."""
    base = in_memory() or tempfile.gettempdir()
    for entry in os.scandir(base):
        found = re.fullmatch(r"sparring-view-(\d+)-\w+", entry.name)
        with contextlib.suppress(OSError):  # gone meanwhile, or another user's process by that pid: left alone
            ours = found and entry.is_dir(follow_symlinks=False) and entry.stat().st_uid == os.getuid()
            if found and ours and not _alive(int(found[1])):
                shutil.rmtree(entry.path, ignore_errors=True)
    return Path(tempfile.mkdtemp("", f"sparring-view-{os.getpid()}-", base))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def in_memory(shm: str = "/dev/shm", needed: int = 2**30) -> str | None:
    """Where the workers' shared pages go: `shm`, Linux's shared-memory filesystem (tmpfs), when this user may
    write there and it has `needed` bytes free (a container's is often 64 MB), unless the user named a temporary
    directory (TMPDIR, TEMP or TMP); else None, the temporary directory. Writing a page to a disk's filesystem
    costs ~0.35 ms of CPU (30 KB, ext4), a third of rendering a conversation page; to tmpfs ~0.03 ms."""
    if any(os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")):
        return None
    if not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return None
    stats = os.statvfs(shm)
    return shm if stats.f_bavail * stats.f_frsize >= needed else None


def one_blas_thread() -> None:
    """Run numpy's linear algebra on one thread in this process and the workers it forks: each worker is a process
    of its own, so BLAS threads would only fight the other workers for the cores (a cold 1,000-scenario comparison:
    ~180 ms of CPU with OpenBLAS's threads, ~125 ms with one; results bit-identical)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def listening(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets bound to `host`:`port`, one per process. Several share the port with SO_REUSEPORT, so the
    kernel spreads new connections evenly between the processes (from one shared socket, whichever process wakes
    first accepts a whole burst); as that option would let another viewer of this user join the port, a port
    something already answers on is refused first."""
    if count > 1 and _answering(host, port):
        raise OSError(errno.EADDRINUSE, f"address already in use: something answers on {host}:{port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if count > 1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, sockets[0].getsockname()[1] if len(sockets) > 1 else port))
            sock.listen(BACKLOG)  # now, not when its worker has started: the kernel spreads connections only
            # among listening sockets, so a burst arriving while the workers start would all go to the first
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _answering(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _fork_worker(config: uvicorn.Config, sockets: list[socket.socket], mine: int, store: Store) -> int:
    """A forked worker serving `sockets[mine]` (its pid); the worker itself never returns."""
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:
        _end_with_parent(parent)
        for i, sock in enumerate(sockets):
            if i != mine:
                sock.close()
        store.engine.dispose(close=False)  # the parent's pooled connections are the parent's: open new ones
        uvicorn.Server(config).run(sockets=[sockets[mine]])
    finally:
        os._exit(0)


def _end_with_parent(parent: int) -> None:
    """Have the kernel send this worker SIGTERM when the viewer that forked it dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so no worker outlives it holding the port; if the viewer died before this, end now."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        os._exit(0)


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):  # already gone
        pass


def _exit(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)
