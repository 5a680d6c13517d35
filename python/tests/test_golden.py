"""The shared golden files, reproduced through the Python API exactly as the crate's tests
reproduce them (tests/golden.rs, golden_variants.rs, backtest_golden.rs,
strategies_golden.rs): bit for bit, NaN equal to NaN, directions and counts exact."""
import os

import numpy as np
import pytest

import ta_sweep as ts
from conftest import DATA, SYMBOLS, assert_same_bits, golden, manifest, read_csv


def cases(directory):
    return [(directory, case) for case in manifest(*directory)]


SUPERTREND_CASES = (
    cases(("golden",))
    + [(("golden-variants", v), c) for v in ("tradingview", "talib") for _, c in cases(("golden-variants", v))]
)


def variant_of(directory):
    return "vectorbt" if directory == ("golden",) else directory[1]


def test_every_golden_directory_is_found():
    # A loader that found nothing would make every test below pass vacuously.
    assert len(cases(("golden",))) == 17
    assert len(SUPERTREND_CASES) == 17 + 2 * 17


@pytest.mark.parametrize(
    "directory,case", SUPERTREND_CASES, ids=[f"{variant_of(d)}-{c['name']}" for d, c in SUPERTREND_CASES]
)
def test_supertrend_reproduces_every_case(directory, case):
    g = golden(*directory, case["file"])
    r = ts.supertrend(
        g.high.to_numpy(), g.low.to_numpy(), g.close.to_numpy(),
        [case["period"]], [float(case["multiplier_repr"])], variant=variant_of(directory),
    )
    for name in ("supert", "superl", "supers"):
        assert_same_bits(f"{case['name']} {name}", g[name].to_numpy(), r[name][:, 0])
    assert r.superd.dtype == np.int8
    assert (r.superd[:, 0] == g.superd.to_numpy()).all()
    # The ATR indicator is SuperTrend's ATR, bit for bit.
    debug = golden(*directory, case["debug_file"])
    a = ts.atr(g.high, g.low, g.close, case["period"], variant=variant_of(directory))
    assert_same_bits(f"{case['name']} atr", debug.atr.to_numpy(), a.atr[:, 0])


@pytest.mark.parametrize("variant", ["vectorbt", "tradingview", "talib"])
def test_the_synthetic_cases_inside_one_grid_sweep(variant):
    """The cases over one series, as columns of one sweep (the lanes path, several threads)."""
    directory = ("golden",) if variant == "vectorbt" else ("golden-variants", variant)
    synth = [c for _, c in cases(directory) if c["name"].startswith("synth_")]
    first = golden(*directory, synth[0]["file"])
    periods = sorted({c["period"] for c in synth})
    multipliers = sorted({float(c["multiplier_repr"]) for c in synth})
    r = ts.supertrend(first.high, first.low, first.close, periods, multipliers, variant=variant, threads=2)
    for c in synth:
        g = golden(*directory, c["file"])
        j = periods.index(c["period"]) * len(multipliers) + multipliers.index(float(c["multiplier_repr"]))
        assert tuple(r.columns.loc[j, ["period", "multiplier"]]) == (c["period"], float(c["multiplier_repr"]))
        assert_same_bits(c["name"], g.supert.to_numpy(), r.supert[:, j])
        assert (r.superd[:, j] == g.superd.to_numpy()).all()


def test_the_supertrend_backtest_grid_is_reproduced_bit_for_bit(frames):
    high, low, close = frames
    periods, multipliers = list(range(4, 20)), [k / 10 for k in range(20, 41)]
    out = ts.backtest_supertrend(high, low, close, periods, multipliers, freq="1D")
    g = golden("golden-pipeline", "grid_msft_ibm_1d.csv")
    assert len(out) == len(g) == 672
    assert (out.period.to_numpy() == g.period.to_numpy()).all()
    assert_same_bits("multiplier", g.multiplier, out.multiplier)
    assert list(out.symbol) == list(g.symbol)
    for name in ("sharpe", "total_return", "max_drawdown"):
        assert_same_bits(name, g[name], out[name])
    for name in ("trades", "closed_trades"):
        assert (out[name].to_numpy() == g[name].to_numpy()).all(), name


def test_every_supertrend_perbar_summary_is_reproduced():
    summary = golden("golden-pipeline", "perbar_summary.csv")
    assert len(summary) == 5
    for row in summary.itertuples():
        g = golden("golden-pipeline", f"perbar_{row.case}.csv")
        out = ts.backtest_supertrend(
            g.high, g.low, g.close, row.period, row.multiplier,
            fees=row.fees, init_cash=row.init_cash, freq=row.freq,
        )
        m = out.iloc[0]
        for name in ("sharpe", "total_return", "max_drawdown"):
            assert_same_bits(f"{row.case} {name}", getattr(row, name), m[name])
        assert (m.trades, m.closed_trades) == (row.trades, row.closed_trades), row.case


@pytest.mark.parametrize("ma,file", [("simple", "grid_msft_ibm_1d_sma.csv"), ("exponential", "grid_msft_ibm_1d_ema.csv")])
def test_the_crossover_grids_are_reproduced_bit_for_bit(frames, ma, file):
    close = frames[2]
    out = ts.backtest_ma_crossover(close, range(2, 101), ma=ma)
    g = golden("golden-strategies", file)
    assert len(out) == len(g) == 9702
    for name in ("fast", "slow", "trades", "closed_trades"):
        assert (out[name].to_numpy() == g[name].to_numpy()).all(), name
    assert list(out.symbol) == list(g.symbol)
    for name in ("sharpe", "total_return", "max_drawdown"):
        assert_same_bits(f"{file} {name}", g[name], out[name])


def test_every_crossover_perbar_case():
    summary = golden("golden-strategies", "perbar_summary.csv")
    assert len(summary) == 11
    for row in summary.itertuples():
        g = golden("golden-strategies", f"perbar_{row.case}.csv")
        ma = "exponential" if row.ewm else "simple"
        averages = ts.ma(g.close.to_numpy(), [row.fast, row.slow], ma=ma)
        assert_same_bits(f"{row.case} fast_ma", g.fast_ma, averages.ma[:, 0])
        assert_same_bits(f"{row.case} slow_ma", g.slow_ma, averages.ma[:, 1])
        out = ts.backtest_ma_crossover(
            g.close.to_numpy(), [row.fast, row.slow], ma=ma,
            fees=row.fees, init_cash=row.init_cash, freq=row.freq,
        )
        m = out.iloc[0]
        for name in ("sharpe", "total_return", "max_drawdown"):
            assert_same_bits(f"{row.case} {name}", getattr(row, name), m[name])
        assert (m.trades, m.closed_trades) == (row.trades, row.closed_trades), row.case
