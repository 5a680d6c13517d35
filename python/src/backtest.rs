//! The fused backtest and its rolling windows: one row of metrics per column (per window and
//! column), computed with the GIL released, returned as dicts of numpy arrays.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::ThreadPool;
use ta_sweep::backtest::Params;
use ta_sweep::{
    supertrend as st, Backtest, BacktestConfig, BacktestOutput, Grid, MaCrossover, Prices,
    RollingOutput, Strategy, SuperTrend,
};

use crate::errors::OrRaise;
use crate::inputs::{column_range, config, ma_kind, variant, Matrix, Shard};
use crate::keys::{array, key_dict, put_metrics, ParamRow};
use crate::pools::pool;

/// A configured backtest: the strategy's grid over the prices, on a pool, maybe a shard.
pub(crate) fn backtest<'s, 'p, S: Strategy>(
    strategy: S,
    prices: &'s Prices<'p>,
    grid: &'s Grid<Params<S>>,
    config: BacktestConfig,
    pool: Option<&'s ThreadPool>,
    shard: Shard,
) -> PyResult<Backtest<'s, 'p, S>> {
    let mut backtest = Backtest::new(strategy, prices, grid, config);
    if let Some(pool) = pool {
        backtest = backtest.pool(pool);
    }
    if let Some(range) = column_range(grid, prices.symbols(), shard)? {
        backtest = backtest.column_range(range);
    }
    Ok(backtest)
}

/// The windows of a crossover: sorted, as the crate's `ma_crossover` example sorts them, so
/// every (fast, slow) pair has `fast < slow`. A window given twice is the crate's error.
pub(crate) fn crossover_grid(mut windows: Vec<usize>) -> PyResult<Grid<(usize, usize)>> {
    windows.sort_unstable();
    Grid::combinations(&["fast", "slow"], &windows).or_raise()
}

/// Keys and metrics of every column, as one dict of arrays.
fn output_dict<'py, P: ParamRow>(
    py: Python<'py>,
    out: &BacktestOutput<P>,
    names: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = key_dict(py, &out.columns, names)?;
    put_metrics(&dict, "", out.metrics.iter())?;
    Ok(dict)
}

/// Keys once, windows, and the metrics of every (window, column), window-major.
fn rolling_dict<'py, P: ParamRow>(
    py: Python<'py>,
    out: &RollingOutput<P>,
    names: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("keys", key_dict(py, &out.columns, names)?)?;
    let starts: Vec<u64> = out.windows.iter().map(|w| w.start as u64).collect();
    let ends: Vec<u64> = out.windows.iter().map(|w| w.end as u64).collect();
    dict.set_item("start", array(py, starts))?;
    dict.set_item("end", array(py, ends))?;
    let metrics = PyDict::new(py);
    put_metrics(&metrics, "", out.metrics.iter())?;
    dict.set_item("metrics", metrics)?;
    Ok(dict)
}

/// Backtests long-only SuperTrend over `periods x multipliers` and every symbol.
///
/// Returns `{"period", "multiplier", "symbol", "sharpe", "total_return", "max_drawdown",
/// "trades", "closed_trades": array}` in column order.
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, fees, init_cash, freq_ns, threads, shard))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backtest_supertrend<'py>(
    py: Python<'py>,
    high: Matrix<'py>,
    low: Matrix<'py>,
    close: Matrix<'py>,
    periods: Vec<usize>,
    multipliers: Vec<f64>,
    variant_name: &str,
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    threads: Option<usize>,
    shard: Shard,
) -> PyResult<Bound<'py, PyDict>> {
    let strategy = SuperTrend::new(variant(variant_name)?);
    let config = config(fees, init_cash, freq_ns)?;
    let pool = pool(threads)?;
    let (h, l, c) = (high.as_array(), low.as_array(), close.as_array());
    let prices = Prices::from_arrays(&h, &l, &c).or_raise()?;
    let grid = st::grid(&periods, &multipliers).or_raise()?;
    let backtest = backtest(strategy, &prices, &grid, config, pool.as_deref(), shard)?;
    let out = py.detach(move || backtest.run()).or_raise()?;
    output_dict(py, &out, &["period", "multiplier"])
}

/// Backtests the dual moving-average crossover over every pair of `windows` (sorted first)
/// with `fast < slow`, and every symbol.
///
/// Returns `{"fast", "slow", "symbol", metrics...: array}` in column order.
#[pyfunction]
#[pyo3(signature = (close, windows, ma, fees, init_cash, freq_ns, threads, shard))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backtest_ma_crossover<'py>(
    py: Python<'py>,
    close: Matrix<'py>,
    windows: Vec<usize>,
    ma: &str,
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    threads: Option<usize>,
    shard: Shard,
) -> PyResult<Bound<'py, PyDict>> {
    let strategy = MaCrossover::new(ma_kind(ma)?);
    let config = config(fees, init_cash, freq_ns)?;
    let pool = pool(threads)?;
    let c = close.as_array();
    let prices = Prices::from_closes(&c);
    let grid = crossover_grid(windows)?;
    let backtest = backtest(strategy, &prices, &grid, config, pool.as_deref(), shard)?;
    let out = py.detach(move || backtest.run()).or_raise()?;
    output_dict(py, &out, &["fast", "slow"])
}

/// [`backtest_supertrend`] on windows of `window` bars every `step` bars, each window an
/// independent series.
///
/// Returns `{"keys": {...}, "start", "end": array per window, "metrics": {...}}`, the
/// metrics window-major.
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, fees, init_cash, freq_ns, window, step, threads, shard))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backtest_supertrend_rolling<'py>(
    py: Python<'py>,
    high: Matrix<'py>,
    low: Matrix<'py>,
    close: Matrix<'py>,
    periods: Vec<usize>,
    multipliers: Vec<f64>,
    variant_name: &str,
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    window: usize,
    step: usize,
    threads: Option<usize>,
    shard: Shard,
) -> PyResult<Bound<'py, PyDict>> {
    let strategy = SuperTrend::new(variant(variant_name)?);
    let config = config(fees, init_cash, freq_ns)?;
    let pool = pool(threads)?;
    let (h, l, c) = (high.as_array(), low.as_array(), close.as_array());
    let prices = Prices::from_arrays(&h, &l, &c).or_raise()?;
    let grid = st::grid(&periods, &multipliers).or_raise()?;
    let backtest = backtest(strategy, &prices, &grid, config, pool.as_deref(), shard)?;
    let out = py
        .detach(move || backtest.rolling(window, step))
        .or_raise()?;
    rolling_dict(py, &out, &["period", "multiplier"])
}

/// [`backtest_ma_crossover`] on windows of `window` bars every `step` bars.
#[pyfunction]
#[pyo3(signature = (close, windows, ma, fees, init_cash, freq_ns, window, step, threads, shard))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn backtest_ma_crossover_rolling<'py>(
    py: Python<'py>,
    close: Matrix<'py>,
    windows: Vec<usize>,
    ma: &str,
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    window: usize,
    step: usize,
    threads: Option<usize>,
    shard: Shard,
) -> PyResult<Bound<'py, PyDict>> {
    let strategy = MaCrossover::new(ma_kind(ma)?);
    let config = config(fees, init_cash, freq_ns)?;
    let pool = pool(threads)?;
    let c = close.as_array();
    let prices = Prices::from_closes(&c);
    let grid = crossover_grid(windows)?;
    let backtest = backtest(strategy, &prices, &grid, config, pool.as_deref(), shard)?;
    let out = py
        .detach(move || backtest.rolling(window, step))
        .or_raise()?;
    rolling_dict(py, &out, &["fast", "slow"])
}
