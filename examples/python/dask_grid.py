"""A dual moving-average grid backtested shard by shard on a Dask cluster.

Every (fast, slow) pair of the windows, over every symbol, is one column of the backtest. The
columns are cut into contiguous shards (`ts.backtest_ma_crossover(..., shard=(i, n))`), each
backtested by a worker process; the client gathers the metrics, concatenates them in shard
order, checks that they equal a single-process run bit for bit, and prints the best
combinations by Sharpe ratio.

    python examples/python/dask_grid.py [OPTIONS]

      --csv PATH          a price file with `time` and `close` columns, one symbol per file
                          (named by its stem); repeat for more [default: the bundled daily
                          MSFT and IBM closes in examples/data]
      --windows LO:HI     every window from LO to HI, both included [default: 2:400, 79,401
                          pairs and 158,802 columns over the two bundled symbols]
      --ma KIND           simple or exponential [default: simple]
      --fees F            fees per order, a fraction [default: 0.001]
      --freq FREQ         the bar interval, a pandas Timedelta string [default: 1D]
      --workers N         worker processes of the local cluster [default: 2]
      --shards N          shards of the grid [default: 4 per worker]
      --scheduler ADDR    use a running cluster (e.g. tcp://10.0.0.5:8786) instead of a local
                          one; its workers need `ta_sweep` installed
      --top K             combinations to print [default: 10]
      --no-check          skip the single-process run and the comparison
      --repeat N          time the Dask pass and the single-process run N times each and
                          report the best of each, as this machine's noise asks [default: 1]
      --json              end with one JSON line: columns, shards, workers, dask_s, single_s,
                          ratio, equal (the times are the best of --repeat runs; the
                          Dask time includes sending the prices to the workers, once)

Each worker process runs its shards on one thread (`threads=1`), so that the processes share
the cores rather than oversubscribe them. The prices are sent to every worker once
(`Client.scatter(..., broadcast=True)`), not with every shard.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

import ta_sweep as ts

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUNDLED = [os.path.join(ROOT, "examples", "data", f"{s}_bokeh.csv") for s in ("MSFT", "IBM")]
METRICS = ["sharpe", "total_return", "max_drawdown", "trades", "closed_trades"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", action="append", metavar="PATH")
    parser.add_argument("--windows", default="2:400", metavar="LO:HI")
    parser.add_argument("--ma", default="simple", choices=["simple", "exponential"])
    parser.add_argument("--fees", type=float, default=0.001)
    parser.add_argument("--freq", default="1D")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int)
    parser.add_argument("--scheduler", metavar="ADDR")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        lo, hi = (int(x) for x in args.windows.split(":"))
    except ValueError:
        parser.error(f"--windows {args.windows!r}: expected LO:HI, two integers")
    if not 1 <= lo < hi <= 100_000:
        parser.error(f"--windows {args.windows}: expected 1 <= LO < HI <= 100000")
    args.window_list = np.arange(lo, hi + 1, dtype=np.int64)
    if not 1 <= args.workers <= 256:
        parser.error(f"--workers {args.workers}: expected 1 to 256")
    if args.shards is None:
        args.shards = 4 * args.workers
    if not 1 <= args.shards <= 100_000:
        parser.error(f"--shards {args.shards}: expected 1 to 100000")
    if not 1 <= args.repeat <= 1000:
        parser.error(f"--repeat {args.repeat}: expected 1 to 1000")
    if args.top < 0:
        parser.error(f"--top {args.top}: expected 0 or more")
    return args


def load_closes(paths):
    """The closes of every file as one (bars, symbols) frame indexed by time."""
    series = []
    for path in paths:
        frame = pd.read_csv(path, parse_dates=["time"], index_col="time")
        name = os.path.splitext(os.path.basename(path))[0]
        series.append(frame["close"].astype(np.float64).rename(name))
    close = pd.concat(series, axis=1, join="outer")
    # Fortran order: each symbol's closes contiguous, read by the workers without a copy.
    return pd.DataFrame(np.asfortranarray(close.to_numpy()), index=close.index, columns=close.columns)


def backtest_shard(close, windows, index, count, ma, fees, freq):
    """One shard's metrics, on one thread: what each worker runs."""
    return ts.backtest_ma_crossover(close, windows, ma=ma, fees=fees, freq=freq, threads=1,
                                    shard=(index, count))


def run_on_dask(client, close_on_workers, args):
    """Every shard on the cluster, gathered and concatenated in shard order."""
    futures = [
        client.submit(backtest_shard, close_on_workers, args.window_list, i, args.shards, args.ma,
                      args.fees, args.freq, pure=False)
        for i in range(args.shards)
    ]
    return pd.concat(client.gather(futures), ignore_index=True)


def same_bits(a, b):
    """Equal frames, floats compared by their bits (NaN Sharpe ratios included)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for name in a.columns:
        x, y = a[name].to_numpy(), b[name].to_numpy()
        if x.dtype.kind == "f":
            if not np.array_equal(x.view(np.int64), y.view(np.int64)):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def main(argv=None):
    args = parse_args(argv)
    try:
        close = load_closes(args.csv or BUNDLED)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: cannot read the closes: {e}", file=sys.stderr)
        return 2
    try:
        # What the crate checks (fees, freq, every close), on one pair of windows, before a
        # worker process starts.
        ts.backtest_ma_crossover(close, args.window_list[:2], ma=args.ma, fees=args.fees,
                                 freq=args.freq, threads=1)
        return run(args, close)
    except ts.Error as e:  # raised here or on a worker: a grid over the memory limit, say
        print(f"error: {e}", file=sys.stderr)
        return 1


def run(args, close):
    """The grid on the cluster (and in this process, unless --no-check); 0 if they agree."""
    # Imported here so that `--help` and argument errors do not wait for Dask.
    from dask.distributed import Client, LocalCluster

    pairs = len(args.window_list) * (len(args.window_list) - 1) // 2
    columns = pairs * close.shape[1]
    print(f"dual {args.ma} moving-average crossover, windows {args.window_list[0]}..="
          f"{args.window_list[-1]}: {pairs:,} pairs x {close.shape[1]} symbols "
          f"({', '.join(close.columns)}) = {columns:,} columns over {close.shape[0]:,} bars")

    def single_run():
        start = time.perf_counter()
        single = ts.backtest_ma_crossover(close, args.window_list, ma=args.ma, fees=args.fees,
                                          freq=args.freq)
        runs.append(time.perf_counter() - start)
        return single

    # A first single run, untimed, before the cluster starts: a grid too large for one
    # process is refused before any worker process exists. The timed single runs then
    # alternate with the Dask passes, so that both see the same neighbours on a shared
    # machine (the idle workers only wait meanwhile).
    passes, runs, single = [], [], None
    if not args.no_check:
        single_run()
        runs.clear()
    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        workers = len(client.scheduler_info()["workers"])
        # Every worker imports the package (and loads the extension) untimed.
        client.run(lambda: __import__("ta_sweep") and None)
        # The prices go to every worker once, however many passes use them; the time of
        # that is part of the reported time.
        start = time.perf_counter()
        [close_on_workers] = client.scatter([close], broadcast=True)
        scatter_s = time.perf_counter() - start
        for _ in range(args.repeat):
            start = time.perf_counter()
            metrics = run_on_dask(client, close_on_workers, args)
            passes.append(time.perf_counter() - start)
            if not args.no_check:
                single = single_run()
        dask_s = scatter_s + min(passes)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    best = f" (best of {args.repeat})" if args.repeat > 1 else ""
    print(f"  dask:           {args.shards} shards on {workers} workers in {dask_s:.3f} s{best}")

    single_s, equal = None, None
    if single is not None:
        single_s = min(runs)
        equal = same_bits(metrics, single)
        print(f"  single process: {single_s:.3f} s{best}; the shards' metrics equal it bit for bit: "
              f"{'yes' if equal else 'NO'}")

    if args.top:
        best = metrics[np.isfinite(metrics["sharpe"])].nlargest(args.top, "sharpe")
        print(f"best {len(best)} combinations by Sharpe ratio:")
        print(best.to_string(index=False))
    if args.json:
        print(json.dumps({
            "columns": columns, "shards": args.shards, "workers": workers, "dask_s": dask_s,
            "single_s": single_s, "ratio": None if single_s is None else dask_s / single_s,
            "equal": equal,
        }))
    return 0 if equal in (None, True) else 1


if __name__ == "__main__":
    sys.exit(main())
