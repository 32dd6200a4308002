"""The work queue's clock: working days for 2,000 cases (ages up to a year, one wait for the investor each),
by day-ordinal arithmetic (portal.review.queue.working_days) against counting day by day (the baseline,
measured in the same run). Prints both times and the ratio.

    .venv/bin/python tests/bench/queue_bench.py
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from portal.review.queue import working_days


def day_by_day(submitted, until, paused, holidays):
    n, day = 0, submitted + timedelta(days=1)
    while day <= until:
        waited = any(s <= day and (e is None or day < e) for s, e in paused)
        n += day.weekday() < 5 and day not in holidays and not waited
        day += timedelta(days=1)
    return n


def main() -> None:
    today = date(2026, 12, 2)
    holidays = frozenset({date(2026, 9, 2), date(2027, 1, 1)})
    cases = []
    for i in range(2000):
        submitted = today - timedelta(days=i % 365)
        start = submitted + timedelta(days=2)
        cases.append((submitted, [(start, start + timedelta(days=7))]))
    timings = {}
    results = {}
    for name, fn in (("day by day (baseline)", day_by_day), ("arithmetic", None)):
        t = time.perf_counter()
        if fn is None:
            out = [working_days(s, today, paused=p, holidays=holidays) for s, p in cases]
        else:
            out = [fn(s, today, p, holidays) for s, p in cases]
        timings[name] = time.perf_counter() - t
        results[name] = out
    assert results["arithmetic"] == results["day by day (baseline)"]
    base = timings["day by day (baseline)"]
    for name, seconds in timings.items():
        print(f"{name:24s} {seconds * 1000:8.1f} ms   x{base / seconds:6.1f}")


if __name__ == "__main__":
    main()
