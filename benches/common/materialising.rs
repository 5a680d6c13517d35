//! The materialising route the fused backtest replaces, from entry and exit matrices on: a
//! simulation per column writing value and returns matrices, and the metrics from those, in the
//! plain form of PIPELINE.md 4.7 (which reproduces every golden column), on every thread of the
//! current rayon pool.

use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use ta_sweep::{BacktestConfig, ColumnMetrics};

/// One column's simulation from materialised signals, writing the value and returns columns;
/// orders fill at the close of the signal's bar. Returns the total return, the sells, whether a
/// position is open at the end, and the units held.
pub fn simulate_column(
    close: &[f64],
    entries: &[bool],
    exits: &[bool],
    config: &BacktestConfig,
    value: &mut [f64],
    returns: &mut [f64],
) -> (f64, usize, usize, f64) {
    let fees = config.fees();
    let (mut cash, mut position, mut last_close) = (config.init_cash(), 0.0f64, f64::NAN);
    let (mut flow_cash, mut flow_units, mut sells, mut orders) = (0.0, 0.0, 0, 0);
    let mut previous = config.init_cash();
    for i in 0..close.len() {
        let c = close[i];
        if !c.is_nan() {
            if position > 0.0 && exits[i] && !entries[i] {
                let proceeds = position * c;
                let fee = proceeds * fees;
                cash = proceeds - fee;
                flow_units -= position;
                flow_cash += proceeds - fee;
                position = 0.0;
                sells += 1;
                orders += 1;
            } else if position == 0.0 && entries[i] && !exits[i] {
                let spendable = cash / (1.0 + fees);
                let size = spendable / c;
                let fee = cash - spendable;
                flow_units += size;
                flow_cash -= size * c + fee;
                position = size;
                cash = 0.0;
                orders += 1;
            }
            last_close = c;
        }
        let v = cash
            + if position == 0.0 {
                0.0
            } else {
                last_close * position
            };
        value[i] = v;
        returns[i] = (v - previous) / previous;
        previous = v;
    }
    let total_return = if orders == 0 {
        0.0
    } else {
        (flow_cash + flow_units * last_close) / config.init_cash()
    };
    (total_return, sells, usize::from(position > 0.0), flow_units)
}

/// The Sharpe ratio and maximum drawdown of one column from its materialised returns.
pub fn column_metrics(returns: &[f64], annualisation: f64) -> (f64, f64) {
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let ssd = returns.iter().fold(0.0, |s, r| s + (r - mean) * (r - mean));
    let std = (ssd / n * n / (n - 1.0)).sqrt();
    let sharpe = if std == 0.0 {
        f64::INFINITY
    } else {
        mean / std * annualisation.sqrt()
    };
    let (mut growth, mut peak, mut worst) = (1.0, f64::NAN, 0.0f64);
    for r in returns {
        growth *= r + 1.0;
        let c = growth * 100.0;
        if peak.is_nan() || c > peak {
            peak = c;
        }
        worst = worst.min(c / peak - 1.0);
    }
    (sharpe, worst)
}

/// Every column simulated from the (bars, columns) column-major `entries` and `exits` (column
/// `j` trades symbol `j % closes.len()`) into fresh value and returns matrices, and its
/// metrics, in parallel over columns.
pub fn simulate_matrices(
    closes: &[&[f64]],
    entries: &Array2<bool>,
    exits: &Array2<bool>,
    config: &BacktestConfig,
) -> (Vec<ColumnMetrics>, [Array2<f64>; 2]) {
    let (bars, columns) = entries.dim();
    let symbols = closes.len();
    let mut value = Array2::<f64>::zeros((bars, columns).f());
    let mut returns = Array2::<f64>::zeros((bars, columns).f());
    let metrics = value
        .as_slice_memory_order_mut()
        .unwrap()
        .par_chunks_mut(bars)
        .zip(
            returns
                .as_slice_memory_order_mut()
                .unwrap()
                .par_chunks_mut(bars),
        )
        .enumerate()
        .map(|(j, (value, returns))| {
            let (total_return, sells, open, _) = simulate_column(
                closes[j % symbols],
                entries.column(j).to_slice().unwrap(),
                exits.column(j).to_slice().unwrap(),
                config,
                value,
                returns,
            );
            let (sharpe, max_drawdown) = column_metrics(returns, config.annualisation());
            ColumnMetrics {
                sharpe,
                total_return,
                max_drawdown,
                trades: sells + open,
                closed_trades: sells,
            }
        })
        .collect();
    (metrics, [value, returns])
}

/// Whether two runs have the same metrics, bit for bit.
pub fn same_metrics(a: &[ColumnMetrics], b: &[ColumnMetrics]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.sharpe.to_bits() == b.sharpe.to_bits()
                && a.total_return.to_bits() == b.total_return.to_bits()
                && a.max_drawdown.to_bits() == b.max_drawdown.to_bits()
                && (a.trades, a.closed_trades) == (b.trades, b.closed_trades)
        })
}
