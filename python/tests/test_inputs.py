"""Inputs and outputs: pandas round trips, 1-D and 2-D, memory layouts, the no-copy rule,
output selection, frequencies and every kind of bad input (always ts.Error, never a panic)."""
import datetime

import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from ta_sweep import _native
from conftest import assert_same_bits, frames_equal_bits


@pytest.fixture(scope="module")
def hlc():
    rng = np.random.default_rng(3)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(400, 3)), axis=0))
    spread = np.abs(rng.normal(0, 0.3, size=close.shape))
    return np.asfortranarray(close + spread), np.asfortranarray(close - spread), np.asfortranarray(close)


def test_error_is_a_value_error():
    assert issubclass(ts.Error, ValueError)
    assert ts.Error is _native.Error


def test_dataframe_round_trip(hlc):
    index = pd.date_range("2020-01-01", periods=400, freq="h", name="when")
    cols = pd.Index(["AAA", "BBB", "CCC"], name="ticker")
    high, low, close = (pd.DataFrame(a, index=index, columns=cols) for a in hlc)
    r = ts.supertrend(high, low, close, [5, 9], [2.0, 3.0])
    assert list(r.columns.columns) == ["period", "multiplier", "symbol"]
    assert list(r.columns.symbol) == ["AAA", "BBB", "CCC"] * 4
    assert list(r.columns.period) == [5] * 6 + [9] * 6
    assert list(r.columns.multiplier) == [2.0, 2.0, 2.0, 3.0, 3.0, 3.0] * 2
    frames = r.to_pandas()
    assert set(frames) == {"supert", "superd", "superl", "supers"}
    f = frames["supert"]
    assert f.index.equals(index)
    assert f.columns.names == ["st_period", "st_multiplier", "symbol"]
    assert f.columns[7] == (9, 2.0, "BBB")
    assert np.shares_memory(f.to_numpy(), r.supert)  # a view of the output, no copy
    assert frames["superd"].dtypes.iloc[0] == np.int8
    # The same columns from plain arrays.
    plain = ts.supertrend(*hlc, [5, 9], [2.0, 3.0])
    assert list(plain.columns.symbol) == ["S0", "S1", "S2"] * 4
    assert plain.to_pandas()["supert"].index.equals(pd.RangeIndex(400))
    for name in ("supert", "superl", "supers"):
        assert_same_bits(name, plain[name], r[name])
    ma = ts.ma(close, [3, 4]).to_pandas()["ma"]
    assert ma.columns.names == ["ma_window", "symbol"] and ma.columns[4] == (4, "BBB")
    atr = ts.atr(high, low, close, [3, 4]).to_pandas()["atr"]
    assert atr.columns.names == ["atr_period", "symbol"] and atr.columns[0] == (3, "AAA")


def test_series_input_and_names(hlc):
    h, l, c = (a[:, 0] for a in hlc)
    index = pd.Index(np.arange(400) * 10, name="t")
    named = ts.supertrend(pd.Series(h, index=index, name="high"), pd.Series(l, index=index, name="low"),
                          pd.Series(c, index=index, name="XYZ"), 7, 3.0)
    assert list(named.columns.symbol) == ["XYZ"]
    assert named.to_pandas()["supert"].index.equals(index)
    unnamed = ts.ma(pd.Series(c), [2, 3])
    assert list(unnamed.columns.symbol) == ["S0", "S0"]
    assert list(unnamed.columns.columns) == ["window", "symbol"]
    one_d = ts.supertrend(h, l, c, 7, 3.0)
    two_d = ts.supertrend(h[:, None], l[:, None], c[:, None], 7, 3.0)
    for name in ("supert", "superl", "supers"):
        assert_same_bits(name, one_d[name], named[name])
        assert_same_bits(name, one_d[name], two_d[name])


def test_mismatched_pandas_labels_are_errors(hlc):
    a = pd.DataFrame(hlc[0], columns=list("abc"))
    b = pd.DataFrame(hlc[1], columns=list("abd"))
    with pytest.raises(ts.Error, match="columns"):
        ts.supertrend(a, b, a, 3, 2.0)
    c = pd.DataFrame(hlc[1], columns=list("abc"), index=np.arange(400) + 1)
    with pytest.raises(ts.Error, match="index"):
        ts.supertrend(a, c, a, 3, 2.0)


def test_layouts_and_dtypes_give_the_same_bits(hlc):
    base = ts.backtest_supertrend(*hlc, [4, 8], [2.0, 3.5])
    c_order = ts.backtest_supertrend(*(np.ascontiguousarray(a) for a in hlc), [4, 8], [2.0, 3.5])
    frames_equal_bits(base, c_order)
    strided = [np.asfortranarray(np.repeat(a, 2, axis=0))[::2] for a in hlc]
    frames_equal_bits(base, ts.backtest_supertrend(*strided, [4, 8], [2.0, 3.5]))
    f32 = ts.supertrend(*(a.astype(np.float32) for a in hlc), 4, 2.0)
    as64 = ts.supertrend(*(a.astype(np.float32).astype(np.float64) for a in hlc), 4, 2.0)
    assert_same_bits("float32", as64.supert, f32.supert)
    ints = ts.ma(np.arange(1, 101), [3])
    assert_same_bits("ints", ts.ma(np.arange(1, 101, dtype=np.float64), [3]).ma, ints.ma)
    assert r_f_order(ts.supertrend(*hlc, [4, 8], [2.0, 3.5]))


def r_f_order(r):
    return all(a.flags.f_contiguous and a.flags.writeable for a in r.outputs.values())


def test_no_copy_of_fortran_float64_input(hlc):
    close = hlc[2]
    arr = ts._to_float_matrix(close, "close")
    assert arr is close  # handed over as is
    assert _native._borrows_input(arr)  # and the crate reads its columns in place
    frame = pd.DataFrame(close)
    values = ts._pandas_values(frame, "close")
    assert np.shares_memory(values, close) or np.shares_memory(values, frame[0].to_numpy())
    assert _native._borrows_input(ts._to_float_matrix(values, "close"))
    one = ts._to_float_matrix(close[:, 0].copy(), "close")
    assert _native._borrows_input(one)
    # C order is converted once, then read in place.
    c_order = np.ascontiguousarray(close)
    converted = ts._to_float_matrix(c_order, "close")
    assert converted is not c_order and converted.flags.f_contiguous
    assert not _native._borrows_input(c_order)  # the crate alone would copy its columns


def test_output_selection(hlc):
    r = ts.supertrend(*hlc, [4, 8], [2.0], outputs=["supert", "superd"])
    assert list(r.outputs) == ["supert", "superd"]
    assert r.superd.dtype == np.int8 and r.supert.dtype == np.float64
    with pytest.raises(AttributeError):
        r.superl
    full = ts.supertrend(*hlc, [4, 8], [2.0])
    assert_same_bits("supert", full.supert, r.supert)
    assert (full.superd == r.superd).all()
    assert list(ts.supertrend(*hlc, 4, 2.0, outputs="superd").outputs) == ["superd"]
    for bad in (["nope"], ["supert", "supert"], ["ma"]):
        with pytest.raises(ts.Error):
            ts.supertrend(*hlc, 4, 2.0, outputs=bad)
    assert ts.outputs_of("supertrend") == [("supert", "float64"), ("superd", "int8"), ("superl", "float64"), ("supers", "float64")]


def test_memory_limit_is_checked_before_allocating(hlc):
    with pytest.raises(ts.Error, match="limit"):
        ts.supertrend(*hlc, list(range(1, 50)), [1.0, 2.0], memory_limit=1000)


def test_memory_limits_beyond_64_bits_are_no_limit_and_bad_ones_errors(hlc):
    assert ts.supertrend(*hlc, 3, 2.0, memory_limit=2**70).supert.shape == (len(hlc[0]), 3)
    for bad in ("1", 1e9, -1, True, None.__class__):
        with pytest.raises(ts.Error, match="memory_limit"):
            ts.supertrend(*hlc, 3, 2.0, memory_limit=bad)


def test_an_output_numpy_refuses_is_an_error_not_a_crash(hlc, monkeypatch):
    def refuse(*args, **kwargs):
        raise MemoryError("Unable to allocate")

    monkeypatch.setattr(np, "zeros", refuse)
    for sweep in (lambda: ts.supertrend(*hlc, 7, 3.0), lambda: ts.ma(hlc[2], 5),
                  lambda: ts.atr(*hlc, 5)):
        with pytest.raises(ts.Error, match="cannot be allocated: MemoryError: Unable to allocate"):
            sweep()


def _overcommit_mode():
    try:
        with open("/proc/sys/vm/overcommit_memory") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


# Only where the kernel refuses a request larger than the machine (modes 0 and 2): under
# mode 1 the allocation would succeed and the sweep would write a terabyte.
@pytest.mark.skipif(_overcommit_mode() not in (0, 2), reason="needs overcommit mode 0 or 2")
def test_outputs_beyond_the_machine_are_an_error_when_the_limit_admits_them():
    bars = 1_000_000
    close = np.linspace(100.0, 200.0, bars)
    periods = list(range(1, 1401))
    multipliers = [1.0 + k / 100 for k in range(100)]  # 140,000 columns: 1.1 TB of supert
    with pytest.raises(ts.Error, match="the supert output .* cannot be allocated"):
        ts.supertrend(close * 1.01, close * 0.99, close, periods, multipliers,
                      outputs=["supert"], memory_limit=2**50)


@pytest.mark.parametrize("freq,bars_per_year", [
    ("1D", 365.0), ("D", 365.0), ("1h", 8760.0), ("4h", 2190.0), ("15min", 35040.0), ("30s", 1051200.0),
    ("1W", 365 / 7), (datetime.timedelta(hours=1), 8760.0), (pd.Timedelta("2h"), 4380.0),
])
def test_freq_sets_the_annualisation(hlc, freq, bars_per_year):
    daily = ts.backtest_ma_crossover(hlc[2], [3, 9], freq="1D")
    other = ts.backtest_ma_crossover(hlc[2], [3, 9], freq=freq)
    # sharpe = mean / std * sqrt(A): the ratio of two runs is sqrt of the ratio of the As.
    np.testing.assert_allclose(other.sharpe / daily.sharpe, np.sqrt(bars_per_year / 365.0), rtol=1e-12)
    assert_same_bits("total_return", daily.total_return, other.total_return)


BAD_CALLS = {
    "string dtype": lambda h, l, c: ts.supertrend(h.astype(str), l, c, 3, 2.0),
    "object strings": lambda h, l, c: ts.supertrend(np.array(["a"] * len(h), dtype=object), l[:, 0], c[:, 0], 3, 2.0),
    "complex": lambda h, l, c: ts.supertrend(h.astype(complex), l, c, 3, 2.0),
    "3-D": lambda h, l, c: ts.supertrend(h[:, :, None], l[:, :, None], c[:, :, None], 3, 2.0),
    "mismatched shapes": lambda h, l, c: ts.supertrend(h, l[:-1], c, 3, 2.0),
    "mismatched symbols": lambda h, l, c: ts.supertrend(h, l[:, :2], c, 3, 2.0),
    "nan multiplier": lambda h, l, c: ts.supertrend(h, l, c, 3, float("nan")),
    "inf multiplier": lambda h, l, c: ts.supertrend(h, l, c, 3, float("inf")),
    "negative multiplier": lambda h, l, c: ts.supertrend(h, l, c, 3, -1.0),
    "nan period": lambda h, l, c: ts.supertrend(h, l, c, float("nan"), 2.0),
    "fractional period": lambda h, l, c: ts.supertrend(h, l, c, 2.5, 2.0),
    "period 0": lambda h, l, c: ts.supertrend(h, l, c, 0, 2.0),
    "negative period": lambda h, l, c: ts.atr(h, l, c, -3),
    "string periods": lambda h, l, c: ts.supertrend(h, l, c, "7", 2.0),
    "empty periods": lambda h, l, c: ts.supertrend(h, l, c, [], [2.0]),
    "empty multipliers": lambda h, l, c: ts.backtest_supertrend(h, l, c, [3], []),
    "duplicate periods": lambda h, l, c: ts.supertrend(h, l, c, [3, 3], [2.0]),
    "empty windows": lambda h, l, c: ts.ma(c, []),
    "window 0": lambda h, l, c: ts.ma(c, [0, 3]),
    "shard count beyond int64": lambda h, l, c: ts.ma(c, [5], shard=(10**30, 10**31)),
    "threads beyond u64": lambda h, l, c: ts.ma(c, [5], threads=10**30),
    "shard_columns of negative columns": lambda h, l, c: ts.shard_columns(-1, 0, 2),
    "shard_columns of fractional columns": lambda h, l, c: ts.shard_columns(10.5, 0, 2),
    "shard_columns beyond int64": lambda h, l, c: ts.shard_columns(10**30, 0, 2),
    "grid of billions": lambda h, l, c: ts.backtest_ma_crossover(c, range(2, 100_002)),
    "window beyond int64": lambda h, l, c: ts.backtest_ma_crossover(c, [5, 2**63]),
    "window 1e30": lambda h, l, c: ts.ma(c, [1e30]),
    "period beyond u64": lambda h, l, c: ts.supertrend(h, l, c, 2**64, 2.0),
    "step beyond int64": lambda h, l, c: ts.backtest_ma_crossover_rolling(c, [2, 3], 10, 2**70),
    "one crossover window": lambda h, l, c: ts.backtest_ma_crossover(c, [3]),
    "duplicate crossover windows": lambda h, l, c: ts.backtest_ma_crossover(c, [3, 5, 3]),
    "unknown variant": lambda h, l, c: ts.supertrend(h, l, c, 3, 2.0, variant="pine"),
    "unknown ma": lambda h, l, c: ts.ma(c, [3], ma="weighted"),
    "threads 0": lambda h, l, c: ts.supertrend(h, l, c, 3, 2.0, threads=0),
    "threads -1": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], threads=-1),
    "threads huge": lambda h, l, c: ts.ma(c, [2], threads=10**9),
    "threads float": lambda h, l, c: ts.ma(c, [2], threads=2.0),
    "fees 1": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], fees=1.0),
    "fees nan": lambda h, l, c: ts.backtest_supertrend(h, l, c, 3, 2.0, fees=float("nan")),
    "init_cash 0": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], init_cash=0.0),
    "freq 0": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], freq="0s"),
    "freq negative": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], freq="-1h"),
    "freq nonsense": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], freq="fortnightly"),
    "freq number": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], freq=3600),
    "freq NaT": lambda h, l, c: ts.backtest_ma_crossover(c, [2, 3], freq=pd.NaT),
    "zero close": lambda h, l, c: ts.backtest_ma_crossover(np.where(np.arange(len(c))[:, None] == 5, 0.0, c), [2, 3]),
    "infinite close": lambda h, l, c: ts.backtest_supertrend(h, l, np.where(np.arange(len(c))[:, None] == 5, np.inf, c), 3, 2.0),
    "odd blocks": lambda h, l, c: ts.validate_ma_crossover(c, [2, 3, 4], blocks=5),
    "too many blocks": lambda h, l, c: ts.validate_ma_crossover(c[:10], [2, 3, 4], blocks=16),
    "walk-forward too long": lambda h, l, c: ts.validate_supertrend(h, l, c, [3, 4], [2.0], walk_forward=(300, 300, 10)),
    "walk-forward shape": lambda h, l, c: ts.validate_supertrend(h, l, c, [3, 4], [2.0], walk_forward=(300, 30)),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_input_is_an_error(hlc, name):
    with pytest.raises(ts.Error) as info:
        BAD_CALLS[name](*hlc)
    assert str(info.value)


def test_edge_inputs_are_not_errors(hlc):
    empty = np.empty((0, 2))
    r = ts.supertrend(empty, empty, empty, [3, 4], [2.0])
    assert r.supert.shape == (0, 4) and len(r.columns) == 4
    no_symbols = np.empty((10, 0))
    assert ts.supertrend(no_symbols, no_symbols, no_symbols, 3, 2.0).supert.shape == (10, 0)
    nan = np.full((20, 1), np.nan)
    r = ts.supertrend(nan, nan, nan, 3, 2.0)
    assert np.isnan(r.supert).all() and (r.superd == 1).all()
    long = ts.ma(hlc[2][:5], [10**6])
    assert np.isnan(long.ma).all()
    readonly = hlc[2].copy()
    readonly.flags.writeable = False
    assert ts.ma(readonly, [3]).ma.shape == (400, 3)


def test_the_default_memory_limit_is_the_crates_half_the_memory():
    limit = ts.default_memory_limit()
    assert isinstance(limit, int) and limit > 0
    try:
        with open("/proc/meminfo") as f:
            total = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemTotal:"))
    except OSError:  # pragma: no cover - not Linux: the crate's fallback
        assert limit == 8 << 30
    else:
        assert limit == total // 2


def test_backtests_and_validation_hold_their_results_to_memory_limit(hlc):
    h, l, c = hlc
    calls = {
        "backtest_supertrend": lambda **k: ts.backtest_supertrend(h, l, c, [3, 4], [2.0], **k),
        "backtest_ma_crossover": lambda **k: ts.backtest_ma_crossover(c, [2, 3, 5], **k),
        "backtest_supertrend_rolling":
            lambda **k: ts.backtest_supertrend_rolling(h, l, c, [3, 4], [2.0], 100, 100, **k),
        "backtest_ma_crossover_rolling":
            lambda **k: ts.backtest_ma_crossover_rolling(c, [2, 3, 5], 100, 100, **k),
        "validate_supertrend": lambda **k: ts.validate_supertrend(h, l, c, [3, 4], [2.0], blocks=4, **k),
        "validate_ma_crossover": lambda **k: ts.validate_ma_crossover(c, [2, 3, 5], blocks=4, **k),
    }
    for name, call in calls.items():
        with pytest.raises(ts.Error, match="over the memory limit of 0 bytes"):
            call(memory_limit=0)
        with pytest.raises(ts.Error, match="memory_limit"):
            call(memory_limit=-1)
        big, default = call(memory_limit=2**70), call()
        if isinstance(big, pd.DataFrame):
            frames_equal_bits(big, default)
        else:
            frames_equal_bits(big["metrics"], default["metrics"])
    # 6 columns x 40 bytes of metrics.
    assert len(calls["backtest_supertrend"](memory_limit=240)) == 6
    with pytest.raises(ts.Error, match="would take 240 bytes"):
        calls["backtest_supertrend"](memory_limit=239)
