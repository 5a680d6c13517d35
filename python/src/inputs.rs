//! What the Python side hands over, read into the crate's types: price matrices (borrowed,
//! never copied here), names of variants and averages, shards, costs.

use std::ops::Range;
use std::time::Duration;

use pyo3::prelude::*;
use ta_sweep::{BacktestConfig, Columns, Grid, MaKind, Prices, Row, Variant};

use crate::errors::{binding_error, OrRaise};

/// A (bars, symbols) price matrix of float64, borrowed read-only from numpy.
pub(crate) type Matrix<'py> = numpy::PyReadonlyArray2<'py, f64>;

/// A `(index, count)` shard as Python gives it.
pub(crate) type Shard = Option<(usize, usize)>;

/// The variant named `name` (`vectorbt`, `tradingview`, `talib`, any case).
pub(crate) fn variant(name: &str) -> PyResult<Variant> {
    name.parse().or_raise()
}

/// The moving average named `name` (`simple`, `exponential`).
pub(crate) fn ma_kind(name: &str) -> PyResult<MaKind> {
    name.parse().or_raise()
}

/// The column range of `shard` of the sweep of `grid` over `symbols` symbols, if a shard is
/// asked for.
pub(crate) fn column_range<P: Row>(
    grid: &Grid<P>,
    symbols: usize,
    shard: Shard,
) -> PyResult<Option<Range<usize>>> {
    let Some((index, count)) = shard else {
        return Ok(None);
    };
    let columns = Columns::new(grid.clone(), symbols).or_raise()?.len();
    ta_sweep::shard(columns, index, count).or_raise().map(Some)
}

/// The column range `(start, end)` of shard `index` of `count` of `columns` columns: the
/// crate's `shard`, so that Python cuts exactly as the sweeps do.
#[pyfunction]
pub(crate) fn shard(columns: usize, index: usize, count: usize) -> PyResult<(usize, usize)> {
    let range = ta_sweep::shard(columns, index, count).or_raise()?;
    Ok((range.start, range.end))
}

/// The backtest's costs and annualisation, the bar interval given in nanoseconds (what
/// `pd.Timedelta(freq).value` is).
pub(crate) fn config(fees: f64, init_cash: f64, freq_ns: i64) -> PyResult<BacktestConfig> {
    // The crate's `Duration` has no sign: a negative interval is refused here, zero by the
    // crate with its own message.
    let nanos = u64::try_from(freq_ns).map_err(|_| {
        binding_error(format!(
            "freq: the bar interval must be positive, got {freq_ns} ns"
        ))
    })?;
    BacktestConfig::default()
        .with_fees(fees)
        .and_then(|c| c.with_init_cash(init_cash))
        .and_then(|c| c.with_bar_interval(Duration::from_nanos(nanos)))
        .or_raise()
}

/// Whether [`Prices`] reads every column of `close` in place. Exposed for the tests of the
/// no-copy rule: the crate borrows a column where it is contiguous and copies it otherwise.
#[pyfunction]
pub(crate) fn _borrows_input(close: Matrix<'_>) -> bool {
    let view = close.as_array();
    let prices = Prices::from_closes(&view);
    prices
        .as_slice()
        .iter()
        .enumerate()
        .all(|(s, symbol)| std::ptr::eq(symbol.close().as_ptr(), view.column(s).as_ptr()))
}
