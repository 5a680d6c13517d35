//! True range: how far price travelled in one bar, gaps from the previous close included.

use crate::error::Result;
use crate::kernel::{check_input_lengths, check_output_length};

/// The true range of one bar.
///
/// # Formula
/// ```text
/// tr = max(|high - low|, |high - prev_close|, |low - prev_close|)
/// ```
/// The result is NaN if any of the three distances is NaN, in particular when `prev_close` is
/// NaN (the first bar has no previous close, so its true range is always NaN).
///
/// # Example
/// ```
/// use ta_sweep::true_range;
///
/// assert_eq!(true_range(10.0, 9.0, 9.5), 1.0);
/// assert_eq!(true_range(10.0, 9.0, 12.0), 3.0); // gap down from 12
/// assert!(true_range(10.0, 9.0, f64::NAN).is_nan());
/// ```
#[inline]
pub fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let range = (high - low).abs();
    let gap_high = (high - prev_close).abs();
    let gap_low = (low - prev_close).abs();
    // `f64::max` ignores a NaN operand; the definition wants NaN to win instead. Without
    // short-circuits and with plain selects, a loop over bars vectorises.
    let any_nan = range.is_nan() | gap_high.is_nan() | gap_low.is_nan();
    let widest = if range > gap_high { range } else { gap_high };
    let widest = if widest > gap_low { widest } else { gap_low };
    if any_nan {
        f64::NAN
    } else {
        widest
    }
}

/// Writes the true range of every bar into `out`; `out[0]` is always NaN.
///
/// Bar `i` uses `close[i - 1]` as its previous close. See [`true_range`] for the formula.
/// Allocates nothing.
///
/// # Errors
/// - [`Error::LengthMismatch`](crate::Error::LengthMismatch) if `high`, `low` and `close`
///   differ in length.
/// - [`Error::OutputLength`](crate::Error::OutputLength) if `out` does not have that length.
///
/// # Example
/// ```
/// use ta_sweep::true_range_into;
///
/// let (high, low, close) = ([10.0, 11.0, 10.5], [9.0, 10.0, 8.0], [9.5, 10.75, 9.0]);
/// let mut tr = [0.0; 3];
/// true_range_into(&high, &low, &close, &mut tr)?;
/// assert!(tr[0].is_nan());
/// assert_eq!(&tr[1..], &[1.5, 2.75]); // |11 - 9.5|, |8 - 10.75|
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn true_range_into(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) -> Result<()> {
    let bars = check_input_lengths(high, low, close)?;
    check_output_length("true_range", bars, out.len())?;
    true_range_unchecked(high, low, close, out);
    Ok(())
}

/// [`true_range_into`] without the length checks: the slices must all have the same length.
pub(crate) fn true_range_unchecked(high: &[f64], low: &[f64], close: &[f64], out: &mut [f64]) {
    let mut prev_close = f64::NAN;
    for (((tr, &h), &l), &c) in out.iter_mut().zip(high).zip(low).zip(close) {
        *tr = true_range(h, l, prev_close);
        prev_close = c;
    }
}
