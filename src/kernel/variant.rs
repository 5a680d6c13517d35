//! Which definition of SuperTrend to compute: the default, or one that matches TradingView or
//! TA-Lib to the last bit.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::kernel::true_range::{true_range, true_range_unchecked};

/// A definition of SuperTrend. Every kernel, streaming state, sweep and reduction takes one
/// (through [`SuperTrendParams::with_variant`](crate::SuperTrendParams::with_variant) or
/// [`SuperTrend::new`](crate::SuperTrend::new)); the default is [`Variant::Vectorbt`].
///
/// How the three definitions differ is tabled in the [crate docs](crate#variants). Everything
/// else is shared: the four outputs, `+1` = up, the basic bands
/// `(high + low) / 2 ± multiplier * atr`, NaN comparisons being false, no error for NaN data.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, SuperTrendParams, Variant};
///
/// let high = [10.0, 10.5, 10.4, 10.9, 11.2];
/// let low = [9.0, 9.6, 9.7, 10.1, 10.4];
/// let close = [9.5, 10.2, 10.0, 10.8, 11.0];
/// let params = SuperTrendParams::new(2, 3.0)?.with_variant(Variant::TradingView);
/// let st = supertrend(&high, &low, &close, params)?;
/// assert_eq!(st.superd[0], -1); // TradingView starts down
/// assert!(!st.supert[1].is_nan()); // and has its first value at bar period - 1
/// assert_eq!("talib".parse::<Variant>()?, Variant::TaLib);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Variant {
    /// The one-pass SuperTrend of the vectorbt "SuperFast SuperTrend" tutorial with pandas'
    /// Wilder ATR: the crate's reference definition.
    #[default]
    Vectorbt,
    /// TradingView Pine's `ta.supertrend(factor, atrPeriod)`.
    TradingView,
    /// TA-Lib's `SUPERTREND` (TA-Lib 0.8 and later).
    TaLib,
}

impl Variant {
    /// All variants, the default first.
    pub const ALL: [Variant; 3] = [Variant::Vectorbt, Variant::TradingView, Variant::TaLib];

    /// The variant's name as [`FromStr`] reads it: `"vectorbt"`, `"tradingview"` or `"talib"`.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Vectorbt => "vectorbt",
            Variant::TradingView => "tradingview",
            Variant::TaLib => "talib",
        }
    }

    /// The true range of one bar under this variant's rules (see the table above).
    ///
    /// # Example
    /// ```
    /// use ta_sweep::Variant;
    ///
    /// // Bar 0 has no previous close:
    /// assert!(Variant::Vectorbt.true_range(10.0, 9.0, f64::NAN).is_nan());
    /// assert_eq!(Variant::TradingView.true_range(10.0, 9.0, f64::NAN), 1.0);
    /// assert!(Variant::TaLib.true_range(10.0, 9.0, f64::NAN).is_nan());
    /// ```
    #[inline]
    pub fn true_range(self, high: f64, low: f64, prev_close: f64) -> f64 {
        match self {
            Variant::Vectorbt => true_range(high, low, prev_close),
            Variant::TradingView => tradingview_true_range(high, low, prev_close),
            Variant::TaLib => talib_true_range(high, low, prev_close),
        }
    }

    /// The direction before the first ATR, and on the seed bar: Pine seeds "down".
    pub(crate) fn seed_direction(self) -> i8 {
        match self {
            Variant::TradingView => -1,
            Variant::Vectorbt | Variant::TaLib => 1,
        }
    }
}

/// The true range of every bar under `variant`, with no previous close at bar 0.
///
/// One loop per variant, each with its formula inlined: a match per bar would keep the
/// default's loop from vectorising.
pub(crate) fn true_range_series(
    variant: Variant,
    high: &[f64],
    low: &[f64],
    close: &[f64],
) -> Vec<f64> {
    fn each(
        high: &[f64],
        low: &[f64],
        close: &[f64],
        true_range: impl Fn(f64, f64, f64) -> f64,
    ) -> Vec<f64> {
        let prev_closes = std::iter::once(f64::NAN).chain(close.iter().copied());
        high.iter()
            .zip(low)
            .zip(prev_closes)
            .map(|((&h, &l), pc)| true_range(h, l, pc))
            .collect()
    }
    match variant {
        Variant::Vectorbt => {
            let mut out = vec![0.0; high.len()];
            true_range_unchecked(high, low, close, &mut out);
            out
        }
        Variant::TradingView => each(high, low, close, tradingview_true_range),
        Variant::TaLib => each(high, low, close, talib_true_range),
    }
}

/// Pine's `ta.tr(true)`: the bar's range, widened by the gaps from a previous close that exists.
/// NaN high or low makes the range NaN, and no comparison can replace it.
#[inline]
fn tradingview_true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut tr = high - low;
    if !prev_close.is_nan() {
        let gap = (high - prev_close).abs();
        if gap > tr {
            tr = gap;
        }
        let gap = (low - prev_close).abs();
        if gap > tr {
            tr = gap;
        }
    }
    tr
}

/// TA-Lib's true range, in its order of comparisons: NaN without a previous close.
#[inline]
fn talib_true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    if high.is_nan() | low.is_nan() | prev_close.is_nan() {
        return f64::NAN;
    }
    let mut tr = high - low;
    let gap = (prev_close - high).abs();
    if gap > tr {
        tr = gap;
    }
    let gap = (prev_close - low).abs();
    if gap > tr {
        tr = gap;
    }
    tr
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = Error;

    /// Reads a [name](Variant::name), ignoring ASCII case.
    fn from_str(name: &str) -> Result<Self, Error> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::UnknownVariant {
                name: name.to_string(),
            })
    }
}
