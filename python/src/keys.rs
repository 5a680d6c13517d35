//! Column keys and metrics as dicts of numpy arrays, which the Python side turns into
//! DataFrames: one array per parameter, the symbol index, one array per metric.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use ta_sweep::{ColumnMetrics, Columns, Row};

/// One parameter's values over many rows.
pub(crate) enum Values {
    /// An integer parameter (a period, a window).
    Int(Vec<u64>),
    /// A real parameter (a multiplier).
    Float(Vec<f64>),
}

impl Values {
    fn into_array<'py>(self, py: Python<'py>) -> Bound<'py, PyAny> {
        match self {
            Values::Int(v) => v.into_pyarray(py).into_any(),
            Values::Float(v) => v.into_pyarray(py).into_any(),
        }
    }
}

/// A grid row the binding knows how to spell out: one array per parameter.
pub(crate) trait ParamRow: Row {
    /// One empty vector per parameter, with room for `rows` values.
    fn empty(rows: usize) -> Vec<Values>;
    /// Appends this row's values, one per parameter.
    fn push(&self, into: &mut [Values]);
}

fn push_int(values: &mut Values, v: usize) {
    if let Values::Int(vec) = values {
        vec.push(v as u64);
    }
}

fn push_float(values: &mut Values, v: f64) {
    if let Values::Float(vec) = values {
        vec.push(v);
    }
}

impl ParamRow for usize {
    fn empty(rows: usize) -> Vec<Values> {
        vec![Values::Int(Vec::with_capacity(rows))]
    }
    fn push(&self, into: &mut [Values]) {
        push_int(&mut into[0], *self);
    }
}

impl ParamRow for (usize, f64) {
    fn empty(rows: usize) -> Vec<Values> {
        vec![
            Values::Int(Vec::with_capacity(rows)),
            Values::Float(Vec::with_capacity(rows)),
        ]
    }
    fn push(&self, into: &mut [Values]) {
        push_int(&mut into[0], self.0);
        push_float(&mut into[1], self.1);
    }
}

impl ParamRow for (usize, usize) {
    fn empty(rows: usize) -> Vec<Values> {
        vec![
            Values::Int(Vec::with_capacity(rows)),
            Values::Int(Vec::with_capacity(rows)),
        ]
    }
    fn push(&self, into: &mut [Values]) {
        push_int(&mut into[0], self.0);
        push_int(&mut into[1], self.1);
    }
}

/// `names[k]` -> the k-th parameter of every row of `rows`, into `dict`.
fn put_params<'py, P: ParamRow>(
    dict: &Bound<'py, PyDict>,
    names: &[&str],
    len: usize,
    rows: impl Iterator<Item = P>,
) -> PyResult<()> {
    let mut values = P::empty(len);
    for row in rows {
        row.push(&mut values);
    }
    for (name, values) in names.iter().zip(values) {
        dict.set_item(*name, values.into_array(dict.py()))?;
    }
    Ok(())
}

/// The key of every column of `columns`, in column order: `names[k]` the k-th parameter,
/// `symbol` the symbol's index in the input.
pub(crate) fn key_dict<'py, P: ParamRow>(
    py: Python<'py>,
    columns: &Columns<P>,
    names: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    put_params(
        &dict,
        names,
        columns.len(),
        columns.keys().map(|k| k.params),
    )?;
    let symbols: Vec<u64> = columns.keys().map(|k| k.symbol as u64).collect();
    dict.set_item("symbol", symbols.into_pyarray(py))?;
    Ok(dict)
}

/// Every row of the grid of `columns`, in row order (for the rows a validation names).
pub(crate) fn grid_dict<'py, P: ParamRow>(
    py: Python<'py>,
    columns: &Columns<P>,
    names: &[&str],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    put_params(&dict, names, columns.grid().len(), columns.grid().iter())?;
    Ok(dict)
}

/// One field of [`ColumnMetrics`].
type Field<T> = fn(&ColumnMetrics) -> T;

/// The fields of [`ColumnMetrics`], one array each, into `dict` (prefixed by `prefix`).
pub(crate) fn put_metrics<'a>(
    dict: &Bound<'_, PyDict>,
    prefix: &str,
    metrics: impl Iterator<Item = &'a ColumnMetrics> + Clone,
) -> PyResult<()> {
    let py = dict.py();
    let floats: [(&str, Field<f64>); 3] = [
        ("sharpe", |m| m.sharpe),
        ("total_return", |m| m.total_return),
        ("max_drawdown", |m| m.max_drawdown),
    ];
    for (name, field) in floats {
        let values: Vec<f64> = metrics.clone().map(field).collect();
        dict.set_item(format!("{prefix}{name}"), values.into_pyarray(py))?;
    }
    let counts: [(&str, Field<usize>); 2] = [
        ("trades", |m| m.trades),
        ("closed_trades", |m| m.closed_trades),
    ];
    for (name, field) in counts {
        let values: Vec<u64> = metrics.clone().map(|m| field(m) as u64).collect();
        dict.set_item(format!("{prefix}{name}"), values.into_pyarray(py))?;
    }
    Ok(())
}

/// A grid row index as an integer column: `-1` for none.
pub(crate) fn row_or_none(row: Option<usize>) -> i64 {
    row.map_or(-1, |r| r as i64)
}

/// A vector as a numpy array.
pub(crate) fn array<'py, T: numpy::Element>(
    py: Python<'py>,
    values: Vec<T>,
) -> Bound<'py, PyArray1<T>> {
    values.into_pyarray(py)
}
