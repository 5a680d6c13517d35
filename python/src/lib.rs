//! `ta_sweep._native`: the thin binding of the `ta-sweep` crate that the `ta_sweep` Python
//! package wraps. Every number comes from the crate; this layer only borrows numpy arrays,
//! allocates the outputs with numpy, releases the GIL while the crate works, and turns keys,
//! metrics and reports into dicts of numpy arrays.
//!
//! - [`inputs`]: price matrices, names, shards, costs.
//! - [`sweep`]: SuperTrend, moving averages and ATR into numpy-allocated matrices.
//! - [`backtest`]: the fused backtest and its rolling windows.
//! - [`validation`]: DSR, PBO and walk-forward.
//! - [`errors`]: the module's exception, `ta_sweep.Error`.
//! - [`pools`]: thread pools by size; [`keys`]: keys and metrics as arrays.

#![deny(unsafe_code)]

mod backtest;
mod errors;
mod inputs;
mod keys;
mod pools;
mod sweep;
mod validation;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add("MAX_THREADS", pools::MAX_THREADS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(sweep::supertrend, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::ma, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::atr, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::schema, m)?)?;
    m.add_function(wrap_pyfunction!(sweep::default_memory_limit, m)?)?;
    m.add_function(wrap_pyfunction!(backtest::backtest_supertrend, m)?)?;
    m.add_function(wrap_pyfunction!(backtest::backtest_ma_crossover, m)?)?;
    m.add_function(wrap_pyfunction!(backtest::backtest_supertrend_rolling, m)?)?;
    m.add_function(wrap_pyfunction!(
        backtest::backtest_ma_crossover_rolling,
        m
    )?)?;
    m.add_function(wrap_pyfunction!(validation::validate_supertrend, m)?)?;
    m.add_function(wrap_pyfunction!(validation::validate_ma_crossover, m)?)?;
    m.add_function(wrap_pyfunction!(inputs::shard, m)?)?;
    m.add_function(wrap_pyfunction!(inputs::_borrows_input, m)?)?;
    Ok(())
}
