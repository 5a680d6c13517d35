"""Shards: concatenated in order, the shards of a sweep or backtest are the whole run, bit
for bit; bad shards and sharded rolling windows / validation are errors."""
import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from conftest import assert_same_bits, frames_equal_bits

SHARDS = [1, 2, 3, 5, 7]


@pytest.fixture(scope="module")
def prices():
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(600, 3)), axis=0))
    close[50:55, 1] = np.nan
    spread = np.abs(rng.normal(0, 0.5, size=close.shape))
    return close + spread, close - spread, close


@pytest.mark.parametrize("count", SHARDS)
def test_supertrend_shards_concatenate_to_the_whole(prices, count):
    periods, multipliers = [3, 7, 10], [1.0, 2.5, 3.0, 4.0]
    whole = ts.supertrend(*prices, periods, multipliers)
    parts = [ts.supertrend(*prices, periods, multipliers, shard=(i, count), threads=2) for i in range(count)]
    for name in ("supert", "superl", "supers"):
        assert_same_bits(name, whole[name], np.concatenate([p[name] for p in parts], axis=1))
    assert (whole.superd == np.concatenate([p.superd for p in parts], axis=1)).all()
    keys = pd.concat([p.columns for p in parts], ignore_index=True)
    frames_equal_bits(whole.columns, keys)
    ranges = [p.column_range for p in parts]
    assert ranges[0][0] == 0 and ranges[-1][1] == len(whole.columns)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    for p, (start, end) in zip(parts, ranges):
        assert p.supert.shape == (600, end - start)


@pytest.mark.parametrize("count", SHARDS)
def test_ma_and_atr_shards(prices, count):
    whole = ts.ma(prices[2], [2, 5, 9, 20], ma="exponential")
    parts = [ts.ma(prices[2], [2, 5, 9, 20], ma="exponential", shard=(i, count)) for i in range(count)]
    assert_same_bits("ma", whole.ma, np.concatenate([p.ma for p in parts], axis=1))
    whole = ts.atr(*prices, [2, 5, 9])
    parts = [ts.atr(*prices, [2, 5, 9], shard=(i, count)) for i in range(count)]
    assert_same_bits("atr", whole.atr, np.concatenate([p.atr for p in parts], axis=1))


@pytest.mark.parametrize("count", SHARDS)
def test_backtest_shards_concatenate_to_the_whole(prices, count):
    whole = ts.backtest_supertrend(*prices, [3, 7, 10], [1.0, 2.5, 3.0, 4.0], freq="1h")
    parts = [ts.backtest_supertrend(*prices, [3, 7, 10], [1.0, 2.5, 3.0, 4.0], freq="1h", shard=(i, count))
             for i in range(count)]
    frames_equal_bits(whole, pd.concat(parts, ignore_index=True))
    whole = ts.backtest_ma_crossover(prices[2], range(2, 30, 3))
    parts = [ts.backtest_ma_crossover(prices[2], range(2, 30, 3), shard=(i, count), threads=1) for i in range(count)]
    frames_equal_bits(whole, pd.concat(parts, ignore_index=True))


@pytest.mark.parametrize("shard", [(3, 3), (0, 0), (5, 2), (-1, 3), (1, -2), "0,1", (1,), (0.5, 2), 3.0])
def test_bad_shards_are_errors(prices, shard):
    with pytest.raises(ts.Error):
        ts.supertrend(*prices, [3], [2.0], shard=shard)
    with pytest.raises(ts.Error):
        ts.backtest_ma_crossover(prices[2], [2, 3], shard=shard)


def test_rolling_and_validation_refuse_shards(prices):
    with pytest.raises(ts.Error, match="rolling"):
        ts.backtest_supertrend_rolling(*prices, [3], [2.0], 100, 100, shard=(0, 2))
    with pytest.raises(ts.Error, match="rolling"):
        ts.backtest_ma_crossover_rolling(prices[2], [2, 3], 100, 100, shard=(0, 2))
    with pytest.raises(ts.Error, match="validation"):
        ts.validate_supertrend(*prices, [3, 4], [2.0], shard=(0, 2))
    with pytest.raises(ts.Error, match="validation"):
        ts.validate_ma_crossover(prices[2], [2, 3, 4], shard=(1, 2))


def test_shard_columns_is_the_crates_arithmetic():
    assert [ts.shard_columns(10, i, 3) for i in range(3)] == [(0, 3), (3, 6), (6, 10)]
    with pytest.raises(ts.Error):
        ts.shard_columns(10, 3, 3)
