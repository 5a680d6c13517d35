//! The crate's one error type.

use std::fmt;

/// A specialised `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling into `ta_sweep`.
///
/// Every variant carries the offending values, so a message can say exactly what was wrong.
/// Errors are detected before any computation starts: a function that returns `Err` has not
/// written to any output.
///
/// NaN in price data is *not* an error: it is valid input with the semantics described in the
/// [crate documentation](crate#nan-and-warm-up).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The ATR period was 0. Every period must be at least 1.
    InvalidPeriod {
        /// The period that was passed.
        period: usize,
    },
    /// The band multiplier was NaN, infinite or negative. It must be finite and `>= 0`.
    InvalidMultiplier {
        /// The multiplier that was passed.
        multiplier: f64,
    },
    /// `high`, `low` and `close` do not have the same length.
    LengthMismatch {
        /// Length of the `high` input.
        high: usize,
        /// Length of the `low` input.
        low: usize,
        /// Length of the `close` input.
        close: usize,
    },
    /// An output slice passed to an `_into` function does not have the input's length.
    OutputLength {
        /// Which output was wrong: `"supert"`, `"superd"`, `"superl"`, `"supers"`,
        /// `"true_range"` or `"atr"`.
        output: &'static str,
        /// The length it must have (the number of bars).
        expected: usize,
        /// The length it had.
        actual: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::InvalidPeriod { period } => {
                write!(
                    f,
                    "invalid period {period}: the ATR period must be at least 1"
                )
            }
            Error::InvalidMultiplier { multiplier } => write!(
                f,
                "invalid multiplier {multiplier}: the band multiplier must be finite and >= 0"
            ),
            Error::LengthMismatch { high, low, close } => write!(
                f,
                "input lengths differ: high has {high} bars, low {low}, close {close}"
            ),
            Error::OutputLength {
                output,
                expected,
                actual,
            } => write!(
                f,
                "output `{output}` has length {actual}, but the input has {expected} bars"
            ),
        }
    }
}

impl std::error::Error for Error {}
