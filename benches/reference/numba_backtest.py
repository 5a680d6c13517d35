"""The fused Numba pipeline of the README's backtest table, measured on the same machine.

The tutorial workload (2 symbols x 17,544 hourly bars x 336 combinations = 672 columns): per
column, in one Numba function, SuperTrend (pandas-semantics Wilder ATR, as in the vectorbt
tutorial), long-only signals from the previous bar's bands, the simulation with fees in the
plain form of PIPELINE.md 4.7, a returns array, and the metrics (two-pass Sharpe, total
return from the orders, max drawdown, trades); `prange` over the columns. Not part of CI; run
it by hand:

    python3 -m venv /tmp/nb && /tmp/nb/bin/pip install numba numpy
    /tmp/nb/bin/python benches/reference/numba_backtest.py

It first checks itself against the golden grid file (the tutorial grid over the bundled daily
data, annualisation 365), and reports how many of its 672 rows it reproduces bit for bit.
"""
import csv
import os
import time

import numpy as np
from numba import njit, prange, set_num_threads

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


@njit(nogil=True, cache=True)
def backtest_column(high, low, close, period, multiplier, fees, init_cash, ann):
    n = close.shape[0]
    alpha = 1.0 / period
    avg = np.nan
    old_wt = 1.0
    nobs = 0
    prev_upper = np.nan
    prev_lower = np.nan
    prev_dir = 1
    long_prev = False
    short_prev = False
    cash = init_cash
    pos = 0.0
    last_close = np.nan
    prev_value = init_cash
    flow_cash = 0.0
    flow_units = 0.0
    orders = 0
    sells = 0
    returns = np.empty(n)
    for i in range(n):
        # SuperTrend of bar i.
        tr = np.nan
        if i > 0:
            a = abs(high[i] - low[i])
            b = abs(high[i] - close[i - 1])
            c = abs(low[i] - close[i - 1])
            if not (np.isnan(a) or np.isnan(b) or np.isnan(c)):
                tr = max(a, b, c)
        observed = not np.isnan(tr)
        if observed:
            nobs += 1
        if not np.isnan(avg):
            old_wt *= 1.0 - alpha
            if observed:
                if avg != tr:
                    avg = (old_wt * avg + alpha * tr) / (old_wt + alpha)
                old_wt = 1.0
        elif observed:
            avg = tr
        atr = avg if nobs >= period else np.nan
        mid = (high[i] + low[i]) / 2.0
        upper = mid + multiplier * atr
        lower = mid - multiplier * atr
        if close[i] > prev_upper:
            d = 1
        elif close[i] < prev_lower:
            d = -1
        else:
            d = prev_dir
            if d > 0 and lower < prev_lower:
                lower = prev_lower
            if d < 0 and upper > prev_upper:
                upper = prev_upper
        # Signals are the previous bar's bands; the order fills at this bar's close.
        entry = long_prev
        exit_ = short_prev
        price = close[i]
        if not np.isnan(price):
            if pos > 0.0 and exit_ and not entry:
                proceeds = pos * price
                fee = proceeds * fees
                cash = proceeds - fee
                flow_units -= pos
                flow_cash += proceeds - fee
                pos = 0.0
                sells += 1
                orders += 1
            elif pos == 0.0 and entry and not exit_:
                spendable = cash / (1.0 + fees)
                size = spendable / price
                fee = cash - spendable
                flow_units += size
                flow_cash -= size * price + fee
                pos = size
                cash = 0.0
                orders += 1
            last_close = price
        value = cash + (0.0 if pos == 0.0 else last_close * pos)
        returns[i] = (value - prev_value) / prev_value
        prev_value = value
        long_prev = (i > 0) and d > 0 and not np.isnan(lower)
        short_prev = (i > 0) and d < 0 and not np.isnan(upper)
        prev_upper, prev_lower, prev_dir = upper, lower, d
    # Metrics.
    mean = 0.0
    for i in range(n):
        mean += returns[i]
    mean /= n
    ssd = 0.0
    for i in range(n):
        dev = returns[i] - mean
        ssd += dev * dev
    std = np.sqrt(ssd / n * n / (n - 1))
    sharpe = np.inf if std == 0.0 else mean / std * np.sqrt(ann)
    total_return = 0.0 if orders == 0 else (flow_cash + flow_units * last_close) / init_cash
    cum = 1.0
    peak = np.nan
    worst = 0.0
    for i in range(n):
        cum *= returns[i] + 1.0
        c = cum * 100.0
        if np.isnan(peak) or c > peak:
            peak = c
        dd = c / peak - 1.0
        if dd < worst:
            worst = dd
    trades = sells + (1 if pos > 0.0 else 0)
    return sharpe, total_return, worst, trades, sells


@njit(nogil=True, parallel=True, cache=True)
def backtest(high, low, close, periods, multipliers, fees, init_cash, ann, out):
    n_symbols = high.shape[1]
    n_mult = multipliers.shape[0]
    columns = periods.shape[0] * n_mult * n_symbols
    for j in prange(columns):
        s = j % n_symbols
        m = (j // n_symbols) % n_mult
        p = j // (n_symbols * n_mult)
        r = backtest_column(high[:, s], low[:, s], close[:, s], periods[p], multipliers[m],
                            fees, init_cash, ann)
        out[j, 0] = r[0]
        out[j, 1] = r[1]
        out[j, 2] = r[2]
        out[j, 3] = r[3]
        out[j, 4] = r[4]


def random_walk(bars, seed):
    rng = np.random.default_rng(seed)
    close = 100.0 * np.cumprod(1.0 + 0.01 * (rng.random(bars) - 0.5))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + 0.003 * rng.random(bars))
    low = np.minimum(open_, close) * (1.0 - 0.003 * rng.random(bars))
    return high, low, close


def read_prices(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    get = lambda name: np.array([float(r[k]) for r in rows for k in r if k.lower() == name])
    return get("high"), get("low"), get("close")


def check_against_golden(periods, multipliers):
    data = [read_prices(os.path.join(ROOT, "examples", "data", f"{s}_bokeh.csv")) for s in ("MSFT", "IBM")]
    stack = lambda k: np.asfortranarray(np.column_stack([d[k] for d in data]))
    out = np.empty((len(periods) * len(multipliers) * 2, 5))
    backtest(stack(0), stack(1), stack(2), periods, multipliers, 0.001, 100.0, 365.0, out)
    with open(os.path.join(ROOT, "tests", "data", "golden-pipeline", "grid_msft_ibm_1d.csv")) as f:
        golden = list(csv.DictReader(f))
    same = sum(
        1 for row, g in zip(out, golden)
        if row[0] == float(g["sharpe"]) and row[1] == float(g["total_return"])
        and row[2] == float(g["max_drawdown"]) and int(row[3]) == int(g["trades"])
        and int(row[4]) == int(g["closed_trades"])
    )
    print(f"golden grid: {same} of {len(golden)} rows bit for bit")


def main():
    periods = np.arange(4, 20)
    multipliers = np.arange(20, 41) / 10.0
    check_against_golden(periods, multipliers)
    bars, symbols = 17544, 2
    data = [random_walk(bars, 7 + s) for s in range(symbols)]
    high = np.asfortranarray(np.column_stack([d[0] for d in data]))
    low = np.asfortranarray(np.column_stack([d[1] for d in data]))
    close = np.asfortranarray(np.column_stack([d[2] for d in data]))
    columns = len(periods) * len(multipliers) * symbols
    out = np.empty((columns, 5))
    for threads in (1, 2):
        set_num_threads(threads)
        backtest(high, low, close, periods, multipliers, 0.001, 100.0, 8760.0, out)  # warm up
        times = []
        for _ in range(15):
            start = time.perf_counter()
            backtest(high, low, close, periods, multipliers, 0.001, 100.0, 8760.0, out)
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        print(f"numba fused backtest, prange, {threads} thread(s): median {times[len(times) // 2]:.1f} ms, "
              f"min {times[0]:.1f} ms ({bars} bars x {columns} columns)")


if __name__ == "__main__":
    main()
