"""`sparring view` serves from several processes (issue 28: a cold viewer's first 200 concurrent GETs on 2 cores)
and every guarantee holds across them: a real `sparring view --workers 2` on 127.0.0.1 over a real SQLite file,
each client connection traced to the worker process that accepted it (/proc, Linux). A form token signed by one
worker is accepted by the other, a label saved through one is on the page the other kept, a cross-site write is
refused by each, a page is rendered once by both, and stopping the viewer stops its workers and removes the pages
they shared."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from sparring import Store
from sparring.viewer.serving import in_memory, shared_directory
from viewer_server import TOKEN, free_port, one_judged_conversation

pytestmark = [pytest.mark.real, pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")]

PAGE = "/conversations/r1:s0:0"


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def accepted_by(pids: list[int], port: int) -> dict[int, int]:
    """Client port -> the server process holding that connection (its socket inode among the process's fds)."""
    owner = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owner[target[8:-1]] = pid
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[9] in owner:
            found[int(fields[2].split(":")[1], 16)] = owner[fields[9]]
    return found


def get(connection: http.client.HTTPConnection, path: str) -> str:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    assert response.status == 200, body
    return body


def post_label(connection: http.client.HTTPConnection, token: str, origin: str, note: str) -> int:
    form = {"conversation_id": "r1:s0:0", "evaluation_id": "professional_tone", "label": "fail", "note": note}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin}
    connection.request("POST", "/labels", body=urlencode({**form, "csrf_token": token}), headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


@pytest.fixture
def viewer(tmp_path):
    """(port, server process, its pids, a connection to each worker by pid, its temporary folder): `sparring view
    --workers 2`."""
    db = str(tmp_path / "runs.db")
    one_judged_conversation(Store.open(db))
    port = free_port()
    command = [sys.executable, "-c", "from sparring.cli import app; app()", "view", "--db", db]
    temporary = tmp_path / "tmp"  # where the viewer's workers share their pages
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    server = subprocess.Popen([*command, "--port", str(port), "--workers", "2"], stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 60
    while len(children(server.pid)) < 1 or _refused(port):
        assert server.poll() is None and time.time() < deadline, "the viewer did not start"
        time.sleep(0.1)
    pids = [server.pid, *children(server.pid)]
    by_worker: dict[int, http.client.HTTPConnection] = {}
    opened = []
    while len(by_worker) < 2 and len(opened) < 200:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        get(connection, "/")  # accepted and answered: the connection is held by one worker now
        opened.append(connection)
        worker = accepted_by(pids, port)[connection.sock.getsockname()[1]]
        by_worker.setdefault(worker, connection)
    try:
        yield port, server, pids, by_worker, temporary
    finally:
        for connection in opened:
            connection.close()
        if server.poll() is None:
            server.kill()


def _refused(port: int) -> bool:
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        probe.connect()
    except OSError:
        return True
    probe.close()
    return False


def test_every_guarantee_holds_across_the_workers(viewer):
    port, server, pids, by_worker, _ = viewer
    assert len(pids) == 2 and len(by_worker) == 2, "two processes, each accepting connections"
    origin = f"http://127.0.0.1:{port}"
    (first, a), (second, b) = by_worker.items()
    assert first != second
    before = {pid: get(c, PAGE) for pid, c in by_worker.items()}  # each worker renders and keeps the page
    token_of_a = TOKEN.findall(before[first])[0]
    assert post_label(b, token_of_a, "http://evil.example", "forged") == 403
    assert post_label(a, TOKEN.findall(before[second])[0], "http://evil.example", "forged") == 403
    assert post_label(b, token_of_a, origin, "signed by one, saved through the other") == 303
    for pid, connection in by_worker.items():
        after = get(connection, PAGE)
        assert "signed by one, saved through the other" in after and after != before[pid], pid
    assert post_label(a, TOKEN.findall(before[second])[0], origin, "and back") == 303


def test_each_page_is_rendered_once_by_the_whole_viewer(viewer):
    *_, by_worker, _ = viewer
    (first, a), (second, b) = by_worker.items()
    for path in ("/runs/r1", PAGE, "/compare?a=r1&b=r1"):
        # a page holds a form token with a random nonce: two renders would differ
        assert get(a, path) == get(b, path), path


def test_stopping_the_viewer_stops_its_workers(viewer):
    _, server, pids, _, temporary = viewer
    assert [p.name[:13] for p in temporary.iterdir()] == ["sparring-view"]
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    assert list(temporary.iterdir()) == [], "the shared pages are removed with the viewer"
    deadline = time.time() + 10
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in pids[1:]):
        assert time.time() < deadline, "a worker outlived the viewer"
        time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_a_viewer_killed_outright_takes_its_workers_with_it(viewer):
    """kill -9 of `sparring view` leaves no worker serving the port on its own (they used to live on, orphaned)."""
    port, server, pids, _, _ = viewer
    server.kill()
    server.wait(timeout=30)
    deadline = time.time() + 10
    while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in pids[1:]):
        assert time.time() < deadline, "a worker outlived the viewer killed by SIGKILL"
        time.sleep(0.1)
    assert _refused(port)


def test_the_viewer_runs_blas_on_one_thread():
    """Workers are processes: numpy's BLAS threads would only compete with the other workers for the cores."""
    script = (
        "from threadpoolctl import threadpool_info; from sparring.viewer.serving import one_blas_thread; "
        "import numpy; one_blas_thread(); "
        "print(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[1]"


def test_the_workers_share_their_pages_in_memory_unless_told_where(monkeypatch, tmp_path):
    """A page written to a disk's filesystem cost a third of rendering it (issue 28's cold round): the shared pages go
    to a tmpfs (/dev/shm) with room to spare, or where TMPDIR, TEMP or TMP say when the user set one."""
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    memory = tmp_path / "shm"
    memory.mkdir()
    assert in_memory(str(memory), needed=1) == str(memory)
    assert in_memory(str(memory), needed=2**62) is None, "a small /dev/shm (a container's 64 MB) is not used"
    assert in_memory(str(tmp_path / "none"), needed=1) is None
    memory.chmod(0o500)
    assert in_memory(str(memory), needed=1) is None or os.geteuid() == 0  # root may write anywhere
    memory.chmod(0o700)
    monkeypatch.setenv("TMP", str(tmp_path))
    assert in_memory(str(memory), needed=1) is None  # tempfile then uses it


def test_a_viewer_removes_the_pages_that_viewers_killed_outright_left(monkeypatch, tmp_path):
    """The shared pages live in memory: a viewer killed by SIGKILL cannot remove its directory, the next one does
    (only directories named after a process that is gone)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f"sparring-view-{int(ended.stdout)}-x1y2"
    living = tmp_path / f"sparring-view-{os.getpid()}-a1b2"
    other = tmp_path / "sparring-view-notes"
    for folder in (orphan, living, other):
        folder.mkdir()
    (orphan / "0123-abcd").write_bytes(b"a page")
    made = shared_directory()
    assert not orphan.exists() and living.exists() and other.exists()
    assert made.parent == tmp_path and made.name.startswith(f"sparring-view-{os.getpid()}-")
    assert made.stat().st_mode & 0o777 == 0o700
