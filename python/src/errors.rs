//! The one exception of the module, and the conversions of every failure into it.

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

create_exception!(
    _native,
    Error,
    PyValueError,
    "Everything that can go wrong in ta_sweep: bad parameters, shapes, names, shards. The \
     message is the Rust crate's, with the offending values. A subclass of ValueError."
);

/// A crate error as the module's exception, with the crate's message.
pub(crate) fn crate_error(error: ta_sweep::Error) -> PyErr {
    Error::new_err(error.to_string())
}

/// A failure the binding detects itself (a thread count, a negative interval), as the
/// module's exception.
pub(crate) fn binding_error(message: impl Into<String>) -> PyErr {
    Error::new_err(message.into())
}

/// `?` on a crate result inside a Python function.
pub(crate) trait OrRaise<T> {
    /// The value, or the crate's error as the module's exception.
    fn or_raise(self) -> pyo3::PyResult<T>;
}

impl<T> OrRaise<T> for ta_sweep::Result<T> {
    fn or_raise(self) -> pyo3::PyResult<T> {
        self.map_err(crate_error)
    }
}
