"""Indicator contexts are shared by every session: computing on one runs one call at a time (its DuckDB
connection refuses a second concurrent call), and a table already computed is returned without waiting."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import dashboard.indicators
from components import loaders


def test_one_computation_at_a_time_per_shared_context(monkeypatch):
    running, overlaps, calls = [0], [], []
    guard = threading.Lock()

    def compute(ind_id, ctx):
        with guard:
            running[0] += 1
            overlaps.append(running[0])
        time.sleep(0.05)
        with guard:
            running[0] -= 1
        calls.append(ind_id)
        return ctx.cache.setdefault(ind_id, f"table {ind_id}")

    monkeypatch.setattr(dashboard.indicators, "compute", compute)
    ctx, lock = SimpleNamespace(cache={}), threading.RLock()
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(loaders._compute_shared(f"ind{i % 3}", ctx, lock)))
               for i in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(overlaps) == 1
    assert sorted(results) == sorted(f"table ind{i % 3}" for i in range(9))

    calls.clear()
    held, release = threading.Event(), threading.Event()

    def other_session():  # holds the lock as a long computation would
        with lock:
            held.set()
            release.wait(10)

    holder = threading.Thread(target=other_session)
    holder.start()
    held.wait(10)
    found = []
    reader = threading.Thread(target=lambda: found.append(loaders._compute_shared("ind0", ctx, lock)))
    reader.start()
    reader.join(5)
    waited = reader.is_alive()
    release.set()
    holder.join()
    reader.join()
    assert not waited and found == ["table ind0"] and calls == []  # a memoised table does not wait for the lock
