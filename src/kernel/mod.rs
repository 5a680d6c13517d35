//! The arithmetic of one series: true range, Wilder's ATR, SuperTrend.
//!
//! Nothing here knows about threads, grids or `ndarray`; the `_into` forms never allocate.

pub(crate) mod atr;
pub(crate) mod supertrend;
pub(crate) mod true_range;

use crate::error::{Error, Result};

/// Returns the common length of the three price series.
pub(crate) fn check_input_lengths(high: &[f64], low: &[f64], close: &[f64]) -> Result<usize> {
    let bars = high.len();
    if low.len() != bars || close.len() != bars {
        return Err(Error::LengthMismatch {
            high: bars,
            low: low.len(),
            close: close.len(),
        });
    }
    Ok(bars)
}

pub(crate) fn check_output_length(
    output: &'static str,
    expected: usize,
    actual: usize,
) -> Result<()> {
    if actual != expected {
        return Err(Error::OutputLength {
            output,
            expected,
            actual,
        });
    }
    Ok(())
}
