"""Python against the Rust crate itself: the crate's examples (built with
`cargo build --release --examples`) run on the bundled data, and their CSV output equals
what the Python API returns, bit for bit (the examples write floats in shortest round-trip
form). Skipped when the example binaries are not built; point TA_SWEEP_EXAMPLES at their
directory if they are not in $CARGO_TARGET_DIR/release/examples or ../target/release/examples.
"""
import os
import re
import subprocess

import numpy as np
import pandas as pd
import pytest

import ta_sweep as ts
from conftest import BUNDLED, REPO, SYMBOLS, assert_same_bits, bundled_frames, frames_equal_bits, read_csv


def example(name):
    dirs = [
        os.environ.get("TA_SWEEP_EXAMPLES"),
        os.path.join(os.environ["CARGO_TARGET_DIR"], "release", "examples") if os.environ.get("CARGO_TARGET_DIR") else None,
        "/work/target-py/release/examples",
        os.path.join(REPO, "target", "release", "examples"),
    ]
    for d in dirs:
        if d and os.path.isfile(os.path.join(d, name)):
            return os.path.join(d, name)
    pytest.skip(f"the crate's example {name!r} is not built (cargo build --release --examples)")


def run(name, *args, cwd):
    data = [a for s in SYMBOLS for a in ("--csv", os.path.join(BUNDLED, f"{s}.csv"))]
    subprocess.run([example(name), *data, *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def in_order(values):
    return list(dict.fromkeys(values))


def test_backtest_example(tmp_path):
    out = tmp_path / "metrics.csv"
    run("backtest", "--periods", "4..=19:3", "--multipliers", "1.5..=3.5:0.5", "--variant", "talib",
        "--freq", "4h", "--fees", "0.0005", "--out", str(out), "--heatmap", str(tmp_path / "h.svg"), cwd=tmp_path)
    rust = read_csv(out)
    periods = [int(p) for p in in_order(rust.period)]
    multipliers = in_order(rust.multiplier)
    py = ts.backtest_supertrend(*bundled_frames(), periods, multipliers, variant="talib", freq="4h", fees=0.0005)
    rust["period"] = rust.period.astype(np.int64)
    for name in ("trades", "closed_trades"):
        rust[name] = rust[name].astype(np.int64)
    rust["symbol"] = rust.symbol.astype(object)
    frames_equal_bits(rust, py)


def test_ma_crossover_example(tmp_path):
    out = tmp_path / "metrics.csv"
    run("ma_crossover", "--windows", "2..=60:3", "--ma", "exponential", "--freq", "15min",
        "--out", str(out), "--heatmap", str(tmp_path / "h.svg"), cwd=tmp_path)
    rust = read_csv(out)
    windows = sorted({int(w) for w in rust.fast} | {int(w) for w in rust.slow})
    py = ts.backtest_ma_crossover(bundled_frames()[2], windows, ma="exponential", freq="15min")
    for name in ("fast", "slow", "trades", "closed_trades"):
        rust[name] = rust[name].astype(np.int64)
    frames_equal_bits(rust, py)


def test_validate_example(tmp_path):
    run("validate", "--strategy", "ma-crossover", "--windows", "5..=50:5", "--blocks", "10",
        "--train", "1000", "--test", "500", "--step", "500", "--out-dir", str(tmp_path / "v"),
        "--logits-svg", str(tmp_path / "l.svg"), "--degradation-svg", str(tmp_path / "d.svg"), cwd=tmp_path)
    py = ts.validate_ma_crossover(bundled_frames()[2], range(5, 51, 5), blocks=10, walk_forward=(1000, 500, 500))
    dsr = read_csv(tmp_path / "v" / "dsr.csv").set_index("symbol")
    for name in ("param_index", "fast", "slow", "trials"):
        assert (dsr[name].to_numpy() == py["dsr"][name].to_numpy()).all(), name
    for name in ("sharpe", "sr", "sr_std", "skew", "kurtosis", "sr0", "z", "dsr"):
        assert_same_bits(name, dsr[name], py["dsr"][name])
    pbo = read_csv(tmp_path / "v" / "pbo.csv").set_index("symbol")
    for name in ("pbo", "mean_omega", "prob_oos_loss", "overfit", "combinations"):
        assert_same_bits(name, pbo[name], py["pbo"][name])
    for symbol in SYMBOLS:
        logits = read_csv(tmp_path / "v" / f"pbo_logits_{symbol}.csv")
        mine = py["pbo_logits"][symbol]
        for name in ("train_mask", "param_index", "is_sr", "oos_sr", "rank", "logit"):
            assert_same_bits(f"{symbol} {name}", logits[name], mine[name])
    wf = read_csv(tmp_path / "v" / "walk_forward.csv")
    for name in ("split", "test_start", "candidates", "param_index", "is_sharpe", "oos_sharpe",
                 "oos_total_return", "oos_max_drawdown", "oos_trades"):
        assert_same_bits(name, wf[name], py["walk_forward"][name])
    summary = read_csv(tmp_path / "v" / "walk_forward_summary.csv").set_index("symbol")
    for name in summary.columns:
        assert_same_bits(name, summary[name], py["walk_forward_summary"][name])


def test_sweep_example(tmp_path):
    out = tmp_path / "sweep.csv"
    run("sweep", "--periods", "3,8,13", "--multipliers", "0,1.7,3", "--variant", "tradingview",
        "--out", str(out), cwd=tmp_path)
    rust = read_csv(out)
    r = ts.supertrend(*bundled_frames(), [3, 8, 13], [0.0, 1.7, 3.0], variant="tradingview")
    column = {(p, m, s): j for j, (p, m, s) in enumerate(zip(r.columns.period, r.columns.multiplier,
                                                            [SYMBOLS.index(s) for s in r.columns.symbol]))}
    checked = 0
    for label in rust.columns:
        match = re.fullmatch(r"(supert|superd|superl|supers)_p(\d+)_m([^_]+)_c(\d+)", label)
        if match is None:
            continue
        name, p, m, s = match.groups()
        j = column[(int(p), float(m), int(s))]
        assert_same_bits(label, rust[label], r[name][:, j].astype(np.float64))
        checked += 1
    assert checked == 4 * len(r.columns)
