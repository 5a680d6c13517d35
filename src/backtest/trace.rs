//! One column's backtest bar by bar: every output of the indicator, the signals, the state
//! after each bar's order, and the order, for inspecting a single combination (and for
//! testing the pipeline against reference traces).

use super::config::BacktestConfig;
use super::metrics::{return_metrics, ColumnMetrics, Variance};
use super::rules::{SignalRule, Signals, Strategy};
use super::simulate::{Order, Simulation};
use super::{validate_close, Params};
use crate::error::{Error, Result};
use crate::factory::{Indicator, Sweep};
use crate::grid::{Grid, Row};
use crate::kernel::check_input_lengths;
use crate::prices::Prices;
use crate::schema::{Element, OutputSpec, OutputVec};
use crate::supertrend::{SuperTrend, SuperTrendParams};

/// Every bar of one column's backtest: the indicator's outputs, the signals, the state after
/// the bar's order, and the order, with the column's metrics.
///
/// Each series has one value per bar, as in the reference traces of `docs/PIPELINE.md` and
/// `docs/STRATEGIES.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestTrace {
    outputs: Vec<(OutputSpec, OutputVec)>,
    /// The entry signal of every bar.
    pub entry: Vec<bool>,
    /// The exit signal of every bar.
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

impl BacktestTrace {
    /// The indicator's output `name`, one value per bar, if it is of type `T`.
    pub fn get<T: Element>(&self, name: &str) -> Option<&[T]> {
        let (_, values) = self.outputs.iter().find(|(spec, _)| spec.name() == name)?;
        T::slice(values.as_ref())
    }
}

/// Runs a strategy's pipeline on one symbol and one grid row, keeping every bar: the
/// indicator's outputs, the signals, orders, position, cash, value and returns.
///
/// The metrics are those [`Backtest::run`](crate::Backtest::run) computes for the same
/// column, bit for bit (with [`Variance::Exact`]).
///
/// # Errors
/// - [`Error::SymbolCount`] unless `prices` has exactly one symbol.
/// - [`Error::InvalidClose`] (symbol 0) for a close that is zero, negative or infinite.
/// - The indicator's error for invalid `params`, and the rule's.
///
/// # Example
/// ```
/// use ta_sweep::backtest::{trace, MaCrossover};
/// use ta_sweep::{BacktestConfig, Prices};
///
/// let close = [10.0, 11.0, 12.0, 11.0, 10.0, 11.0, 12.5, 9.5, 16.0, 15.0, 13.0, 12.0];
/// let prices = Prices::from_close_series([&close[..]])?;
/// let bars = trace(&MaCrossover::simple(), &prices, (2, 3), &BacktestConfig::default())?;
/// assert_eq!(bars.get::<f64>("slow_ma").unwrap()[3], 11.333333333333334);
/// assert_eq!((bars.entry[6], bars.exit[10]), (true, true));
/// assert_eq!(bars.metrics.trades, 1);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn trace<S: Strategy>(
    strategy: &S,
    prices: &Prices<'_>,
    params: Params<S>,
    config: &BacktestConfig,
) -> Result<BacktestTrace> {
    if prices.symbols() != 1 {
        return Err(Error::SymbolCount {
            expected: 1,
            actual: prices.symbols(),
        });
    }
    let close = prices.as_slice()[0].close();
    validate_close(0, close)?;
    let (indicator, rule) = (strategy.indicator(), strategy.rule());
    let names: Vec<String> = (0..Params::<S>::WIDTH).map(|k| format!("a{k}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let grid = Grid::tuples(&names, &[params])?;
    let (plan, _) = rule.plan(indicator, prices)?;
    let bars = close.len();
    let schema = indicator.outputs();
    // Every output of the one column, then the rule's signals from them.
    let outputs = Sweep::new(indicator, prices, &grid).reduce(|column| {
        let values: Vec<(OutputSpec, OutputVec)> = schema
            .iter()
            .enumerate()
            .map(|(k, spec)| (spec.clone(), column_values(&column, k, spec)))
            .collect();
        let mut scratch = rule.scratch(bars);
        let signals = rule.signals(&plan, column, &mut scratch);
        let (entry, exit): (Vec<bool>, Vec<bool>) =
            (0..bars).map(|bar| signals.signals(bar)).unzip();
        (values, entry, exit)
    })?;
    let (outputs, entry, exit) = outputs.into_iter().next().expect("one column");

    let mut trace = BacktestTrace {
        outputs,
        entry,
        exit,
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
    };
    // Every bar stepped with every rule: the reference path the fast runs must equal.
    let mut sim = Simulation::new(close, config);
    for bar in 0..bars {
        let order = sim.step(bar, trace.entry[bar], trace.exit[bar], &mut trace.returns);
        trace.position.push(sim.position);
        trace.cash.push(sim.book_cash);
        trace.value.push(sim.value);
        trace.orders.push(order);
    }
    let mut metrics = Vec::with_capacity(1);
    return_metrics(
        &[&trace.returns],
        &[sim.finish()],
        Variance::Exact,
        config.annualisation().sqrt(),
        &mut metrics,
    );
    trace.metrics = metrics[0];
    Ok(trace)
}

/// Output `k` of a column, owned.
fn column_values<P>(
    column: &crate::factory::ColumnView<'_, P>,
    k: usize,
    spec: &OutputSpec,
) -> OutputVec {
    use crate::schema::Dtype;
    match spec.dtype() {
        Dtype::F64 => OutputVec::F64(column.get_at::<f64>(k).unwrap_or_default().to_vec()),
        Dtype::I8 => OutputVec::I8(column.get_at::<i8>(k).unwrap_or_default().to_vec()),
        Dtype::Bool => OutputVec::Bool(column.get_at::<bool>(k).unwrap_or_default().to_vec()),
    }
}

/// [`trace`] of the SuperTrend pipeline on one series: SuperTrend, signals, orders,
/// position, cash, value and returns.
///
/// # Errors
/// - [`Error::LengthMismatch`] if the series differ in length.
/// - [`Error::InvalidClose`] (symbol 0) for a close that is zero, negative or infinite.
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
/// assert_eq!(trace.get::<f64>("superl").unwrap().len(), 200);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn backtest_trace(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    params: SuperTrendParams,
    config: &BacktestConfig,
) -> Result<BacktestTrace> {
    check_input_lengths(high, low, close)?;
    let prices = Prices::single(high, low, close)?;
    let strategy = SuperTrend::new(params.variant());
    trace(
        &strategy,
        &prices,
        (params.period(), params.multiplier()),
        config,
    )
}
