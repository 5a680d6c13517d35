//! Validated SuperTrend parameters.

use crate::error::{Error, Result};

/// A validated (period, multiplier) pair for one SuperTrend series.
///
/// Construct it with [`SuperTrendParams::new`]; once it exists, every kernel that takes it is
/// infallible with respect to the parameters.
///
/// # Example
/// ```
/// use ta_sweep::SuperTrendParams;
///
/// let params = SuperTrendParams::new(7, 3.0)?;
/// assert_eq!(params.period(), 7);
/// assert_eq!(params.multiplier(), 3.0);
/// assert!(SuperTrendParams::new(0, 3.0).is_err());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuperTrendParams {
    period: usize,
    multiplier: f64,
}

impl SuperTrendParams {
    /// Checks and bundles an ATR period and a band multiplier.
    ///
    /// # Errors
    /// - [`Error::InvalidPeriod`] if `period` is 0.
    /// - [`Error::InvalidMultiplier`] if `multiplier` is NaN, infinite or negative. `0.0` (and
    ///   `-0.0`) are valid: the bands then collapse onto the bar's midpoint.
    pub fn new(period: usize, multiplier: f64) -> Result<Self> {
        validate_period(period)?;
        validate_multiplier(multiplier)?;
        Ok(SuperTrendParams { period, multiplier })
    }

    /// The ATR period (at least 1).
    pub fn period(&self) -> usize {
        self.period
    }

    /// The band multiplier (finite and `>= 0`).
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }
}

/// Accepts every period of at least 1.
pub(crate) fn validate_period(period: usize) -> Result<()> {
    if period == 0 {
        return Err(Error::InvalidPeriod { period });
    }
    Ok(())
}

/// Accepts finite multipliers `>= 0` (so `-0.0` too, which compares equal to `0.0`).
pub(crate) fn validate_multiplier(multiplier: f64) -> Result<()> {
    if !(multiplier.is_finite() && multiplier >= 0.0) {
        return Err(Error::InvalidMultiplier { multiplier });
    }
    Ok(())
}
