//! Validation of a strategy grid (the crate's `validation` module): the Deflated Sharpe
//! Ratio, the PBO by CSCV and walk-forward, as dicts of numpy arrays.

use numpy::{PyArray1, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use ta_sweep::validation::{Validation, ValidationReport, WalkForward, WalkForwardReport};

use crate::backtest::{on_crossover, on_supertrend, Settings};
use crate::inputs::{Matrix, Shard};
use crate::keys::{array, grid_dict, key_dict, put_metrics, row_or_none, ParamRow};

/// `(train, test, step)` bars of walk-forward splits, if asked.
type WalkForwardArgs = Option<(usize, usize, usize)>;

fn validation(blocks: usize, walk_forward: WalkForwardArgs) -> Validation {
    let validation = Validation::new().blocks(blocks);
    match walk_forward {
        Some((train, test, step)) => validation.walk_forward(WalkForward::new(train, test, step)),
        None => validation,
    }
}

/// `name -> array of f(item)` for every item, into `dict`.
fn put<'py, T, E: numpy::Element>(
    dict: &Bound<'py, PyDict>,
    name: &str,
    items: &[T],
    f: impl Fn(&T) -> E,
) -> PyResult<()> {
    dict.set_item(name, array(dict.py(), items.iter().map(f).collect()))
}

fn walk_forward_dict<'py>(
    py: Python<'py>,
    wf: &WalkForwardReport,
    columns: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let choices = PyDict::new(py);
    let c = &wf.choices;
    put(&choices, "split", c, |x| x.split as u64)?;
    put(&choices, "symbol", c, |x| x.symbol as u64)?;
    let split = |x: &ta_sweep::validation::WalkForwardChoice| &wf.splits[x.split];
    put(&choices, "train_start", c, |x| split(x).train.start as u64)?;
    put(&choices, "train_end", c, |x| split(x).train.end as u64)?;
    put(&choices, "test_start", c, |x| split(x).test.start as u64)?;
    put(&choices, "test_end", c, |x| split(x).test.end as u64)?;
    put(&choices, "candidates", c, |x| x.candidates as u64)?;
    put(&choices, "chosen", c, |x| row_or_none(x.chosen))?;
    put(&choices, "is_sharpe", c, |x| x.is_sharpe)?;
    // A split without a choice stays in cash: NaN metrics and -1 trades mark "no test run".
    put(&choices, "oos_sharpe", c, |x| {
        x.oos.map_or(f64::NAN, |m| m.sharpe)
    })?;
    put(&choices, "oos_total_return", c, |x| {
        x.oos.map_or(f64::NAN, |m| m.total_return)
    })?;
    put(&choices, "oos_max_drawdown", c, |x| {
        x.oos.map_or(f64::NAN, |m| m.max_drawdown)
    })?;
    put(&choices, "oos_trades", c, |x| {
        x.oos.map_or(-1, |m| m.trades as i64)
    })?;
    put(&choices, "oos_closed_trades", c, |x| {
        x.oos.map_or(-1, |m| m.closed_trades as i64)
    })?;
    dict.set_item("choices", choices)?;

    let summary = PyDict::new(py);
    let s = &wf.summary;
    put(&summary, "splits", s, |x| x.splits as u64)?;
    put(&summary, "chosen", s, |x| x.chosen as u64)?;
    put(&summary, "oos_bars", s, |x| x.oos_bars as u64)?;
    put(&summary, "oos_sharpe", s, |x| x.oos_sharpe)?;
    put(&summary, "oos_compound_return", s, |x| {
        x.oos_compound_return
    })?;
    put(&summary, "oos_max_drawdown", s, |x| x.oos_max_drawdown)?;
    put(&summary, "oos_trades", s, |x| x.oos_trades as u64)?;
    dict.set_item("summary", summary)?;

    // (splits, columns), split-major as the crate keeps it: a reshape, no copy.
    let train = PyArray1::from_slice(py, &wf.train_sharpe).reshape([wf.splits.len(), columns])?;
    dict.set_item("train_sharpe", train)?;
    Ok(dict)
}

fn report_dict<'py, P: ParamRow>(
    py: Python<'py>,
    report: &ValidationReport<P>,
    names: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let metrics = key_dict(py, &report.columns, names)?;
    put_metrics(&metrics, "", report.metrics.iter())?;
    dict.set_item("metrics", metrics)?;
    dict.set_item("grid", grid_dict(py, &report.columns, names)?)?;

    let dsr = PyDict::new(py);
    let d = &report.dsr;
    put(&dsr, "bars", d, |x| x.bars as u64)?;
    put(&dsr, "trials", d, |x| x.trials as u64)?;
    put(&dsr, "best", d, |x| row_or_none(x.best))?;
    put(&dsr, "sharpe", d, |x| x.sharpe)?;
    put(&dsr, "sr", d, |x| x.sr)?;
    put(&dsr, "sr_std", d, |x| x.sr_std)?;
    put(&dsr, "skew", d, |x| x.skew)?;
    put(&dsr, "kurtosis", d, |x| x.kurtosis)?;
    put(&dsr, "sr0", d, |x| x.sr0)?;
    put(&dsr, "z", d, |x| x.z)?;
    put(&dsr, "dsr", d, |x| x.dsr)?;
    dict.set_item("dsr", dsr)?;

    let pbo = PyDict::new(py);
    let p = &report.pbo;
    put(&pbo, "bars", p, |x| x.bars as u64)?;
    put(&pbo, "bars_used", p, |x| x.bars_used as u64)?;
    put(&pbo, "block_len", p, |x| x.block_len as u64)?;
    put(&pbo, "blocks", p, |x| x.blocks as u64)?;
    put(&pbo, "trials", p, |x| x.trials as u64)?;
    put(&pbo, "combinations", p, |x| x.combinations as u64)?;
    put(&pbo, "undefined", p, |x| x.undefined as u64)?;
    put(&pbo, "overfit", p, |x| x.overfit as u64)?;
    put(&pbo, "pbo", p, |x| x.pbo)?;
    put(&pbo, "mean_omega", p, |x| x.mean_omega)?;
    put(&pbo, "prob_oos_loss", p, |x| x.prob_oos_loss)?;
    dict.set_item("pbo", pbo)?;

    let logits = PyList::empty(py);
    for symbol in &report.pbo {
        let l = PyDict::new(py);
        let c = &symbol.logits;
        put(&l, "train_mask", c, |x| x.train_mask)?;
        put(&l, "winner", c, |x| row_or_none(x.winner))?;
        put(&l, "is_sr", c, |x| x.is_sr)?;
        put(&l, "oos_sr", c, |x| x.oos_sr)?;
        put(&l, "rank", c, |x| x.rank)?;
        put(&l, "logit", c, |x| x.logit)?;
        logits.append(l)?;
    }
    dict.set_item("pbo_logits", logits)?;

    let sums = &report.block_sums;
    let flat: Vec<f64> = sums.sums.iter().flatten().copied().collect();
    let blocks = PyArray1::from_vec(py, flat).reshape([report.columns.len(), sums.blocks, 2])?;
    dict.set_item("block_sums", blocks)?;
    dict.set_item("block_len", sums.block_len)?;

    match &report.walk_forward {
        Some(wf) => dict.set_item(
            "walk_forward",
            walk_forward_dict(py, wf, report.columns.len())?,
        )?,
        None => dict.set_item("walk_forward", py.None())?,
    }
    Ok(dict)
}

/// Validates the SuperTrend grid `periods x multipliers`: DSR and PBO with `blocks` CSCV
/// blocks per symbol, walk-forward `(train, test, step)` if given. A shard is the crate's
/// error (validation compares every column of a symbol).
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, fees, init_cash, freq_ns, blocks, walk_forward, threads, shard, memory_limit))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_supertrend<'py>(
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
    blocks: usize,
    walk_forward: WalkForwardArgs,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let validation = validation(blocks, walk_forward);
    let prices = (&high, &low, &close);
    let grid = (&periods[..], &multipliers[..]);
    let report = on_supertrend(py, prices, grid, variant_name, &settings, |b| {
        b.validate(&validation)
    })?;
    report_dict(py, &report, &["period", "multiplier"])
}

/// Validates the crossover grid of every pair of `windows` (sorted first), as
/// [`validate_supertrend`].
#[pyfunction]
#[pyo3(signature = (close, windows, ma, fees, init_cash, freq_ns, blocks, walk_forward, threads, shard, memory_limit))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_ma_crossover<'py>(
    py: Python<'py>,
    close: Matrix<'py>,
    windows: Vec<usize>,
    ma: &str,
    fees: f64,
    init_cash: f64,
    freq_ns: i64,
    blocks: usize,
    walk_forward: WalkForwardArgs,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = Settings::new(fees, init_cash, freq_ns, threads, shard, memory_limit);
    let validation = validation(blocks, walk_forward);
    let report = on_crossover(py, &close, windows, ma, &settings, |b| {
        b.validate(&validation)
    })?;
    report_dict(py, &report, &["fast", "slow"])
}
