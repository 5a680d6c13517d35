"""DSR, PBO and walk-forward against tests/data/golden-validation, within the tolerances of
the crate's docs/VALIDATION.md 6 as tests/validation_golden.rs applies them (exact where it
says exact)."""
import numpy as np
import pytest

import ta_sweep as ts
from conftest import SYMBOLS, assert_same_bits, golden

PERIODS, MULTIPLIERS = list(range(4, 20)), [k / 10 for k in range(20, 41)]


def near(expected, actual, relative):
    expected, actual = np.asarray(expected, float), np.asarray(actual, float)
    ok = (np.isnan(expected) & np.isnan(actual)) | (expected == actual) | (
        np.abs(expected - actual) <= np.maximum(relative * np.abs(expected), 1e-12)
    )
    return bool(ok.all())


@pytest.fixture(scope="module")
def report(frames):
    high, low, close = frames
    return ts.validate_supertrend(high, low, close, PERIODS, MULTIPLIERS, walk_forward=(756, 252, 252))


def test_metrics_are_the_backtests(report, frames):
    bt = ts.backtest_supertrend(*frames, PERIODS, MULTIPLIERS)
    for name in ("sharpe", "total_return", "max_drawdown"):
        assert_same_bits(name, bt[name], report["metrics"][name])


def test_dsr(report):
    g = golden("golden-validation", "dsr.csv").set_index("symbol")
    d = report["dsr"]
    assert list(d.index) == SYMBOLS
    for name in ("bars", "trials", "param_index", "period"):
        assert (d[name].to_numpy() == g[name].to_numpy()).all(), name
    assert_same_bits("multiplier", g.multiplier, d.multiplier)
    for name in ("sharpe", "sr", "sr_std", "skew", "kurtosis", "sr0", "z", "dsr"):
        assert near(g[name], d[name], 1e-9), name


def test_pbo_exact(report):
    g = golden("golden-validation", "pbo.csv").set_index("symbol").rename(columns={"S": "blocks"})
    p = report["pbo"]
    for name in ("bars", "bars_used", "block_len", "blocks", "trials", "combinations", "undefined", "overfit"):
        assert (p[name].to_numpy() == g[name].to_numpy()).all(), name
    assert_same_bits("pbo", g.pbo, p.pbo)
    assert_same_bits("prob_oos_loss", g.prob_oos_loss, p.prob_oos_loss)
    assert near(g.mean_omega, p.mean_omega, 1e-9)


@pytest.mark.parametrize("symbol", SYMBOLS)
def test_every_cscv_combination(report, symbol):
    g = golden("golden-validation", f"pbo_logits_{symbol}.csv")
    l = report["pbo_logits"][symbol]
    assert len(l) == 12870
    for name in ("combination", "train_mask", "param_index", "period"):
        assert (l[name].to_numpy() == g[name].to_numpy()).all(), name
    assert (l["rank"].to_numpy() == g["rank"].to_numpy()).all()
    assert near(g.is_sr, l.is_sr, 5e-12) and near(g.oos_sr, l.oos_sr, 5e-12)
    assert (np.abs(l.logit.to_numpy() - g.logit.to_numpy()) <= 1e-12).all()


def test_block_sums_bit_for_bit(report):
    g = golden("golden-validation", "pbo_block_sums.csv")
    sums, keys = report["block_sums"], report["metrics"]
    assert sums.shape == (672, 16, 2) and report["block_len"] == 204
    column = {
        (p, m, s): j for j, (p, m, s) in enumerate(zip(keys.period, keys.multiplier, keys.symbol))
    }
    js = np.array([column[(p, m, s)] for p, m, s in zip(g.period, g.multiplier, g.symbol)])
    blocks = g.block.to_numpy().astype(np.intp)
    assert (g.start.to_numpy() == blocks * 204).all() and (g.end.to_numpy() == (blocks + 1) * 204).all()
    assert_same_bits("sum", g["sum"], sums[js, blocks, 0])
    assert_same_bits("sum_sq", g.sum_sq, sums[js, blocks, 1])


def test_walk_forward(report):
    g = golden("golden-validation", "walk_forward.csv")
    wf = report["walk_forward"]
    assert len(wf) == 18
    for name in ("split", "train_start", "train_end", "test_start", "test_end", "candidates", "param_index", "period", "oos_trades"):
        assert (wf[name].to_numpy() == g[name].to_numpy()).all(), name
    assert list(wf.symbol) == list(g.symbol)
    assert_same_bits("multiplier", g.multiplier, wf.multiplier)
    for name in ("is_sharpe", "oos_sharpe", "oos_total_return", "oos_max_drawdown"):
        assert near(g[name], wf[name], 1e-9), name
    s = golden("golden-validation", "walk_forward_summary.csv").set_index("symbol")
    summary = report["walk_forward_summary"]
    for name in ("splits", "chosen", "oos_bars", "oos_trades"):
        assert (summary[name].to_numpy() == s[name].to_numpy()).all(), name
    for name in ("oos_sharpe", "oos_compound_return", "oos_max_drawdown"):
        assert near(s[name], summary[name], 1e-9), name
    assert report["train_sharpe"].shape == (9, 672)
