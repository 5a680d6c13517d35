//! Wilder's average true range, with pandas `ewm(adjust=False)` semantics.

use crate::error::{Error, Result};
use crate::kernel::check_output_length;
use crate::kernel::variant::Variant;

/// Accepts every period of at least 1.
pub(crate) fn validate_period(period: usize) -> Result<()> {
    if period == 0 {
        return Err(Error::InvalidPeriod { period });
    }
    Ok(())
}

/// Streaming state of Wilder's ATR: feed it one true range per bar.
///
/// # Formula
/// Wilder's smoothing is an exponential moving average with `alpha = 1 / period`. This type
/// reproduces, bit for bit, pandas'
/// `tr.ewm(alpha=1/period, adjust=False, min_periods=period, ignore_na=False).mean()`:
///
/// ```text
/// state: avg = NaN, old_wt = 1, nobs = 0
/// each bar:  if tr is not NaN: nobs += 1
///            if avg is not NaN:
///                old_wt *= 1 - alpha
///                if tr is not NaN:
///                    if avg != tr: avg = (old_wt*avg + alpha*tr) / (old_wt + alpha)
///                    old_wt = 1
///            else if tr is not NaN: avg = tr          (the seed is the first true range)
///            atr = avg if nobs >= period else NaN
/// ```
///
/// # NaN and warm-up
/// The ATR is NaN until `period` non-NaN true ranges have been seen. With clean prices the first
/// true range is NaN (no previous close), so the first ATR is at bar `period`. A NaN true range
/// does not reset the average: it decays `old_wt`, which gives the next observation more weight.
///
/// # Example
/// ```
/// use ta_sweep::WilderAtr;
///
/// let mut atr = WilderAtr::new(2)?;
/// assert!(atr.update(f64::NAN).is_nan()); // bar 0: no true range yet
/// assert!(atr.update(1.0).is_nan());      // 1 observation < period
/// assert_eq!(atr.update(2.0), 1.5);       // (0.5*1 + 0.5*2) / (0.5 + 0.5)
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WilderAtr {
    period: usize,
    alpha: f64,
    /// `1 - alpha`, rounded once; the same bits as computing it every bar.
    decay: f64,
    /// Whether `decay + alpha == 1.0` exactly (true for every period tried, 1 to 2000).
    /// Then a bar observed right after an observed bar divides by exactly 1.0, which is the
    /// identity on every double, so the division can be skipped without changing a bit.
    unit_denominator: bool,
    average: f64,
    old_weight: f64,
    observations: usize,
}

impl WilderAtr {
    /// A fresh ATR state for `period`.
    ///
    /// # Errors
    /// [`Error::InvalidPeriod`](crate::Error::InvalidPeriod) if `period` is 0.
    pub fn new(period: usize) -> Result<Self> {
        validate_period(period)?;
        Ok(Self::with_valid_period(period))
    }

    /// [`WilderAtr::new`] for a period already known to be at least 1.
    pub(crate) fn with_valid_period(period: usize) -> Self {
        // Exactly `1 / period`: pandas derives alpha through `com` and lands one ulp off for
        // some periods (6, 19, ...); the reference semantics use the plain quotient.
        let alpha = 1.0 / period as f64;
        let decay = 1.0 - alpha;
        WilderAtr {
            period,
            alpha,
            decay,
            unit_denominator: decay + alpha == 1.0,
            average: f64::NAN,
            old_weight: 1.0,
            observations: 0,
        }
    }

    /// Feeds one bar's true range (NaN for a missing bar) and returns that bar's ATR.
    #[inline]
    pub fn update(&mut self, true_range: f64) -> f64 {
        let observed = !true_range.is_nan();
        if observed {
            self.observations = self.observations.saturating_add(1);
        }
        if !self.average.is_nan() {
            // After an observed bar `old_weight` is exactly 1, so the decayed weight is
            // exactly `decay` and the denominator is `decay + alpha`.
            let unit_denominator = self.unit_denominator && self.old_weight == 1.0;
            self.old_weight *= self.decay;
            if observed {
                // The guard keeps a constant series exactly constant: without it the
                // weighted mean of two equal values can drift in the last bit.
                if self.average != true_range {
                    let weighted = self.old_weight * self.average + self.alpha * true_range;
                    // Dividing by exactly 1.0 is the identity; skipping it takes the division
                    // off the loop-carried dependency chain (about 20 cycles per bar -> 6).
                    self.average = if unit_denominator {
                        weighted
                    } else {
                        weighted / (self.old_weight + self.alpha)
                    };
                }
                self.old_weight = 1.0;
            }
        } else if observed {
            self.average = true_range;
        }
        self.value()
    }

    /// The ATR after the last update: NaN until `period` true ranges have been observed.
    #[inline]
    pub fn value(&self) -> f64 {
        if self.observations >= self.period {
            self.average
        } else {
            f64::NAN
        }
    }

    /// The period this state smooths over.
    pub fn period(&self) -> usize {
        self.period
    }
}

/// Writes Wilder's ATR of the true-range series `tr` into `out`.
///
/// The semantics, warm-up and NaN handling are those of [`WilderAtr`], applied bar by bar.
/// Allocates nothing.
///
/// # Errors
/// - [`Error::InvalidPeriod`](crate::Error::InvalidPeriod) if `period` is 0.
/// - [`Error::OutputLength`](crate::Error::OutputLength) if `out.len() != tr.len()`.
///
/// # Example
/// ```
/// use ta_sweep::wilder_atr_into;
///
/// let tr = [f64::NAN, 1.0, 2.0, 2.0];
/// let mut atr = [0.0; 4];
/// wilder_atr_into(&tr, 2, &mut atr)?;
/// assert!(atr[0].is_nan() && atr[1].is_nan());
/// assert_eq!(&atr[2..], &[1.5, 1.75]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn wilder_atr_into(tr: &[f64], period: usize, out: &mut [f64]) -> Result<()> {
    validate_period(period)?;
    check_output_length("atr", tr.len(), out.len())?;
    wilder_atr_unchecked(tr, period, out);
    Ok(())
}

/// [`wilder_atr_into`] without the checks: `period >= 1` and `out.len() == tr.len()`.
/// Returns the state after the last bar.
pub(crate) fn wilder_atr_unchecked(tr: &[f64], period: usize, out: &mut [f64]) -> WilderAtr {
    let mut atr = WilderAtr::with_valid_period(period);
    for (value, &range) in out.iter_mut().zip(tr) {
        *value = atr.update(range);
    }
    atr
}

/// The ATR of the TradingView and TA-Lib variants: seeded with the mean of the first `period`
/// true ranges, then smoothed with weight `1 / period` per new true range.
///
/// A NaN true range is skipped: it is not counted and changes nothing, so after the seed the
/// ATR carries its value over gaps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeededAtr {
    period: usize,
    step: SeededStep,
    count: usize,
    sum: f64,
    value: f64,
}

/// How a seeded ATR takes in a new true range.
#[derive(Debug, Clone, Copy)]
enum SeededStep {
    /// Pine's `ta.rma`: `a*tr + b*atr`, each product rounded, `a = 1/p`, `b = 1 - a`.
    Rma { a: f64, b: f64 },
    /// TA-Lib 0.8: `fma(atr, k, tr*omk)`, one rounding for the multiply-add,
    /// `k = (p-1)/p`, `omk = 1 - k`.
    Fused { k: f64, omk: f64 },
}

impl SeededAtr {
    /// Pine's `ta.atr`, for a period of at least 1.
    pub(crate) fn tradingview(period: usize) -> Self {
        let a = 1.0 / period as f64;
        Self::with_step(period, SeededStep::Rma { a, b: 1.0 - a })
    }

    /// TA-Lib 0.8's ATR, for a period of at least 1 (TA-Lib itself starts at 2; period 1 gives
    /// `k = 0`, so the ATR is the true range).
    pub(crate) fn talib(period: usize) -> Self {
        let k = (period - 1) as f64 / period as f64;
        Self::with_step(period, SeededStep::Fused { k, omk: 1.0 - k })
    }

    fn with_step(period: usize, step: SeededStep) -> Self {
        SeededAtr {
            period,
            step,
            count: 0,
            sum: 0.0,
            value: f64::NAN,
        }
    }

    /// Feeds one bar's true range; returns that bar's ATR (NaN before the seed) and whether
    /// this bar is the seed bar, the first with an ATR.
    #[inline]
    pub(crate) fn update(&mut self, true_range: f64) -> (f64, bool) {
        if true_range.is_nan() {
            return (self.value, false);
        }
        if self.count < self.period {
            self.sum += true_range;
            self.count += 1;
            if self.count < self.period {
                return (f64::NAN, false);
            }
            self.value = self.sum / self.period as f64;
            return (self.value, true);
        }
        self.value = match self.step {
            SeededStep::Rma { a, b } => a * true_range + b * self.value,
            // `mul_add` is one rounding whatever the CPU; callers that run many bars compile
            // this loop with FMA enabled where the CPU has it, so it is one instruction.
            SeededStep::Fused { k, omk } => self.value.mul_add(k, true_range * omk),
        };
        (self.value, false)
    }

    /// The ATR after the last update: NaN before the seed.
    pub(crate) fn value(&self) -> f64 {
        self.value
    }
}

/// The ATR half of the SuperTrend recursion, as the variant defines it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AtrState {
    /// The default variant's: pandas' `ewm`.
    Wilder(WilderAtr),
    /// TradingView's and TA-Lib's: seeded with a mean.
    Seeded(SeededAtr),
}

impl AtrState {
    /// A fresh ATR state of `period` (at least 1) under `variant`.
    pub(crate) fn new(period: usize, variant: Variant) -> Self {
        match variant {
            Variant::Vectorbt => AtrState::Wilder(WilderAtr::with_valid_period(period)),
            Variant::TradingView => AtrState::Seeded(SeededAtr::tradingview(period)),
            Variant::TaLib => AtrState::Seeded(SeededAtr::talib(period)),
        }
    }

    /// The ATR after the last update.
    pub(crate) fn value(&self) -> f64 {
        match self {
            AtrState::Wilder(atr) => atr.value(),
            AtrState::Seeded(atr) => atr.value(),
        }
    }

    /// Feeds one bar's true range; returns its ATR and whether it is a seeded ATR's seed bar.
    #[inline]
    pub(crate) fn update(&mut self, true_range: f64) -> (f64, bool) {
        match self {
            AtrState::Wilder(atr) => (atr.update(true_range), false),
            AtrState::Seeded(atr) => atr.update(true_range),
        }
    }
}
