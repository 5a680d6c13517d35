"""The GIL is released while the crate works: Python code in other threads keeps running
during a native call, and two calls overlap in time with the same results as serially."""
import threading
import time

import numpy as np
import pytest

import ta_sweep as ts
from conftest import frames_equal_bits


@pytest.fixture(scope="module")
def close():
    rng = np.random.default_rng(11)
    return 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 30000)))


def test_python_runs_while_a_backtest_runs(close):
    """The main thread increments a counter while another thread sits in a native call.
    If the GIL were held, no increment could happen between the call's start and end."""
    times = {}
    started = threading.Event()

    def work():
        started.set()
        times["start"] = time.perf_counter()
        times["result"] = ts.backtest_ma_crossover(close, range(2, 101), threads=1)
        times["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    stamps = []
    worker.start()
    started.wait()
    while worker.is_alive():
        stamps.append(time.perf_counter())
        for _ in range(1000):  # pure Python work between stamps
            pass
    worker.join()
    inside = [t for t in stamps if times["start"] < t < times["end"]]
    assert times["end"] - times["start"] > 0.05, "the call is too short to show anything"
    assert len(inside) >= 10, f"only {len(inside)} Python steps ran during the native call"
    frames_equal_bits(times["result"], ts.backtest_ma_crossover(close, range(2, 101), threads=1))


def test_two_sweeps_overlap_and_equal_the_serial_ones(close):
    high, low = close * 1.01, close * 0.99
    serial_st = ts.supertrend(high, low, close, range(2, 40), [1.5, 2.0, 3.0], threads=1)
    serial_bt = ts.backtest_ma_crossover(close, range(2, 101), threads=1)
    spans, results = {}, {}
    barrier = threading.Barrier(2)

    def run(name, call):
        barrier.wait()
        t0 = time.perf_counter()
        results[name] = call()
        spans[name] = (t0, time.perf_counter())

    threads = [
        threading.Thread(target=run, args=("st", lambda: ts.supertrend(high, low, close, range(2, 40), [1.5, 2.0, 3.0], threads=1))),
        threading.Thread(target=run, args=("bt", lambda: ts.backtest_ma_crossover(close, range(2, 101), threads=1))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (a0, a1), (b0, b1) = spans["st"], spans["bt"]
    assert max(a0, b0) < min(a1, b1), f"the calls did not overlap: {spans}"
    frames_equal_bits(serial_bt, results["bt"])
    for name in ("supert", "superl", "supers"):
        np.testing.assert_array_equal(serial_st[name].view(np.int64), results["st"][name].view(np.int64))
    assert (serial_st.superd == results["st"].superd).all()
