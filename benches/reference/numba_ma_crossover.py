"""The fused Numba pipeline of the dual moving-average crossover, measured on the same machine.

vectorbt's README recipe (docs/STRATEGIES.md): every pair of windows 2..=100 (4,851 pairs in
`itertools.combinations` order, the symbol varying fastest: 9,702 columns for two symbols).
Per column, in one Numba function: both moving averages (simple ones from one prefix sum per
symbol, computed once and shared read-only by every column; or exponential ones, STRATEGIES.md
section 3), the crossover flags of section 4, the simulation with fees in the plain form of
PIPELINE.md 4.7, a returns array, and the metrics (two-pass Sharpe, total return from the
orders, max drawdown, trades, closed trades); `prange` over the columns. Not part of CI; run it
by hand:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numba numpy
    /tmp/venv/bin/python benches/reference/numba_ma_crossover.py            # both kinds
    /tmp/venv/bin/python benches/reference/numba_ma_crossover.py --ema      # exponential only
    /tmp/venv/bin/python benches/reference/numba_ma_crossover.py --sma      # simple only
    /tmp/venv/bin/python benches/reference/numba_ma_crossover.py --runs 15  # more timed runs

It first checks itself bit for bit against the golden grids (tests/data/golden-strategies/
grid_msft_ibm_1d_{sma,ema}.csv: the bundled MSFT and IBM daily closes, annualisation 365) and
reports how many of the 9,702 rows of each it reproduces. Then it times the daily grid and a
synthetic hourly grid (2 symbols x 17,544 bars, annualisation 8760) with 1 and 2 threads
(`numba.set_num_threads`), and prints the fastest and the median of the timed runs. The
synthetic closes are the xorshift walk `random_walk(bars, seed)` of benches/common/mod.rs,
seeds 7 and 8, replicated bit for bit: the data of benches/ma_crossover.rs. The sum of every
column's trades is printed as a checksum; the Rust bench prints the same sums before timing.

Nothing is cached on disk (`cache=False`): every run compiles afresh (a few seconds).
"""
import argparse
import csv
import os
import statistics
import time
from itertools import combinations

import numpy as np
from numba import njit, prange, set_num_threads

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WINDOWS = range(2, 101)
FEES = 0.001
INIT_CASH = 100.0
# The seeds of the synthetic symbols: benches/ma_crossover.rs's (`random_walk(17_544, 7 + s)`).
SEEDS = (7, 8)


@njit(nogil=True, cache=False)
def prefix_sums(close, sums, nans):
    """STRATEGIES.md 2.1: S[0] = 0, S[i+1] = S[i] + close[i] (NaN skipped), N counts the NaN."""
    s = 0.0
    k = 0
    sums[0] = s
    nans[0] = k
    for i in range(close.shape[0]):
        if np.isnan(close[i]):
            k += 1
        else:
            s += close[i]
        sums[i + 1] = s
        nans[i + 1] = k


@njit(nogil=True, cache=False)
def crossover_column(close, sums, nans, fast_w, slow_w, ema, fees, init_cash, ann):
    """One column, start to end: the averages, the crossings, the simulation, the returns and
    the metrics."""
    n = close.shape[0]
    # Exponential averages (STRATEGIES.md 3): alpha, decay, and two states.
    fast_alpha = 1.0 / (1.0 + (fast_w - 1) / 2.0)
    slow_alpha = 1.0 / (1.0 + (slow_w - 1) / 2.0)
    fast_decay = 1.0 - fast_alpha
    slow_decay = 1.0 - slow_alpha
    fast_avg = np.nan
    slow_avg = np.nan
    fast_wt = 1.0
    slow_wt = 1.0
    nobs = 0
    # The two crossings (STRATEGIES.md 4.2): entry = above(fast, slow), exit = above(slow, fast).
    up_seen = False
    up_armed = False
    down_seen = False
    down_armed = False
    # The simulation (PIPELINE.md 4, plain form 4.7) and the order metrics (6.2, 6.4).
    cash = init_cash
    pos = 0.0
    last_close = np.nan
    prev_value = init_cash
    flow_cash = 0.0
    flow_units = 0.0
    orders = 0
    sells = 0
    returns = np.empty(n)
    fw = float(fast_w)
    sw = float(slow_w)
    for i in range(n):
        x = close[i]
        # The two averages of bar i.
        if ema:
            if not np.isnan(x):
                nobs += 1
            if not np.isnan(fast_avg):
                fast_wt *= fast_decay
                if not np.isnan(x):
                    if fast_avg != x:
                        fast_avg = (fast_wt * fast_avg + fast_alpha * x) / (fast_wt + fast_alpha)
                    fast_wt = 1.0
            elif not np.isnan(x):
                fast_avg = x
            if not np.isnan(slow_avg):
                slow_wt *= slow_decay
                if not np.isnan(x):
                    if slow_avg != x:
                        slow_avg = (slow_wt * slow_avg + slow_alpha * x) / (slow_wt + slow_alpha)
                    slow_wt = 1.0
            elif not np.isnan(x):
                slow_avg = x
            fast = fast_avg if nobs >= fast_w else np.nan
            slow = slow_avg if nobs >= slow_w else np.nan
        else:
            fast = np.nan
            slow = np.nan
            if i >= fast_w - 1 and nans[i + 1] - nans[i + 1 - fast_w] == 0:
                fast = (sums[i + 1] - sums[i + 1 - fast_w]) / fw
            if i >= slow_w - 1 and nans[i + 1] - nans[i + 1 - slow_w] == 0:
                slow = (sums[i + 1] - sums[i + 1 - slow_w]) / sw
        # The crossings of bar i: edges, on the bar itself.
        entry = False
        exit_ = False
        if np.isnan(fast) or np.isnan(slow):
            up_seen = up_armed = down_seen = down_armed = False
        elif fast > slow:
            entry = up_armed and up_seen
            up_armed = False
            down_seen = True
            down_armed = True
        elif fast == slow:
            up_armed = True
            down_armed = True
        else:
            up_seen = True
            up_armed = True
            exit_ = down_armed and down_seen
            down_armed = False
        # The order fills at this bar's close; a NaN close ignores it.
        if not np.isnan(x):
            if pos > 0.0 and exit_ and not entry:
                proceeds = pos * x
                fee = proceeds * fees
                cash = proceeds - fee
                flow_units -= pos
                flow_cash += proceeds - fee
                pos = 0.0
                sells += 1
                orders += 1
            elif pos == 0.0 and entry and not exit_:
                spendable = cash / (1.0 + fees)
                size = spendable / x
                fee = cash - spendable
                flow_units += size
                flow_cash -= size * x + fee
                pos = size
                cash = 0.0
                orders += 1
            last_close = x
        value = cash + (0.0 if pos == 0.0 else last_close * pos)
        returns[i] = (value - prev_value) / prev_value
        prev_value = value
    # Metrics (PIPELINE.md 6), over the returns.
    sharpe = np.nan
    if n >= 2:
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
    worst = 0.0 if n > 0 else np.nan
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


@njit(nogil=True, parallel=True, cache=False)
def backtest(close, sums, nans, fast_ws, slow_ws, ema, fees, init_cash, ann, out):
    n_symbols = close.shape[1]
    columns = fast_ws.shape[0] * n_symbols
    for j in prange(columns):
        s = j % n_symbols
        p = j // n_symbols
        r = crossover_column(close[:, s], sums[:, s], nans[:, s], fast_ws[p], slow_ws[p], ema,
                             fees, init_cash, ann)
        out[j, 0] = r[0]
        out[j, 1] = r[1]
        out[j, 2] = r[2]
        out[j, 3] = r[3]
        out[j, 4] = r[4]


def shared_sums(close):
    """One prefix sum (and NaN count) per symbol, computed once, before the columns."""
    bars, symbols = close.shape
    sums = np.empty((bars + 1, symbols), order="F")
    nans = np.empty((bars + 1, symbols), dtype=np.int64, order="F")
    for s in range(symbols):
        prefix_sums(close[:, s], sums[:, s], nans[:, s])
    return sums, nans


def run(close, pairs, ema, ann, out):
    """The whole grid: the shared prefix sums (simple averages only), then every column."""
    if ema:
        sums = np.zeros((1, close.shape[1]), order="F")
        nans = np.zeros((1, close.shape[1]), dtype=np.int64, order="F")
    else:
        sums, nans = shared_sums(close)
    backtest(close, sums, nans, pairs[0], pairs[1], ema, FEES, INIT_CASH, ann, out)


def random_walk_close(bars, seed):
    """`random_walk(bars, seed).close` of benches/common/mod.rs, bit for bit (xorshift64)."""
    mask = (1 << 64) - 1
    state = ((seed * 0x9E3779B97F4A7C15) & mask) | 1

    def next_unit():
        nonlocal state
        state ^= (state << 13) & mask
        state ^= state >> 7
        state ^= (state << 17) & mask
        return (state >> 11) / (1 << 53)  # exact: both are integers below 2^53 + 1

    close = np.empty(bars)
    price = 100.0
    for i in range(bars):
        price *= 1.0 + 0.01 * (next_unit() - 0.5)
        next_unit()  # the high's draw
        next_unit()  # the low's draw
        close[i] = price
    return close


def read_close(path):
    with open(path) as f:
        return np.array([float(r["close"]) for r in csv.DictReader(f)])


def grid_pairs():
    pairs = list(combinations(WINDOWS, 2))
    return (np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64))


def daily_close():
    return np.asfortranarray(np.column_stack(
        [read_close(os.path.join(ROOT, "examples", "data", f"{s}_bokeh.csv")) for s in ("MSFT", "IBM")]))


def check_against_golden(close, pairs, ema):
    kind = "ema" if ema else "sma"
    out = np.empty((len(pairs[0]) * close.shape[1], 5))
    run(close, pairs, ema, 365.0, out)
    path = os.path.join(ROOT, "tests", "data", "golden-strategies", f"grid_msft_ibm_1d_{kind}.csv")
    with open(path) as f:
        golden = list(csv.DictReader(f))
    same = 0
    first_bad = None
    for j, (row, g) in enumerate(zip(out, golden)):
        key_ok = (int(g["fast"]), int(g["slow"])) == (pairs[0][j // 2], pairs[1][j // 2])
        ok = (key_ok
              and row[0].tobytes() == np.float64(float(g["sharpe"])).tobytes()
              and row[1].tobytes() == np.float64(float(g["total_return"])).tobytes()
              and row[2].tobytes() == np.float64(float(g["max_drawdown"])).tobytes()
              and int(row[3]) == int(g["trades"]) and int(row[4]) == int(g["closed_trades"]))
        same += ok
        if not ok and first_bad is None:
            first_bad = (j, g, row)
    rows = len(golden)
    print(f"golden grid {kind}: {same} of {rows} rows bit for bit"
          + ("" if len(out) == rows else f" (computed {len(out)} rows)"))
    if first_bad is not None:
        print(f"  first difference: column {first_bad[0]}: golden {dict(first_bad[1])}, got {first_bad[2]}")
    return same, rows


def time_grid(close, pairs, ema, ann, threads, runs):
    out = np.empty((len(pairs[0]) * close.shape[1], 5))
    set_num_threads(threads)
    run(close, pairs, ema, ann, out)  # warm up (compiled already; first touch of the pool)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(close, pairs, ema, ann, out)
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), statistics.median(times), int(out[:, 3].sum())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--ema", action="store_true", help="exponential averages only")
    kind.add_argument("--sma", action="store_true", help="simple averages only")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (after a warm-up)")
    parser.add_argument("--hourly-bars", type=int, default=17_544)
    args = parser.parse_args()
    modes = [True] if args.ema else [False] if args.sma else [False, True]

    pairs = grid_pairs()
    daily = daily_close()
    start = time.perf_counter()
    checks = {ema: check_against_golden(daily, pairs, ema) for ema in modes}
    print(f"(compile and check: {time.perf_counter() - start:.1f} s)")

    hourly = np.asfortranarray(np.column_stack(
        [random_walk_close(args.hourly_bars, seed) for seed in SEEDS]))
    print(f"synthetic hourly closes: seed {SEEDS[0]} last {float(hourly[-1, 0])!r}, "
          f"seed {SEEDS[1]} last {float(hourly[-1, 1])!r}")

    rows = []
    for name, close, ann in (("daily MSFT+IBM", daily, 365.0), ("hourly synthetic", hourly, 8760.0)):
        for ema in modes:
            for threads in (1, 2):
                best, median, trades = time_grid(close, pairs, ema, ann, threads, args.runs)
                rows.append((name, close.shape[0], "ema" if ema else "sma", threads, best, median, trades))
                print(f"numba fused MA crossover, {rows[-1][2]}, {name} ({close.shape[0]} bars x "
                      f"{len(pairs[0]) * close.shape[1]} columns), {threads} thread(s): "
                      f"min {best:.1f} ms, median {median:.1f} ms, sum of trades {trades}")

    print()
    print("| check | rows bit for bit |")
    print("|---|---|")
    for ema, (same, total) in checks.items():
        print(f"| grid_msft_ibm_1d_{'ema' if ema else 'sma'}.csv | {same} / {total} |")
    print()
    print(f"| data | bars | MA | threads | min ms | median ms ({args.runs} runs) | sum of trades |")
    print("|---|---|---|---|---|---|---|")
    for name, bars, kind_name, threads, best, median, trades in rows:
        print(f"| {name} | {bars} | {kind_name} | {threads} | {best:.1f} | {median:.1f} | {trades} |")


if __name__ == "__main__":
    main()
