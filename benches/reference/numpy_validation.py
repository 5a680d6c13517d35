"""The materialising baseline of the validation report: Deflated Sharpe and PBO by CSCV the numpy way.

The fused Rust report never holds a bars x columns array: it keeps per-column Sharpe state and the
2*S*N block sums of VALIDATION.md 3.4 while the backtest runs. This script is what a competent numpy
user does instead. A Numba kernel (SuperTrend and the plain-form simulation of numba_backtest.py,
`prange` over the columns) writes every column's per-bar returns (PIPELINE.md 5.5) into one
Fortran-order (bars x columns) matrix, as `pf.returns()` would hand it over. numpy then derives
everything from that matrix:
- Deflated Sharpe (VALIDATION.md 2): per-column Sharpe from column means and stds (6.1), the best
  trial with the is_close tie rule (1.3), the sample moments of its returns, SR0 and Phi(z).
- PBO by CSCV (VALIDATION.md 3, S = 16, 12,870 combinations): the (S, N) block sums and sums of
  squares reduced from the matrix, then per combination the half Sharpes of every column from the
  sums over its 8 train and 8 test blocks (a 0/1 membership row times the block sums), the winner
  (1.3), its is_close average rank out of sample, and the logit. Combinations go in vectorised
  chunks of (64 combinations x N columns): the fastest chunk size measured, as the temporaries then
  stay in cache.
Walk-forward (VALIDATION.md 4) is not part of this baseline.

Not part of CI; run it by hand:

    python3 -m venv /work/venv && /work/venv/bin/pip install numpy numba   # scipy is optional
    /work/venv/bin/python benches/reference/numpy_validation.py
    /work/venv/bin/python benches/reference/numpy_validation.py --golden DIR --runs 9

It first checks itself against the golden validation files (`--golden`, by default
tests/data/golden-validation if present, else /work/shared/golden-validation): the tutorial grid over
the bundled daily MSFT and IBM data (annualisation 365), reporting how many dsr.csv and pbo.csv fields
it reproduces within 1e-9 relative, whether PBO and `overfit` are exact, and how many per-combination
winners and ranks (pbo_logits_*.csv) and block sums (pbo_block_sums.csv) agree. Then it times the
whole route (returns matrix + DSR + PBO, both symbols) on the synthetic hourly workload of
numba_backtest.py (2 symbols x 17,544 bars x 336 combinations, annualisation 8760, the same
`random_walk` imported from it) with 2 Numba threads, and prints the fastest and the median run of
the whole route, of the returns matrix alone and of the CSCV alone. numpy's elementwise work runs
on one thread; only the small (64 x 16) @ (16 x N) products go through BLAS.
"""
import argparse
import csv
import math
import os
import sys
import time
from itertools import combinations

import numpy as np
from numba import njit, prange, set_num_threads

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, HERE)
# The same data generator and CSV reader as the fused baseline, so both time identical inputs.
from numba_backtest import random_walk, read_prices  # noqa: E402

SYMBOLS = ("MSFT_bokeh", "IBM_bokeh")
FEES = 0.001
INIT_CASH = 100.0
EULER_GAMMA = 0.5772156649015329
E = 2.718281828459045

try:
    from scipy.special import ndtr as phi, ndtri as phi_inv
    NORMAL_SOURCE = "scipy.special"
except ImportError:
    NORMAL_SOURCE = "math.erfc + AS241"

    def phi(x):
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    def phi_inv(p):
        """Wichura (1988), AS241 PPND16: about 1e-16 relative, as VALIDATION.md 1.4 asks."""
        q = p - 0.5
        if abs(q) <= 0.425:
            r = 0.180625 - q * q
            num = (((((((2509.0809287301226727 * r + 33430.575583588128105) * r
                        + 67265.770927008700853) * r + 45921.953931549871457) * r
                      + 13731.693765509461125) * r + 1971.5909503065514427) * r
                    + 133.14166789178437745) * r + 3.387132872796366608)
            den = (((((((5226.495278852545925 * r + 28729.085735721942674) * r
                        + 39307.89580009271061) * r + 21213.794301586595867) * r
                      + 5394.1960214247511077) * r + 687.1870074920579083) * r
                    + 42.313330701600911252) * r + 1.0)
            return q * num / den
        r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
        if r <= 5.0:
            r -= 1.6
            num = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r
                        + 0.24178072517745061177) * r + 1.27045825245236838258) * r
                      + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                    + 4.6303378461565452959) * r + 1.42343711074968357734)
            den = (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r
                        + 0.0151986665636164571966) * r + 0.14810397642748007459) * r
                      + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0)
        else:
            r -= 5.0
            num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                        + 0.0012426609473880784386) * r + 0.026532189526576123093) * r
                      + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                    + 5.4637849111641143699) * r + 6.6579046435011037772)
            den = (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r
                        + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r
                      + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0)
        x = num / den
        return -x if q < 0.0 else x


# ---------------------------------------------------------------------------------------------
# The returns matrix: numba_backtest.backtest_column with the metrics cut off and the returns
# written into the caller's matrix column instead of a private array.

@njit(nogil=True, cache=True)
def returns_column(high, low, close, period, multiplier, fees, init_cash, returns):
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
    for i in range(n):
        # SuperTrend of bar i (pandas-semantics Wilder ATR).
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
                cash = proceeds - proceeds * fees
                pos = 0.0
            elif pos == 0.0 and entry and not exit_:
                pos = (cash / (1.0 + fees)) / price
                cash = 0.0
            last_close = price
        value = cash + (0.0 if pos == 0.0 else last_close * pos)
        returns[i] = (value - prev_value) / prev_value
        prev_value = value
        long_prev = (i > 0) and d > 0 and not np.isnan(lower)
        short_prev = (i > 0) and d < 0 and not np.isnan(upper)
        prev_upper, prev_lower, prev_dir = upper, lower, d


@njit(nogil=True, parallel=True, cache=True)
def fill_returns(high, low, close, periods, multipliers, fees, init_cash, out):
    n_symbols = high.shape[1]
    n_mult = multipliers.shape[0]
    for j in prange(out.shape[1]):
        s = j % n_symbols
        m = (j // n_symbols) % n_mult
        p = j // (n_symbols * n_mult)
        returns_column(high[:, s], low[:, s], close[:, s], periods[p], multipliers[m],
                       fees, init_cash, out[:, j])


def returns_matrix(high, low, close, periods, multipliers):
    """(bars x columns) in PIPELINE.md 1.3 order (symbol fastest), Fortran order so each column is
    one contiguous slice for the kernel and for numpy's axis-0 reductions."""
    columns = len(periods) * len(multipliers) * high.shape[1]
    out = np.empty((high.shape[0], columns), order="F")
    fill_returns(high, low, close, periods, multipliers, FEES, INIT_CASH, out)
    return out


# ---------------------------------------------------------------------------------------------
# Validation from the matrix.

def is_close(a, b):
    """PIPELINE.md 2.1, elementwise: false on NaN or +-inf, else rel 1e-9 or abs 1e-12. (For finite
    values `a == b` implies the distance test, so it needs no operation of its own.)"""
    a = np.asarray(a)
    b = np.asarray(b)
    with np.errstate(invalid="ignore"):
        tol = np.maximum(np.abs(a), np.abs(b))
        tol *= 1e-9
        np.maximum(tol, 1e-12, out=tol)
        close = np.abs(a - b) <= tol
    close &= np.isfinite(a)
    close &= np.isfinite(b)
    return close


def best_along(x, axis=-1):
    """VALIDATION.md 1.3: the lowest index within is_close of the maximum. An exact argmax would pick
    between columns whose trades coincide by their last-bit cash noise."""
    top = np.expand_dims(x.max(axis=axis), axis)
    return is_close(x, top).argmax(axis=axis)


def column_sharpes(r, ann):
    """Annualised and per-period Sharpe of every column (6.1, ddof 1). Never-traded columns have
    std exactly 0 and Sharpe +inf, which keeps them out of the trials (1.1)."""
    mean = r.mean(axis=0)
    std = r.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sr = mean / std
    sr[std == 0.0] = np.inf
    return sr * math.sqrt(ann), sr


def deflated_sharpe(r, sharpe, sr, trials):
    """VALIDATION.md 2 for one symbol; `r` is its (bars x columns) slice of the matrix."""
    nt = len(trials)
    if nt == 0:
        return dict(trials=0, k=-1, sharpe=np.nan, sr=np.nan, sr_std=np.nan, skew=np.nan,
                    kurtosis=np.nan, sr0=np.nan, z=np.nan, dsr=np.nan)
    k = int(trials[best_along(sharpe[trials])])
    sd = float(np.std(sr[trials], ddof=1)) if nt > 1 else np.nan
    if nt == 1 or not sd > 0.0:
        sr0 = 0.0
    else:
        sr0 = sd * ((1.0 - EULER_GAMMA) * phi_inv(1.0 - 1.0 / nt)
                    + EULER_GAMMA * phi_inv(1.0 - 1.0 / (nt * E)))
    x = r[:, k]
    n = x.shape[0]
    d = x - x.mean()
    d2 = d * d
    m2, m3, m4 = d2.sum(), (d2 * d).sum(), (d2 * d2).sum()
    skew = z = dsr = kurt = np.nan
    if n >= 4:
        skew = m3 / (m2 * math.sqrt(m2)) * (n * math.sqrt(n - 1) / (n - 2))
        kurt = (n - 1) / ((n - 2) * (n - 3)) * (n * (n + 1) * (m4 / (m2 * m2)) - 3 * (n - 1)) + 3
        v = 1.0 - skew * sr[k] + (kurt - 1.0) / 4.0 * sr[k] ** 2
        if v > 0.0:
            z = (sr[k] - sr0) * math.sqrt(n - 1) / math.sqrt(v)
            dsr = float(phi(z))
    return dict(trials=nt, k=k, sharpe=float(sharpe[k]), sr=float(sr[k]), sr_std=sd, skew=skew,
                kurtosis=kurt, sr0=float(sr0), z=z, dsr=dsr)


def block_sums(r, S):
    """The (S, N) sums and sums of squares of VALIDATION.md 3.4, each block reduced on its own bars
    (differences of running totals would break exact ties between equal returns)."""
    L = r.shape[0] // S
    blocks = r[:S * L].reshape(S, L, r.shape[1])  # a view: the columns stay contiguous
    return blocks.sum(axis=1), np.square(blocks).sum(axis=1)


def half_sharpes(s_b, q_b, member, n_h):
    """Per-period half Sharpe (3.3) of every column for a chunk of block sets, given as 0/1 rows
    `member` (chunk x S): the sums over the set's S/2 blocks are one small matrix product. Products
    with exact zeros and ones keep f64 block-sum accuracy, all the tie rule needs (VALIDATION.md 6)."""
    s = member @ s_b
    q = member @ q_b
    mu = s / n_h
    var = (q - s * mu) / (n_h - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sr = mu / np.sqrt(var)
    return sr, (q == 0.0) | ~(var > 0.0)


def cscv(r, S, trials, chunk=64):
    """PBO by CSCV (VALIDATION.md 3) for one symbol's (bars x columns) slice, over its trials."""
    nt = len(trials)
    L = r.shape[0] // S
    if L < 1 or nt < 2 or S < 2 or S % 2:
        raise ValueError("CSCV needs an even S >= 2, S <= bars and at least two trials")
    s_b, q_b = block_sums(r, S)
    if nt < r.shape[1]:
        s_b, q_b = s_b[:, trials], q_b[:, trials]
    train = np.array(list(combinations(range(S), S // 2)))
    member = np.zeros((len(train), S))
    np.put_along_axis(member, train, 1.0, axis=1)
    # The test side is summed from its own blocks, not as total minus train: a difference of sums
    # would break exact ties between equal returns.
    test = 1.0 - member
    n_h = (S // 2) * L
    rows = np.arange(chunk)
    w = np.empty(len(train), dtype=np.int64)
    is_sr = np.empty(len(train))
    oos_sr = np.empty(len(train))
    rank = np.empty(len(train))
    undefined = np.empty(len(train), dtype=bool)
    for lo in range(0, len(train), chunk):
        hi = min(lo + chunk, len(train))
        sr_a, und_a = half_sharpes(s_b, q_b, member[lo:hi], n_h)
        sr_b, und_b = half_sharpes(s_b, q_b, test[lo:hi], n_h)
        win = best_along(sr_a, axis=1)
        at = rows[:hi - lo]
        x = sr_b[at, win][:, None]
        tied = is_close(sr_b, x)  # includes the winner itself
        below = (sr_b < x) & ~tied
        rank[lo:hi] = np.count_nonzero(below, axis=1) + (np.count_nonzero(tied, axis=1) + 1) / 2.0
        w[lo:hi] = win
        is_sr[lo:hi] = sr_a[at, win]
        oos_sr[lo:hi] = x[:, 0]
        undefined[lo:hi] = und_a.any(axis=1) | und_b.any(axis=1)
    omega = rank / (nt + 1)
    with np.errstate(divide="ignore"):
        logit = np.where(undefined, np.nan, np.log(omega / (1.0 - omega)))
    n_comb = len(train)
    overfit = int((2.0 * rank[~undefined] <= nt + 1).sum())
    return dict(
        bars_used=S * L, block_len=L, S=S, trials=nt, combinations=n_comb,
        undefined=int(undefined.sum()), overfit=overfit,
        pbo=np.nan if undefined.any() else overfit / n_comb,
        mean_omega=float(omega.sum() / n_comb),
        prob_oos_loss=float((oos_sr < -1e-12).sum() / n_comb),
        train_mask=(1 << train).sum(axis=1), winner=trials[w], is_sr=is_sr, oos_sr=oos_sr,
        rank=rank, logit=logit,
    )


def validate(r_all, n_symbols, ann, S):
    """DSR and PBO of every symbol from the full matrix; the per-symbol slices are views."""
    out = []
    for s in range(n_symbols):
        r = r_all[:, s::n_symbols]
        sharpe, sr = column_sharpes(r, ann)
        trials = np.flatnonzero(np.isfinite(sharpe))
        out.append((deflated_sharpe(r, sharpe, sr, trials), cscv(r, S, trials)))
    return out


# ---------------------------------------------------------------------------------------------
# Self-check and timing.

def close_enough(ours, golden, rel):
    if math.isnan(golden):
        return math.isnan(ours)
    return ours == golden or abs(ours - golden) <= max(rel * abs(golden), 1e-12)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def check_against_golden(golden_dir, periods, multipliers):
    data = [read_prices(os.path.join(ROOT, "examples", "data", f"{s}.csv")) for s in SYMBOLS]
    stack = lambda k: np.asfortranarray(np.column_stack([d[k] for d in data]))
    r_all = returns_matrix(stack(0), stack(1), stack(2), periods, multipliers)
    results = validate(r_all, len(SYMBOLS), 365.0, 16)
    n_mult = len(multipliers)
    integer = ("bars", "trials", "param_index", "period", "bars_used", "block_len", "S",
               "combinations", "undefined", "overfit")
    fields = same = 0
    exact = True
    for row_dsr, row_pbo, (dsr, pbo) in zip(read_csv(os.path.join(golden_dir, "dsr.csv")),
                                            read_csv(os.path.join(golden_dir, "pbo.csv")),
                                            results):
        ours = dict(dsr, bars=r_all.shape[0], param_index=dsr["k"],
                    period=periods[dsr["k"] // n_mult], multiplier=multipliers[dsr["k"] % n_mult])
        ours.update({f"pbo:{key}": v for key, v in pbo.items()})
        ours["pbo:bars"] = r_all.shape[0]
        golden = {k: v for k, v in row_dsr.items() if k != "symbol"}
        golden.update({f"pbo:{k}": v for k, v in row_pbo.items() if k != "symbol"})
        for key, text in golden.items():
            name = key.split(":")[-1]
            ok = (int(ours[key]) == int(text)) if name in integer else \
                close_enough(float(ours[key]), float(text), 1e-9)
            fields += 1
            same += ok
            if not ok:
                print(f"  {row_dsr['symbol']} {key}: ours {ours[key]!r}, golden {text}")
        exact &= pbo["overfit"] == int(row_pbo["overfit"]) and pbo["pbo"] == float(row_pbo["pbo"])
        print(f"  {row_dsr['symbol']}: dsr {dsr['dsr']!r} (column {dsr['k']}), "
              f"overfit {pbo['overfit']} / {pbo['combinations']}, pbo {pbo['pbo']!r}")
    print(f"golden dsr.csv + pbo.csv: {same} of {fields} fields within 1e-9 relative "
          f"(integers exact); pbo and overfit exact: {'yes' if exact else 'NO'}")

    for s, (symbol, (_, pbo)) in enumerate(zip(SYMBOLS, results)):
        rows = read_csv(os.path.join(golden_dir, f"pbo_logits_{symbol}.csv"))
        decisions = sum(
            int(g["train_mask"]) == pbo["train_mask"][c] and int(g["param_index"]) == pbo["winner"][c]
            and float(g["rank"]) == pbo["rank"][c] for c, g in enumerate(rows))
        values = sum(
            close_enough(pbo["logit"][c], float(g["logit"]), 1e-12)
            and close_enough(pbo["is_sr"][c], float(g["is_sr"]), 1e-9)
            and close_enough(pbo["oos_sr"][c], float(g["oos_sr"]), 1e-9) for c, g in enumerate(rows))
        print(f"golden pbo_logits_{symbol}.csv: winners and ranks exact in {decisions} of {len(rows)}, "
              f"logits (1e-12) and half Sharpes (1e-9) in {values}")

    sums = {}
    for s in range(len(SYMBOLS)):
        sums[SYMBOLS[s]] = block_sums(r_all[:, s::len(SYMBOLS)], 16)
    rows = read_csv(os.path.join(golden_dir, "pbo_block_sums.csv"))
    mult_index = {float(m): i for i, m in enumerate(multipliers)}
    ok = 0
    for g in rows:
        j = (int(g["period"]) - periods[0]) * n_mult + mult_index[float(g["multiplier"])]
        s_b, q_b = sums[g["symbol"]]
        b = int(g["block"])
        ok += close_enough(s_b[b, j], float(g["sum"]), 1e-9) and close_enough(q_b[b, j], float(g["sum_sq"]), 1e-9)
    print(f"golden pbo_block_sums.csv: {ok} of {len(rows)} (sum, sum_sq) pairs within 1e-9 relative")


def timed(fn, runs):
    fn()  # warm up: JIT compilation, page faults of the first matrix
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[0], times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.path.join(ROOT, "tests", "data", "golden-validation")
    if not os.path.isdir(default):
        default = "/work/shared/golden-validation"
    parser.add_argument("--golden", default=default, help="golden-validation directory")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per measurement")
    args = parser.parse_args()

    periods = np.arange(4, 20)
    multipliers = np.arange(20, 41) / 10.0
    set_num_threads(2)
    print(f"normal distribution: {NORMAL_SOURCE}")
    check_against_golden(args.golden, periods, multipliers)

    bars, symbols, ann, S = 17544, 2, 8760.0, 16
    data = [random_walk(bars, 7 + s) for s in range(symbols)]
    high, low, close = (np.asfortranarray(np.column_stack([d[k] for d in data])) for k in range(3))
    columns = len(periods) * len(multipliers) * symbols

    r_all = returns_matrix(high, low, close, periods, multipliers)
    slices = [r_all[:, s::symbols] for s in range(symbols)]
    trials = [np.flatnonzero(np.isfinite(column_sharpes(r, ann)[0])) for r in slices]
    for s, (dsr, pbo) in enumerate(validate(r_all, symbols, ann, S)):
        print(f"  synthetic symbol {s}: trials {dsr['trials']}, dsr {dsr['dsr']:.6f}, "
              f"overfit {pbo['overfit']} / {pbo['combinations']}")

    whole = timed(lambda: validate(returns_matrix(high, low, close, periods, multipliers), symbols, ann, S),
                  args.runs)
    matrix = timed(lambda: returns_matrix(high, low, close, periods, multipliers), args.runs)
    cscv_only = timed(lambda: [cscv(r, S, t) for r, t in zip(slices, trials)], args.runs)
    print(f"materialising route, {bars} bars x {columns} columns ({r_all.nbytes / 1e6:.0f} MB matrix), "
          f"S = {S}, 2 Numba threads, {args.runs} runs:")
    for name, (best, median) in (("whole route (matrix + DSR + PBO)", whole),
                                 ("returns matrix alone", matrix),
                                 ("CSCV alone (block sums + combinations)", cscv_only)):
        print(f"  {name}: median {median:.1f} ms, min {best:.1f} ms")


if __name__ == "__main__":
    main()
