//! The fused backtest and its rolling windows: one row of metrics per column (per window and
//! column), computed with the GIL released, returned as dicts of numpy arrays.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use ta_sweep::backtest::Params;
use ta_sweep::{
    supertrend as st, Backtest, BacktestConfig, BacktestOutput, Grid, MaCrossover, Prices,
    RollingOutput, Strategy, SuperTrend,
};

use crate::errors::OrRaise;
use crate::inputs::{column_range, config, ma_kind, variant, Matrix, Shard};
use crate::keys::{array, key_dict, put_metrics, ParamRow};
use crate::pools::pool;

/// What every backtest entry point takes besides its prices, grid and strategy: costs and
/// annualisation (the bar interval in nanoseconds), the pool, the shard and the memory limit.
pub(crate) struct Settings {
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
}

impl Settings {
    /// The settings as the entry points receive them, in their argument order.
    pub(crate) fn new(
        fees: f64,
        init_cash: f64,
        freq_ns: i64,
        threads: Option<usize>,
        shard: Shard,
        memory_limit: u64,
    ) -> Self {
        Settings {
            fees,
            init_cash,
            freq_ns,
            threads,
            shard,
            memory_limit,
        }
    }
}

/// `job` on the backtest of `strategy` over `grid` and `prices`, with the GIL released.
///
/// The settings and the shard are checked before the pool is taken (and maybe started);
/// the backtest checks its own sizes before any work.
fn run_detached<S, R>(
    py: Python<'_>,
    strategy: S,
    prices: &Prices<'_>,
    grid: &Grid<Params<S>>,
    config: BacktestConfig,
    settings: &Settings,
    job: impl FnOnce(&Backtest<'_, '_, S>) -> ta_sweep::Result<R> + Send,
) -> PyResult<R>
where
    S: Strategy + Send,
    R: Send,
{
    let range = column_range(grid, prices.symbols(), settings.shard)?;
    let pool = pool(settings.threads)?;
    let mut backtest =
        Backtest::new(strategy, prices, grid, config).memory_limit(settings.memory_limit);
    if let Some(pool) = pool.as_deref() {
        backtest = backtest.pool(pool);
    }
    if let Some(range) = range {
        backtest = backtest.column_range(range);
    }
    py.detach(move || job(&backtest)).or_raise()
}

/// `job` on the SuperTrend backtest of `periods x multipliers` over every symbol of
/// `(high, low, close)`, with the GIL released.
pub(crate) fn on_supertrend<R: Send>(
    py: Python<'_>,
    (high, low, close): (&Matrix<'_>, &Matrix<'_>, &Matrix<'_>),
    (periods, multipliers): (&[usize], &[f64]),
    variant_name: &str,
    settings: &Settings,
    job: impl FnOnce(&Backtest<'_, '_, SuperTrend>) -> ta_sweep::Result<R> + Send,
) -> PyResult<R> {
    let strategy = SuperTrend::new(variant(variant_name)?);
    let config = config(settings.fees, settings.init_cash, settings.freq_ns)?;
    let (h, l, c) = (high.as_array(), low.as_array(), close.as_array());
    let prices = Prices::from_arrays(&h, &l, &c).or_raise()?;
    let grid = st::grid(periods, multipliers).or_raise()?;
    run_detached(py, strategy, &prices, &grid, config, settings, job)
}

/// `job` on the crossover backtest of every pair of `windows` over every symbol of `close`,
/// with the GIL released. The windows are sorted, as the crate's `ma_crossover` example
/// sorts them, so every (fast, slow) pair has `fast < slow`; a window given twice is the
/// crate's error.
pub(crate) fn on_crossover<R: Send>(
    py: Python<'_>,
    close: &Matrix<'_>,
    mut windows: Vec<usize>,
    ma: &str,
    settings: &Settings,
    job: impl FnOnce(&Backtest<'_, '_, MaCrossover>) -> ta_sweep::Result<R> + Send,
) -> PyResult<R> {
    let strategy = MaCrossover::new(ma_kind(ma)?);
    let config = config(settings.fees, settings.init_cash, settings.freq_ns)?;
    let c = close.as_array();
    let prices = Prices::from_closes(&c);
    windows.sort_unstable();
    let grid = Grid::combinations(&["fast", "slow"], &windows).or_raise()?;
    run_detached(py, strategy, &prices, &grid, config, settings, job)
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
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, fees, init_cash, freq_ns, threads, shard, memory_limit))]
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
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let prices = (&high, &low, &close);
    let grid = (&periods[..], &multipliers[..]);
    let out = on_supertrend(py, prices, grid, variant_name, &settings, |b| b.run())?;
    output_dict(py, &out, &["period", "multiplier"])
}

/// Backtests the dual moving-average crossover over every pair of `windows` (sorted first)
/// with `fast < slow`, and every symbol.
///
/// Returns `{"fast", "slow", "symbol", metrics...: array}` in column order.
#[pyfunction]
#[pyo3(signature = (close, windows, ma, fees, init_cash, freq_ns, threads, shard, memory_limit))]
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
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let out = on_crossover(py, &close, windows, ma, &settings, |b| b.run())?;
    output_dict(py, &out, &["fast", "slow"])
}

/// [`backtest_supertrend`] on windows of `window` bars every `step` bars, each window an
/// independent series.
///
/// Returns `{"keys": {...}, "start", "end": array per window, "metrics": {...}}`, the
/// metrics window-major.
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, fees, init_cash, freq_ns, window, step, threads, shard, memory_limit))]
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
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let prices = (&high, &low, &close);
    let grid = (&periods[..], &multipliers[..]);
    let out = on_supertrend(py, prices, grid, variant_name, &settings, |b| {
        b.rolling(window, step)
    })?;
    rolling_dict(py, &out, &["period", "multiplier"])
}

/// [`backtest_ma_crossover`] on windows of `window` bars every `step` bars.
#[pyfunction]
#[pyo3(signature = (close, windows, ma, fees, init_cash, freq_ns, window, step, threads, shard, memory_limit))]
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
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let out = on_crossover(py, &close, windows, ma, &settings, |b| {
        b.rolling(window, step)
    })?;
    rolling_dict(py, &out, &["fast", "slow"])
}
