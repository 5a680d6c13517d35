"""Shards of a backtest on a dask cluster of worker processes: the gathered, concatenated
result equals the single-process run exactly."""
import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from conftest import frames_equal_bits

distributed = pytest.importorskip("dask.distributed")


def test_dask_shards_equal_the_single_process_run(frames):
    close = frames[2]
    windows = list(range(2, 61))
    whole = ts.backtest_ma_crossover(close, windows, ma="exponential")
    count = 6
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        data = client.scatter(close, broadcast=True)
        futures = [
            client.submit(ts.backtest_ma_crossover, data, windows, ma="exponential", threads=1,
                          shard=(i, count), pure=False)
            for i in range(count)
        ]
        parts = client.gather(futures)
    assert [len(p) for p in parts] == [len(whole) * (i + 1) // count - len(whole) * i // count for i in range(count)]
    frames_equal_bits(whole, pd.concat(parts, ignore_index=True))
