"""The sockets a viewer's workers listen on (viewer/serving.py): one per worker on one port, new connections spread
between them by the kernel (one shared socket gave a whole burst to one worker), and a port something already
answers on refused, although SO_REUSEPORT would let a second viewer of the same user join it."""

from __future__ import annotations

import errno
import socket
import sys

import pytest

from sparring.viewer.serving import listening
from viewer_server import free_port

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")


def test_connections_are_spread_over_the_workers_sockets():
    sockets = listening("127.0.0.1", free_port(), 2)
    clients: list[socket.socket] = []
    try:
        assert len({s.getsockname() for s in sockets}) == 1, "one port"
        for s in sockets:
            s.listen(64)
            s.setblocking(False)
        clients += [socket.create_connection(sockets[0].getsockname()) for _ in range(40)]
        accepted = [0, 0]
        for i, s in enumerate(sockets):
            while True:
                try:
                    connection, _ = s.accept()
                except BlockingIOError:
                    break
                connection.close()
                accepted[i] += 1
        assert sum(accepted) == 40 and min(accepted) > 0, accepted
    finally:
        for s in [*sockets, *clients]:
            s.close()


def test_a_port_in_use_is_refused_before_anything_is_bound():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        for workers in (1, 2):
            with pytest.raises(OSError) as refused:
                listening("127.0.0.1", port, workers)
            assert refused.value.errno == errno.EADDRINUSE
    finally:
        taken.close()


def test_a_second_viewer_cannot_join_the_port_of_a_first():
    first = listening("127.0.0.1", free_port(), 2)
    try:
        for s in first:
            s.listen()
        with pytest.raises(OSError, match="something answers on"):
            listening("127.0.0.1", first[0].getsockname()[1], 2)
    finally:
        for s in first:
            s.close()


def test_sparring_view_on_a_taken_port_is_one_error_line(tmp_path):
    """The user's mistake (a port in use) is one line and exit 2, for one worker and for several, no traceback."""
    import subprocess

    from sparring.store import Store

    db = str(tmp_path / "runs.db")
    Store.open(db)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        for workers in ("1", "2"):
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from sparring.cli import app; app()",
                    "view",
                    "--db",
                    db,
                    "--port",
                    str(port),
                    "--workers",
                    workers,
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 2, done.stderr
            assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
    finally:
        taken.close()


def test_the_sockets_listen_before_any_worker_starts():
    """A connection made while the workers start waits in a socket's backlog: the kernel spreads connections only
    among listening sockets, so a burst arriving before a worker listened would all go to the others (or be refused
    when none listens yet)."""
    sockets = listening("127.0.0.1", free_port(), 2)
    clients: list[socket.socket] = []
    try:
        clients += [socket.create_connection(sockets[0].getsockname(), timeout=2) for _ in range(20)]
        for s in sockets:
            s.setblocking(False)
        waiting = []
        for s in sockets:
            count = 0
            while True:
                try:
                    s.accept()[0].close()
                except BlockingIOError:
                    break
                count += 1
            waiting.append(count)
        assert sum(waiting) == 20 and min(waiting) > 0, waiting
    finally:
        for s in [*sockets, *clients]:
            s.close()
