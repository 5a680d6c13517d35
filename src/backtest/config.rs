//! What a backtest charges and how it annualises: validated once, so the per-column engine
//! never checks a parameter.

use std::time::Duration;

use crate::error::{Error, Result};

/// vectorbt's `returns.year_freq`: a year is 365 days, whatever the calendar or trading days.
const YEAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The costs and conventions of a backtest: proportional fees, initial cash and the
/// annualisation factor of the Sharpe ratio.
///
/// The defaults are the reference pipeline's (`docs/PIPELINE.md`, vectorbt's
/// `Portfolio.from_signals` with `fees=0.001`): fees 0.001 (0.1 % of every order's value),
/// initial cash 100.0, and an annualisation factor of 365.0 (daily bars). For other bar
/// intervals use [`with_bar_interval`](BacktestConfig::with_bar_interval).
///
/// # Example
/// ```
/// use std::time::Duration;
/// use ta_sweep::BacktestConfig;
///
/// let daily = BacktestConfig::default();
/// assert_eq!((daily.fees(), daily.init_cash(), daily.annualisation()), (0.001, 100.0, 365.0));
///
/// let hourly = BacktestConfig::default()
///     .with_bar_interval(Duration::from_secs(3600))?
///     .with_fees(0.0005)?;
/// assert_eq!(hourly.annualisation(), 8760.0);
/// assert!(BacktestConfig::default().with_fees(1.0).is_err());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestConfig {
    fees: f64,
    init_cash: f64,
    annualisation: f64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        BacktestConfig {
            fees: 0.001,
            init_cash: 100.0,
            annualisation: 365.0,
        }
    }
}

impl BacktestConfig {
    /// A configuration with every value given.
    ///
    /// # Errors
    /// As [`with_fees`](BacktestConfig::with_fees),
    /// [`with_init_cash`](BacktestConfig::with_init_cash) and
    /// [`with_annualisation`](BacktestConfig::with_annualisation).
    pub fn new(fees: f64, init_cash: f64, annualisation: f64) -> Result<Self> {
        BacktestConfig::default()
            .with_fees(fees)?
            .with_init_cash(init_cash)?
            .with_annualisation(annualisation)
    }

    /// Proportional fees: the fraction of every order's value paid as a fee.
    ///
    /// # Errors
    /// [`Error::InvalidFees`] unless `fees` is finite and in `[0, 1)`.
    pub fn with_fees(mut self, fees: f64) -> Result<Self> {
        if !(fees.is_finite() && (0.0..1.0).contains(&fees)) {
            return Err(Error::InvalidFees { fees });
        }
        self.fees = fees;
        Ok(self)
    }

    /// The cash every column starts with.
    ///
    /// # Errors
    /// [`Error::InvalidInitCash`] unless `init_cash` is finite and `> 0`.
    pub fn with_init_cash(mut self, init_cash: f64) -> Result<Self> {
        if !(init_cash.is_finite() && init_cash > 0.0) {
            return Err(Error::InvalidInitCash { init_cash });
        }
        self.init_cash = init_cash;
        Ok(self)
    }

    /// The number of bars per year, `A` in `sharpe = mean / std * sqrt(A)`.
    ///
    /// # Errors
    /// [`Error::InvalidAnnualisation`] unless `annualisation` is finite and `> 0`.
    pub fn with_annualisation(mut self, annualisation: f64) -> Result<Self> {
        if !(annualisation.is_finite() && annualisation > 0.0) {
            return Err(Error::InvalidAnnualisation { annualisation });
        }
        self.annualisation = annualisation;
        Ok(self)
    }

    /// The annualisation of bars of `interval`: [`annualisation_from_interval`].
    ///
    /// # Errors
    /// [`Error::InvalidBarInterval`] if `interval` is zero.
    pub fn with_bar_interval(self, interval: Duration) -> Result<Self> {
        self.with_annualisation(annualisation_from_interval(interval)?)
    }

    /// The proportional fees.
    pub fn fees(&self) -> f64 {
        self.fees
    }

    /// The initial cash.
    pub fn init_cash(&self) -> f64 {
        self.init_cash
    }

    /// The annualisation factor (bars per year).
    pub fn annualisation(&self) -> f64 {
        self.annualisation
    }
}

/// The number of bars of `interval` in a 365-day year, as vectorbt computes it
/// (`pd.Timedelta('365 days') / freq`): the year's nanoseconds divided by the interval's, each
/// as the nearest `f64`.
///
/// So `1h` gives exactly 8760.0, `1D` 365.0 and `30D` 12.1666...; trading days and calendars
/// play no part.
///
/// # Errors
/// [`Error::InvalidBarInterval`] if `interval` is zero.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use ta_sweep::annualisation_from_interval;
///
/// assert_eq!(annualisation_from_interval(Duration::from_secs(3600))?, 8760.0);
/// assert_eq!(annualisation_from_interval(Duration::from_secs(86_400))?, 365.0);
/// assert_eq!(annualisation_from_interval(Duration::from_secs(30 * 86_400))?, 365.0 / 30.0);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn annualisation_from_interval(interval: Duration) -> Result<f64> {
    if interval.is_zero() {
        return Err(Error::InvalidBarInterval { interval });
    }
    // pandas divides the two int64 nanosecond counts as floats.
    Ok(YEAR.as_nanos() as f64 / interval.as_nanos() as f64)
}
