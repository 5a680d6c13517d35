"""The Python package against the tools it replaces, measured in one run on one machine.

Three rows, each a ratio of two timings taken side by side (medians and best runs):

1. `sweep`: the SuperTrend tutorial sweep (2 symbols x 17,544 hourly bars x 336 combinations,
   all four outputs into fresh arrays) through `ts.supertrend`, against vectorbt's indicator
   factory (`IndicatorFactory(...).from_apply_func` with the tutorial's per-column Numba
   kernel, `param_product=True`) and against the Rust example on the same
   workload (`cargo run --release --example sweep -- --synthetic 2:17544 --json`).
2. `ma`: the dual moving-average grid (windows 2..=100, 4,851 pairs x MSFT and IBM = 9,702
   columns of daily closes) through `ts.backtest_ma_crossover`, against vectorbt's recipe
   (`MA.run_combs` -> crossovers -> `Portfolio.from_signals` -> metrics).
3. `dask`: the sharded grid of `examples/python/dask_grid.py` on a `LocalCluster` of 2 worker
   processes against the same grid in this process.

Not part of CI (vectorbt pulls in numba and takes minutes to install); run it by hand:

    python3 -m venv /tmp/venv-bench && . /tmp/venv-bench/bin/activate
    pip install maturin vectorbt "dask[distributed]" && pip install ./python
    python benches/python/bench_python.py [sweep] [ma] [dask] [--runs N] [--threads N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

import ta_sweep as ts

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# The Numba baseline's data and per-column kernel (numba comes with vectorbt).
sys.path.insert(0, os.path.join(ROOT, "benches", "reference"))
from numba_sweep import random_walk, supertrend_column  # noqa: E402
PERIODS = np.arange(4, 20)
MULTIPLIERS = np.arange(20, 41) / 10.0


def timed(run, runs):
    """`run` once to warm up, then `runs` times: (median s, best s, last result)."""
    result = run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def tutorial_prices(bars=17544, symbols=2):
    data = [random_walk(bars, 7 + s) for s in range(symbols)]
    index = pd.date_range("2020-01-01", periods=bars, freq="h")
    frame = lambda k: pd.DataFrame(np.asfortranarray(np.column_stack([d[k] for d in data])),
                                   index=index, columns=[f"S{s}" for s in range(symbols)])
    return frame(0), frame(1), frame(2)


def vectorbt_supertrend():
    """The tutorial's indicator through vectorbt's indicator factory.

    The per-column kernel is the Numba baseline's (`benches/reference/numba_sweep.py`); the
    factory hands `apply_func` one parameter pair at a time with every symbol's column, as
    `from_apply_func` does, and concatenates the outputs.
    """
    import vectorbt as vbt
    from numba import njit

    @njit(nogil=True)
    def supertrend_nb(high, low, close, period, multiplier):
        shape = close.shape
        supert, superd = np.empty(shape), np.empty(shape)
        superl, supers = np.empty(shape), np.empty(shape)
        for c in range(shape[1]):
            supertrend_column(high[:, c], low[:, c], close[:, c], period, multiplier,
                              supert[:, c], superd[:, c], superl[:, c], supers[:, c])
        return supert, superd, superl, supers

    return vbt.IndicatorFactory(
        class_name="SuperTrend", short_name="st", input_names=["high", "low", "close"],
        param_names=["period", "multiplier"], output_names=["supert", "superd", "superl", "supers"],
    ).from_apply_func(supertrend_nb)


def rust_sweep_ms(threads, runs):
    """The Rust example's own timing of the same workload: (median ms, best ms)."""
    command = ["cargo", "run", "--release", "--quiet", "--example", "sweep", "--", "--synthetic",
               "2:17544", "--repeat", str(runs), "--json"]
    if threads:
        command += ["--threads", str(threads)]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    line = json.loads(out.strip().splitlines()[-1])
    return line["ms_median"], line["ms_min"]


def bench_sweep(args):
    high, low, close = tutorial_prices()
    median, best, r = timed(lambda: ts.supertrend(high, low, close, PERIODS, MULTIPLIERS,
                                                  threads=args.threads), args.runs)
    rust_median, rust_best = rust_sweep_ms(args.threads, args.runs)
    st = vectorbt_supertrend()
    vbt_median, vbt_best, _ = timed(lambda: st.run(high, low, close, period=PERIODS,
                                                   multiplier=MULTIPLIERS, param_product=True),
                                    max(1, args.runs // 3))
    columns = r.supert.shape[1]
    print(f"SuperTrend tutorial sweep, {close.shape[0]:,} bars x {columns} columns, four outputs:")
    print(f"  ta_sweep from Python: median {median * 1e3:.1f} ms, best {best * 1e3:.1f} ms")
    print(f"  Rust example:         median {rust_median:.1f} ms, best {rust_best:.1f} ms "
          f"(Python / Rust, best: {best * 1e3 / rust_best:.3f}, median: {median * 1e3 / rust_median:.3f})")
    print(f"  vectorbt factory:     median {vbt_median * 1e3:.0f} ms, best {vbt_best * 1e3:.0f} ms "
          f"(vectorbt / ta_sweep, best: {vbt_best / best:.1f}x, median: {vbt_median / median:.1f}x)")
    return {"sweep_ms": best * 1e3, "rust_ms": rust_best, "vectorbt_ms": vbt_best * 1e3}


def msft_ibm_closes():
    frames = {s: pd.read_csv(os.path.join(ROOT, "examples", "data", f"{s}_bokeh.csv"),
                             parse_dates=["time"], index_col="time")["close"]
              for s in ("MSFT", "IBM")}
    return pd.DataFrame(frames).astype(np.float64)


def bench_ma(args):
    import vectorbt as vbt

    close = msft_ibm_closes()
    windows = np.arange(2, 101)
    median, best, metrics = timed(lambda: ts.backtest_ma_crossover(close, windows,
                                                                   threads=args.threads), args.runs)

    def recipe():
        fast, slow = vbt.MA.run_combs(close, window=windows, r=2, short_names=["fast", "slow"])
        entries, exits = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
        pf = vbt.Portfolio.from_signals(close, entries, exits, size=np.inf, fees=0.001, freq="1D")
        return (pf.total_return(), pf.sharpe_ratio(), pf.max_drawdown(), pf.trades.count(),
                pf.trades.closed.count())

    vbt_median, vbt_best, (_, sharpe, _, _, _) = timed(recipe, max(1, args.runs // 5))
    equal = np.array_equal(sharpe.to_numpy().view(np.int64), metrics["sharpe"].to_numpy().view(np.int64))
    print(f"dual-MA backtest grid, {close.shape[0]:,} bars x {len(metrics):,} columns:")
    print(f"  ta_sweep from Python: median {median * 1e3:.1f} ms, best {best * 1e3:.1f} ms")
    print(f"  vectorbt recipe:      median {vbt_median:.2f} s, best {vbt_best:.2f} s "
          f"(vectorbt / ta_sweep, best: {vbt_best / best:.0f}x, median: {vbt_median / median:.0f}x); "
          f"Sharpe ratios equal bit for bit: {'yes' if equal else 'NO'}")
    return {"ma_ms": best * 1e3, "vectorbt_ma_s": vbt_best, "equal": bool(equal)}


def bench_dask(args):
    script = os.path.join(ROOT, "examples", "python", "dask_grid.py")
    repeat = max(3, args.runs // 3)
    # The script alternates its Dask passes with single-process runs and reports the best of
    # each. stderr passes through: a missing `dask[distributed]` shows as the script's error.
    out = subprocess.run([sys.executable, script, "--workers", "2", "--top", "0", "--json",
                          "--repeat", str(repeat)],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    print(f"sharded grid on Dask ({row['columns']:,} columns, {row['shards']} shards, "
          f"2 worker processes), best of {repeat}: {row['dask_s']:.3f} s; one process "
          f"{row['single_s']:.3f} s; ratio {row['ratio']:.2f}; equal: {row['equal']}")
    return {"dask_s": row["dask_s"], "single_s": row["single_s"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # No `choices=` here: argparse checks the empty default against them and fails.
    parser.add_argument("rows", nargs="*", metavar="{sweep,ma,dask}", help="rows [default: all]")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of ta_sweep per row")
    parser.add_argument("--threads", type=int, default=None, help="threads [default: all]")
    args = parser.parse_args()
    rows = {"sweep": bench_sweep, "ma": bench_ma, "dask": bench_dask}
    unknown = [row for row in args.rows if row not in rows]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}: choose from sweep, ma, dask")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(f"{os.cpu_count()} logical CPUs; ta_sweep {ts.__version__}")
    for row in args.rows or list(rows):
        rows[row](args)


if __name__ == "__main__":
    main()
