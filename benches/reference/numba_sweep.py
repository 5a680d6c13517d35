"""The Numba baseline of the README's performance table, measured on the same machine.

The tutorial workload (2 symbols x 17,544 hourly bars x 336 combinations = 672 columns) with a
per-column SuperTrend kernel in the style of the vectorbt "SuperFast SuperTrend" tutorial
(true range, pandas-semantics Wilder ATR and bands per column, no work shared), swept with
`prange` over the columns into preallocated (bars, columns) outputs: 3 x float64 + int8 as in
ta-sweep. Not part of CI; run it by hand:

    python3 -m venv /tmp/nb && /tmp/nb/bin/pip install numba numpy
    /tmp/nb/bin/python benches/reference/numba_sweep.py

It also checks one column against ta-sweep's `sweep` example output if given `--check PATH`.
"""
import sys
import time

import numpy as np
from numba import njit, prange, set_num_threads


@njit(nogil=True, cache=True)
def supertrend_column(high, low, close, period, multiplier, supert, superd, superl, supers):
    n = close.shape[0]
    alpha = 1.0 / period
    avg = np.nan
    old_wt = 1.0
    nobs = 0
    prev_upper = np.nan
    prev_lower = np.nan
    prev_dir = 1
    for i in range(n):
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
        if d > 0:
            supert[i] = lower
            superl[i] = lower
            supers[i] = np.nan
        else:
            supert[i] = upper
            supers[i] = upper
            superl[i] = np.nan
        superd[i] = d
        prev_upper, prev_lower, prev_dir = upper, lower, d


@njit(nogil=True, parallel=True, cache=True)
def sweep(high, low, close, periods, multipliers, supert, superd, superl, supers):
    # Column-major outputs (Fortran order): column j is contiguous, as in ta-sweep.
    n_symbols = high.shape[1]
    n_mult = multipliers.shape[0]
    columns = periods.shape[0] * n_mult * n_symbols
    for j in prange(columns):
        s = j % n_symbols
        m = (j // n_symbols) % n_mult
        p = j // (n_symbols * n_mult)
        supertrend_column(high[:, s], low[:, s], close[:, s], periods[p], multipliers[m],
                          supert[:, j], superd[:, j], superl[:, j], supers[:, j])


def random_walk(bars, seed):
    rng = np.random.default_rng(seed)
    close = 100.0 * np.cumprod(1.0 + 0.01 * (rng.random(bars) - 0.5))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) * (1.0 + 0.003 * rng.random(bars))
    low = np.minimum(open_, close) * (1.0 - 0.003 * rng.random(bars))
    return high, low, close


def main():
    bars, symbols = 17544, 2
    data = [random_walk(bars, 7 + s) for s in range(symbols)]
    high = np.asfortranarray(np.column_stack([d[0] for d in data]))
    low = np.asfortranarray(np.column_stack([d[1] for d in data]))
    close = np.asfortranarray(np.column_stack([d[2] for d in data]))
    periods = np.arange(4, 20)
    multipliers = np.arange(20, 41) / 10.0
    columns = len(periods) * len(multipliers) * symbols

    def run_fresh():
        out = (np.empty((bars, columns), order="F"), np.empty((bars, columns), dtype=np.int8, order="F"),
               np.empty((bars, columns), order="F"), np.empty((bars, columns), order="F"))
        sweep(high, low, close, periods, multipliers, *out)
        return out

    for threads in (1, 2):
        set_num_threads(threads)
        run_fresh()  # compile and warm up
        times = []
        for _ in range(15):
            start = time.perf_counter()
            run_fresh()
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        print(f"numba prange sweep, fresh outputs, {threads} thread(s): median {times[len(times) // 2]:.1f} ms, "
              f"min {times[0]:.1f} ms ({bars} bars x {columns} columns)")


if __name__ == "__main__":
    main()
