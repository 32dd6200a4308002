"""Timeouts, circuit breaker and bulkhead against a real socket that accepts connections and never answers."""

from __future__ import annotations

import threading
import time

import pytest

from search.engine import SearchUnavailable
from search.guard import GuardedEngine
from search.meili import MeiliEngine
from tests.servers import listening_socket


@pytest.fixture
def hanging_url():
    sock = listening_socket()  # the kernel completes every handshake; nobody ever reads or answers
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def _timed(call) -> tuple[float, BaseException | None]:
    started = time.perf_counter()
    try:
        call()
    except SearchUnavailable as err:
        return time.perf_counter() - started, err
    return time.perf_counter() - started, None


def test_a_read_timeout_bounds_each_call(hanging_url):
    engine = MeiliEngine(hanging_url, timeout=(0.5, 0.3))
    elapsed, err = _timed(lambda: engine.query("tran de"))
    assert isinstance(err, SearchUnavailable) and 0.25 < elapsed < 2.0, elapsed


def test_the_breaker_opens_after_repeated_failures_and_then_answers_at_once(hanging_url):
    engine = GuardedEngine(MeiliEngine(hanging_url, timeout=(0.5, 0.2)), fail_max=3, reset_after=30)
    slow = [_timed(lambda: engine.query("x")) for _ in range(3)]
    assert all(isinstance(err, SearchUnavailable) and t >= 0.15 for t, err in slow), slow
    assert engine.state == "open"
    fast = [_timed(lambda: engine.query("x")) for _ in range(20)]
    assert all(isinstance(err, SearchUnavailable) and t < 0.05 for t, err in fast), fast
    assert "circuit open" in str(fast[0][1])


def test_the_breaker_closes_again_when_the_engine_answers(tmp_path):
    from search.local import LocalEngine

    engine = GuardedEngine(LocalEngine(tmp_path / "s.db"), fail_max=1, reset_after=0.2)
    engine.breaker.open()
    with pytest.raises(SearchUnavailable):
        engine.count()
    time.sleep(0.3)
    assert engine.count() == 0 and engine.state == "closed"


def test_the_bulkhead_answers_at_once_when_every_slot_waits_on_the_engine(hanging_url):
    engine = GuardedEngine(MeiliEngine(hanging_url, timeout=(0.5, 1.5)), max_concurrent=2, fail_max=100)
    waiting = [threading.Thread(target=_timed, args=(lambda: engine.query("x"),)) for _ in range(2)]
    for t in waiting:
        t.start()
    time.sleep(0.2)
    elapsed, err = _timed(lambda: engine.query("x"))
    assert isinstance(err, SearchUnavailable) and "busy" in str(err) and elapsed < 0.6, (elapsed, err)
    for t in waiting:
        t.join()
