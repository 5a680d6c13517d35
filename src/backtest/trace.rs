//! One column's backtest bar by bar: every series of the pipeline, for inspecting a single
//! combination (and for testing the pipeline against reference traces).

use super::config::BacktestConfig;
use super::metrics::{ColumnMetrics, Variance};
use super::signals::{Bands, LongShort};
use super::simulate::{Order, Simulation};
use super::validate_close;
use crate::error::Result;
use crate::kernel::supertrend::supertrend;
use crate::params::SuperTrendParams;

/// Every bar of one column's backtest: the SuperTrend, the signals, the state after the
/// bar's order, and the order, with the column's metrics.
///
/// Each series has one value per bar, as in the reference traces of `../shared/PIPELINE.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestTrace {
    /// The SuperTrend line.
    pub supert: Vec<f64>,
    /// The direction, `+1` or `-1`.
    pub superd: Vec<i8>,
    /// The long band (NaN where the direction is down).
    pub superl: Vec<f64>,
    /// The short band (NaN where the direction is up).
    pub supers: Vec<f64>,
    /// The entry signal: the previous bar's long band is a value.
    pub entry: Vec<bool>,
    /// The exit signal: the previous bar's short band is a value.
    pub exit: Vec<bool>,
    /// Units held after the bar's order.
    pub position: Vec<f64>,
    /// Cash after the bar's order, as vectorbt rebuilds it from the order flows.
    pub cash: Vec<f64>,
    /// Cash plus the position valued at the last valid close.
    pub value: Vec<f64>,
    /// The bar's return: the change of the value over the previous bar's (the initial cash
    /// before bar 0).
    pub returns: Vec<f64>,
    /// The order filled at the bar's close, if any.
    pub orders: Vec<Option<Order>>,
    /// The column's metrics, as [`Backtest::run`](crate::Backtest::run) gives them.
    pub metrics: ColumnMetrics,
}

/// Runs the pipeline on one series and one parameter pair, keeping every bar: SuperTrend,
/// signals, orders, position, cash, value and returns.
///
/// The metrics are those [`Backtest::run`](crate::Backtest::run) computes for the same
/// column, bit for bit (with [`Variance::Exact`]).
///
/// # Errors
/// - [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the series differ in length.
/// - [`Error::InvalidClose`](crate::Error::InvalidClose) (symbol 0) for a close that is zero,
///   negative or infinite.
///
/// # Example
/// ```
/// use ta_sweep::{backtest_trace, BacktestConfig, Side, SuperTrendParams};
///
/// let close: Vec<f64> = (0..200).map(|i| 100.0 + (i as f64 * 0.1).sin() * 10.0).collect();
/// let high: Vec<f64> = close.iter().map(|c| c + 1.0).collect();
/// let low: Vec<f64> = close.iter().map(|c| c - 1.0).collect();
/// let params = SuperTrendParams::new(7, 3.0)?;
/// let trace = backtest_trace(&high, &low, &close, params, &BacktestConfig::default())?;
///
/// let buys = trace.orders.iter().flatten().filter(|o| o.side == Side::Buy).count();
/// assert_eq!(buys, trace.metrics.trades);
/// // No order can fill before the first band exists and has been seen for a bar.
/// assert!(trace.orders[..=7].iter().all(Option::is_none));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn backtest_trace(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    params: SuperTrendParams,
    config: &BacktestConfig,
) -> Result<BacktestTrace> {
    let st = supertrend(high, low, close, params)?;
    validate_close(0, close)?;
    let bars = close.len();
    let bands = LongShort {
        superl: &st.superl,
        supers: &st.supers,
    };
    let mut trace = BacktestTrace {
        entry: Vec::with_capacity(bars),
        exit: Vec::with_capacity(bars),
        position: Vec::with_capacity(bars),
        cash: Vec::with_capacity(bars),
        value: Vec::with_capacity(bars),
        returns: vec![0.0; bars],
        orders: Vec::with_capacity(bars),
        metrics: ColumnMetrics {
            sharpe: f64::NAN,
            total_return: f64::NAN,
            max_drawdown: f64::NAN,
            trades: 0,
            closed_trades: 0,
        },
        supert: Vec::new(),
        superd: Vec::new(),
        superl: Vec::new(),
        supers: Vec::new(),
    };
    let mut zero_runs = Vec::new();
    // Every bar stepped with every rule: the reference path the fast runs must equal.
    let mut sim = Simulation::new(close, config, Variance::Exact, &mut zero_runs);
    for bar in 0..bars {
        let (entry, exit) = bands.signals(bar);
        let order = sim.step(bar, entry, exit, &mut trace.returns);
        trace.entry.push(entry);
        trace.exit.push(exit);
        trace.position.push(sim.position);
        trace.cash.push(sim.book_cash);
        trace.value.push(sim.value);
        trace.orders.push(order);
    }
    trace.metrics = sim.finish(&trace.returns, config.annualisation().sqrt());
    (trace.supert, trace.superd, trace.superl, trace.supers) =
        (st.supert, st.superd, st.superl, st.supers);
    Ok(trace)
}
