"""Rolling windows: each window is the backtest of its slice alone."""
import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from conftest import frames_equal_bits


def test_each_supertrend_window_is_its_slice_alone(frames):
    high, low, close = frames
    rolling = ts.backtest_supertrend_rolling(high, low, close, [7, 10], [2.0, 3.0], 1000, 750, freq="1D")
    assert list(rolling.columns[:6]) == ["window", "start", "end", "period", "multiplier", "symbol"]
    starts = sorted(set(rolling.start))
    assert starts == [0, 750, 1500, 2250]
    for w, start in enumerate(starts):
        alone = ts.backtest_supertrend(high[start:start + 1000], low[start:start + 1000],
                                       close[start:start + 1000], [7, 10], [2.0, 3.0])
        part = rolling[rolling.window == w].drop(columns=["window", "start", "end"]).reset_index(drop=True)
        frames_equal_bits(alone, part)
        assert (rolling[rolling.window == w].end == start + 1000).all()


def test_each_crossover_window_is_its_slice_alone(frames):
    close = frames[2]
    rolling = ts.backtest_ma_crossover_rolling(close, [5, 10, 20], 500, 1000, ma="exponential")
    for w, start in enumerate(sorted(set(rolling.start))):
        alone = ts.backtest_ma_crossover(close[start:start + 500], [5, 10, 20], ma="exponential")
        part = rolling[rolling.window == w].drop(columns=["window", "start", "end"]).reset_index(drop=True)
        frames_equal_bits(alone, part)


@pytest.mark.parametrize("window,step", [(0, 1), (10**6, 1), (10, 0)])
def test_bad_windows_are_errors(frames, window, step):
    with pytest.raises(ts.Error):
        ts.backtest_ma_crossover_rolling(frames[2], [2, 3], window, step)
