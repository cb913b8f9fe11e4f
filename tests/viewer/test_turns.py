"""Turns to compute in a viewer process (viewer/turns.py): one request at a time, light ones before a heavy one while
they keep coming, a heavy one never starved, and a waiting request gives its turn up."""

from __future__ import annotations

import threading
import time

from sparring.viewer.turns import Turns


def test_one_request_computes_at_a_time():
    turns, inside, most = Turns(), [0], [0]
    lock = threading.Lock()

    def request() -> None:
        with turns.turn():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.002)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_a_heavy_request_goes_after_the_light_ones_that_keep_coming():
    turns, order = Turns(heavy_wait=5.0, quiet=0.05), []
    stop = threading.Event()

    def light_stream() -> None:  # light requests one after another, as on the event loop: never a quiet pause
        for i in range(30):
            with turns.turn():
                order.append(f"light {i}")
                time.sleep(0.005)
        stop.set()

    stream = threading.Thread(target=light_stream)
    stream.start()
    time.sleep(0.02)  # the heavy request arrives while light ones are being served
    with turns.turn(heavy=True):
        order.append("heavy")
    stream.join()
    assert order[-1] == "heavy", order[-3:]


def test_a_heavy_request_is_never_starved():
    turns = Turns(heavy_wait=0.2, quiet=0.05)
    stop = threading.Event()

    def endless_light() -> None:
        while not stop.is_set():
            with turns.turn():
                time.sleep(0.002)

    stream = threading.Thread(target=endless_light)
    stream.start()
    try:
        time.sleep(0.02)
        began = time.monotonic()
        with turns.turn(heavy=True):
            waited = time.monotonic() - began
    finally:
        stop.set()
        stream.join()
    assert 0.15 <= waited < 1.0, waited


def test_a_heavy_request_alone_does_not_wait():
    turns = Turns(heavy_wait=5.0, quiet=0.05)
    began = time.monotonic()
    with turns.turn(heavy=True):
        assert time.monotonic() - began < 0.5


def test_a_request_waiting_for_another_render_gives_its_turn_up():
    turns, released = Turns(), threading.Event()
    other_ran = threading.Event()

    def waiter() -> None:
        with turns.turn():
            with turns.given_up():
                released.wait(5)  # e.g. another process renders the same page
            assert turns.held

    def other() -> None:
        with turns.turn():
            other_ran.set()

    first = threading.Thread(target=waiter)
    first.start()
    time.sleep(0.05)
    second = threading.Thread(target=other)
    second.start()
    assert other_ran.wait(2), "the waiting request kept its turn"
    released.set()
    first.join()
    second.join()
    assert not turns.busy and turns.light == 0
