"""vectorbt's own dual moving-average crossover recipe, measured on the same machine.

The recipe of docs/STRATEGIES.md (vectorbt's README flagship), run by vectorbt itself on the
bundled daily closes (examples/data/MSFT_bokeh.csv and IBM_bokeh.csv, column `close`):

    fast_ma, slow_ma = vbt.MA.run_combs(close, window=np.arange(2, 101), r=2,
                                        short_names=['fast', 'slow'])      # or ewm=True
    entries = fast_ma.ma_crossed_above(slow_ma)
    exits = fast_ma.ma_crossed_below(slow_ma)
    pf = vbt.Portfolio.from_signals(close, entries, exits, size=np.inf, fees=0.001, freq='1D')
    pf.total_return(); pf.sharpe_ratio(); pf.max_drawdown(); pf.trades.count()

9,702 columns (4,851 window pairs x 2 symbols). Each kind of average runs in a child process of
its own, so that its peak memory (`resource.getrusage(...).ru_maxrss`) is its own: the child
runs the recipe once cold (numba compilation or cache loading included), then 3 more times,
reports the median wall time and the peak resident memory, and checks the metrics against the
golden grid tests/data/golden-strategies/grid_msft_ibm_1d_{sma,ema}.csv bit for bit. Not part
of CI; run it by hand:

    python3 -m venv /tmp/venv-vbt && /tmp/venv-vbt/bin/pip install vectorbt==1.2.0
    /tmp/venv-vbt/bin/python benches/reference/vectorbt_ma_crossover.py [--sma | --ema]
"""
import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SYMBOLS = ("MSFT", "IBM")


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def child(kind, runs):
    import numpy as np
    import pandas as pd
    import vectorbt as vbt

    frames = [pd.read_csv(os.path.join(ROOT, "examples", "data", f"{s}_bokeh.csv")) for s in SYMBOLS]
    close = pd.DataFrame({f"{s}_bokeh": f["close"].to_numpy(dtype=float) for s, f in zip(SYMBOLS, frames)},
                         index=pd.to_datetime(frames[0]["time"]))
    before = peak_mib()
    ewm = kind == "ema"

    def recipe():
        windows = np.arange(2, 101)
        fast_ma, slow_ma = vbt.MA.run_combs(close, window=windows, r=2, short_names=["fast", "slow"], ewm=ewm)
        entries = fast_ma.ma_crossed_above(slow_ma)
        exits = fast_ma.ma_crossed_below(slow_ma)
        pf = vbt.Portfolio.from_signals(close, entries, exits, size=np.inf, fees=0.001, freq="1D")
        return (pf.total_return(), pf.sharpe_ratio(), pf.max_drawdown(), pf.trades.count(),
                pf.trades.closed.count())

    start = time.perf_counter()
    result = recipe()
    cold = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = recipe()
        times.append(time.perf_counter() - start)
    peak = peak_mib()

    total_return, sharpe, max_drawdown, trades, closed = result
    with open(os.path.join(ROOT, "tests", "data", "golden-strategies", f"grid_msft_ibm_1d_{kind}.csv")) as f:
        golden = list(csv.DictReader(f))
    same = 0
    for j, g in enumerate(golden):
        key = sharpe.index[j]
        # (fast_window, fast_ewm, slow_window, slow_ewm, symbol), with or without ewm=True.
        key_ok = (int(key[0]), int(key[2]), key[-1]) == (int(g["fast"]), int(g["slow"]), g["symbol"])
        values_ok = all(
            np.float64(got).tobytes() == np.float64(float(g[name])).tobytes()
            for got, name in ((sharpe.iloc[j], "sharpe"), (total_return.iloc[j], "total_return"),
                              (max_drawdown.iloc[j], "max_drawdown")))
        same += key_ok and values_ok and int(trades.iloc[j]) == int(g["trades"]) \
            and int(closed.iloc[j]) == int(g["closed_trades"])
    print(json.dumps({
        "kind": kind, "columns": len(sharpe), "rows_equal": same, "golden_rows": len(golden),
        "cold_s": cold, "median_s": statistics.median(times), "min_s": min(times), "runs": runs,
        "peak_mib": peak, "peak_before_mib": before, "vectorbt": vbt.__version__,
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--ema", action="store_true", help="exponential averages only")
    kind.add_argument("--sma", action="store_true", help="simple averages only")
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the cold one")
    parser.add_argument("--child", choices=("sma", "ema"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.runs)
    kinds = ["ema"] if args.ema else ["sma"] if args.sma else ["sma", "ema"]
    rows = []
    for k in kinds:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", k, "--runs", str(args.runs)],
                             check=True, capture_output=True, text=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        rows.append(r)
        print(f"vectorbt {r['vectorbt']} MA crossover, {k}: {r['rows_equal']} of {r['golden_rows']} golden rows "
              f"bit for bit; cold {r['cold_s']:.2f} s, median {r['median_s']:.2f} s, min {r['min_s']:.2f} s "
              f"({r['runs']} runs); peak RSS {r['peak_mib']:.0f} MiB ({r['peak_before_mib']:.0f} MiB before the recipe)")
    print()
    print("| MA | golden rows bit for bit | cold s | median s | min s | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['rows_equal']} / {r['golden_rows']} | {r['cold_s']:.2f} | {r['median_s']:.2f} | "
              f"{r['min_s']:.2f} | {r['peak_mib']:.0f} |")


if __name__ == "__main__":
    main()
