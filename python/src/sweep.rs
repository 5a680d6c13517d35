//! Sweeps into numpy-allocated matrices: the outputs are allocated by numpy (zeroed, so large
//! ones come untouched from `calloc`), borrowed mutably, and written in place by the crate's
//! workers through `Sweep::run_into`, with the GIL released. Nothing is copied or
//! concatenated.

use ndarray::ArrayViewMut2;
use numpy::{PyArray2, PyArrayMethods, PyReadwriteArray2};
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rayon::ThreadPool;
use ta_sweep::atr::Atr;
use ta_sweep::{
    supertrend as st, Columns, Dtype, Error, Grid, Indicator, Ma, OutputSpec, Prices, SuperTrend,
    Sweep, SweepBuffers,
};

use crate::errors::{binding_error, OrRaise};
use crate::inputs::{column_range, ma_kind, variant, Matrix, Shard};
use crate::keys::{key_dict, ParamRow};
use crate::pools::pool;

/// One output matrix, allocated by numpy, of the output's element type.
enum Output<'py> {
    F64(Bound<'py, PyArray2<f64>>),
    I8(Bound<'py, PyArray2<i8>>),
    Bool(Bound<'py, PyArray2<bool>>),
}

/// A zeroed (bars, columns) matrix of `T` in Fortran order, or the module's exception if
/// numpy cannot allocate it.
///
/// `numpy.zeros` is called rather than `PyArray2::zeros`, which panics when numpy returns no
/// array: the memory limit admits outputs the machine may still refuse (a limit raised by the
/// caller, memory taken by others), and that is an error to report, not a crash. Both end in
/// the same `PyArray_Zeros`: large outputs come untouched from `calloc`.
fn zeros<'py, T: numpy::Element>(
    py: Python<'py>,
    name: &str,
    shape: [usize; 2],
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", T::get_dtype(py))?;
    kwargs.set_item("order", "F")?;
    let array = py
        .import("numpy")?
        .getattr("zeros")?
        .call(((shape[0], shape[1]),), Some(&kwargs))
        .map_err(|e| {
            if e.is_instance_of::<PyMemoryError>(py) {
                let bytes = shape[0] as u128 * shape[1] as u128 * size_of::<T>() as u128;
                binding_error(format!(
                    "the {name} output ({} bars x {} columns, {bytes} bytes) cannot be \
                     allocated: {e}",
                    shape[0], shape[1]
                ))
            } else {
                e
            }
        })?;
    Ok(array.cast_into::<PyArray2<T>>()?)
}

impl<'py> Output<'py> {
    /// A zeroed (bars, columns) matrix in Fortran order, the layout the crate writes.
    fn zeros(py: Python<'py>, name: &str, dtype: Dtype, shape: [usize; 2]) -> PyResult<Self> {
        Ok(match dtype {
            Dtype::F64 => Output::F64(zeros(py, name, shape)?),
            Dtype::I8 => Output::I8(zeros(py, name, shape)?),
            Dtype::Bool => Output::Bool(zeros(py, name, shape)?),
        })
    }

    fn borrow(&self) -> Borrowed<'py> {
        match self {
            Output::F64(a) => Borrowed::F64(a.readwrite()),
            Output::I8(a) => Borrowed::I8(a.readwrite()),
            Output::Bool(a) => Borrowed::Bool(a.readwrite()),
        }
    }

    fn into_any(self) -> Bound<'py, PyAny> {
        match self {
            Output::F64(a) => a.into_any(),
            Output::I8(a) => a.into_any(),
            Output::Bool(a) => a.into_any(),
        }
    }
}

/// An output borrowed for writing: no other Rust borrow of the array exists meanwhile.
enum Borrowed<'py> {
    F64(PyReadwriteArray2<'py, f64>),
    I8(PyReadwriteArray2<'py, i8>),
    Bool(PyReadwriteArray2<'py, bool>),
}

impl Borrowed<'_> {
    fn view(&mut self) -> View<'_> {
        match self {
            Borrowed::F64(a) => View::F64(a.as_array_mut()),
            Borrowed::I8(a) => View::I8(a.as_array_mut()),
            Borrowed::Bool(a) => View::Bool(a.as_array_mut()),
        }
    }
}

/// A borrowed output as the `ndarray` view the crate writes into.
enum View<'a> {
    F64(ArrayViewMut2<'a, f64>),
    I8(ArrayViewMut2<'a, i8>),
    Bool(ArrayViewMut2<'a, bool>),
}

/// The options every sweep takes.
pub(crate) struct Options<'a> {
    /// The outputs to compute, by name; all if `None`.
    pub(crate) outputs: Option<Vec<String>>,
    /// The pool to run on; rayon's global one if `None`.
    pub(crate) pool: Option<&'a ThreadPool>,
    /// `(index, count)`: compute only that shard of the columns.
    pub(crate) shard: Shard,
    /// The most bytes the outputs and the crate's bookkeeping may take.
    pub(crate) memory_limit: u64,
}

/// Runs `indicator` over `grid` and `prices` into fresh numpy matrices: `{name: array}` of
/// the selected outputs, and the columns computed.
fn run<'py, I>(
    py: Python<'py>,
    indicator: I,
    prices: &Prices<'_>,
    grid: &Grid<I::Params>,
    options: Options<'_>,
) -> PyResult<(Bound<'py, PyDict>, Columns<I::Params>)>
where
    I: Indicator + Send,
{
    // The schema outlives the sweep, which takes the indicator.
    let schema: Vec<OutputSpec> = indicator.outputs().to_vec();
    let names: Vec<String> = match options.outputs {
        Some(names) => names,
        None => schema.iter().map(|s| s.name().to_string()).collect(),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let range = column_range(grid, prices.symbols(), options.shard)?;
    let mut sweep = Sweep::new(indicator, prices, grid)
        .outputs(&names)
        .memory_limit(options.memory_limit);
    if let Some(pool) = options.pool {
        sweep = sweep.pool(pool);
    }
    if let Some(range) = range {
        sweep = sweep.column_range(range);
    }
    // Checks the names (unknown, twice) and the range, and sizes the outputs, before a byte is
    // allocated: `run_into` holds only the bookkeeping to the limit, the outputs being ours.
    let bytes = sweep.output_bytes().or_raise()?;
    let limit = u128::from(options.memory_limit).min(isize::MAX as u128);
    if bytes > limit {
        return Err(Error::OutputTooLarge { bytes, limit }).or_raise();
    }
    let columns = sweep.columns().or_raise()?;
    let shape = [prices.bars(), columns.len()];
    let outputs: Vec<Output<'py>> = names
        .iter()
        .map(|name| {
            // Every name is the schema's: `output_bytes` checked them.
            let spec = schema
                .iter()
                .find(|s| s.name() == *name)
                .ok_or_else(|| binding_error(format!("no output named {name:?}")))?;
            Output::zeros(py, name, spec.dtype(), shape)
        })
        .collect::<PyResult<_>>()?;

    {
        let mut borrowed: Vec<Borrowed<'py>> = outputs.iter().map(Output::borrow).collect();
        let mut views: Vec<View<'_>> = borrowed.iter_mut().map(Borrowed::view).collect();
        let mut buffers = SweepBuffers::new();
        for (name, view) in names.iter().zip(&mut views) {
            buffers = match view {
                View::F64(v) => buffers.with(name, v),
                View::I8(v) => buffers.with(name, v),
                View::Bool(v) => buffers.with(name, v),
            };
        }
        py.detach(move || sweep.run_into(buffers)).or_raise()?;
    }

    let dict = PyDict::new(py);
    for (name, output) in names.iter().zip(outputs) {
        dict.set_item(*name, output.into_any())?;
    }
    Ok((dict, columns))
}

/// What every sweep returns: `({output name: (bars, columns) array}, {key name: array})`.
type SweepResult<'py> = (Bound<'py, PyDict>, Bound<'py, PyDict>);

fn finish<'py, P: ParamRow>(
    py: Python<'py>,
    (outputs, columns): (Bound<'py, PyDict>, Columns<P>),
    names: &[&str],
) -> PyResult<SweepResult<'py>> {
    Ok((outputs, key_dict(py, &columns, names)?))
}

/// SuperTrend over `periods x multipliers` (periods slowest) and every symbol, into numpy
/// matrices allocated here and written in place with the GIL released.
///
/// `high`, `low`, `close`: float64 (bars, symbols) arrays, read in place where each column is
/// contiguous (Fortran order), copied once per column otherwise. Returns `(outputs, keys)`:
/// `{name: (bars, columns) Fortran array}` and `{"period", "multiplier", "symbol": array}`.
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, multipliers, variant_name, outputs, threads, shard, memory_limit))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn supertrend<'py>(
    py: Python<'py>,
    high: Matrix<'py>,
    low: Matrix<'py>,
    close: Matrix<'py>,
    periods: Vec<usize>,
    multipliers: Vec<f64>,
    variant_name: &str,
    outputs: Option<Vec<String>>,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
) -> PyResult<SweepResult<'py>> {
    let indicator = SuperTrend::new(variant(variant_name)?);
    let pool = pool(threads)?;
    let (h, l, c) = (high.as_array(), low.as_array(), close.as_array());
    let prices = Prices::from_arrays(&h, &l, &c).or_raise()?;
    let grid = st::grid(&periods, &multipliers).or_raise()?;
    let options = Options {
        outputs,
        pool: pool.as_deref(),
        shard,
        memory_limit,
    };
    let out = run(py, indicator, &prices, &grid, options)?;
    finish(py, out, &["period", "multiplier"])
}

/// Moving averages of `close` over `windows` (in the given order) and every symbol.
///
/// Returns `(outputs, keys)`: `{"ma": (bars, columns) array}` and `{"window", "symbol"}`.
#[pyfunction]
#[pyo3(signature = (close, windows, ma, outputs, threads, shard, memory_limit))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn ma<'py>(
    py: Python<'py>,
    close: Matrix<'py>,
    windows: Vec<usize>,
    ma: &str,
    outputs: Option<Vec<String>>,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
) -> PyResult<SweepResult<'py>> {
    let indicator = Ma::new(ma_kind(ma)?);
    let pool = pool(threads)?;
    let c = close.as_array();
    let prices = Prices::from_closes(&c);
    let grid = Grid::axis(&["window"], &windows).or_raise()?;
    let options = Options {
        outputs,
        pool: pool.as_deref(),
        shard,
        memory_limit,
    };
    let out = run(py, indicator, &prices, &grid, options)?;
    finish(py, out, &["window"])
}

/// The average true range over `periods` (in the given order) and every symbol, under the
/// variant's rules (SuperTrend's ATR, bit for bit).
///
/// Returns `(outputs, keys)`: `{"atr": (bars, columns) array}` and `{"period", "symbol"}`.
#[pyfunction]
#[pyo3(signature = (high, low, close, periods, variant_name, outputs, threads, shard, memory_limit))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn atr<'py>(
    py: Python<'py>,
    high: Matrix<'py>,
    low: Matrix<'py>,
    close: Matrix<'py>,
    periods: Vec<usize>,
    variant_name: &str,
    outputs: Option<Vec<String>>,
    threads: Option<usize>,
    shard: Shard,
    memory_limit: u64,
) -> PyResult<SweepResult<'py>> {
    let indicator = Atr::new(variant(variant_name)?);
    let pool = pool(threads)?;
    let (h, l, c) = (high.as_array(), low.as_array(), close.as_array());
    let prices = Prices::from_arrays(&h, &l, &c).or_raise()?;
    let grid = Grid::axis(&["period"], &periods).or_raise()?;
    let options = Options {
        outputs,
        pool: pool.as_deref(),
        shard,
        memory_limit,
    };
    let out = run(py, indicator, &prices, &grid, options)?;
    finish(py, out, &["period"])
}

/// The outputs of an indicator (`"supertrend"`, `"ma"`, `"atr"`): `[(name, dtype)]` in
/// schema order, dtype `"float64"`, `"int8"` or `"bool"`.
#[pyfunction]
pub(crate) fn schema(indicator: &str) -> PyResult<Vec<(String, String)>> {
    let specs = match indicator {
        "supertrend" => SuperTrend::default().outputs().to_vec(),
        "ma" => Ma::default().outputs().to_vec(),
        "atr" => Atr::default().outputs().to_vec(),
        other => return Err(binding_error(format!("no indicator named {other:?}"))),
    };
    Ok(specs
        .iter()
        .map(|s| {
            let dtype = match s.dtype() {
                Dtype::F64 => "float64",
                Dtype::I8 => "int8",
                Dtype::Bool => "bool",
            };
            (s.name().to_string(), dtype.to_string())
        })
        .collect())
}

/// The crate's default memory limit of a sweep, in bytes (`ta_sweep::default_memory_limit`,
/// saturated to 64 bits).
#[pyfunction]
pub(crate) fn default_memory_limit() -> u64 {
    u64::try_from(ta_sweep::default_memory_limit()).unwrap_or(u64::MAX)
}
