//! The arithmetic of one series: true range, Wilder's ATR, SuperTrend's bands, moving
//! averages, crossovers.
//!
//! Nothing here knows about threads, grids or `ndarray`; the `_into` forms never allocate.

pub(crate) mod atr;
pub(crate) mod bands;
// One feature dispatch: the crossings' comparisons compiled with AVX2. Measured gain: 0.33
// against 1.67 ns per bar (5x).
#[allow(unsafe_code)]
pub(crate) mod cross;
// AVX2 intrinsics for the sweep's band recursion. Measured gain: the tutorial grid reduced
// on one thread takes 19.7 ms with them, 47.5 ms with the scalar fallback (2.4x).
#[allow(unsafe_code)]
pub(crate) mod lanes;
// Feature dispatch: the simple averages' divisions compiled with AVX2 or AVX-512.
#[allow(unsafe_code)]
pub(crate) mod ma;
// AVX2 intrinsics for one series, the band step beside the ATR chain. Measured gain:
// 4.3 ns per bar against 8.1 for the scalar loop (`benches/kernel.rs`, 1.9x).
#[allow(unsafe_code)]
pub(crate) mod series;
pub(crate) mod supertrend;
pub(crate) mod true_range;
pub(crate) mod variant;

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
