//! The band half of SuperTrend: the basic bands around the midpoint, the ratchet and the
//! direction, one bar at a time, and over a precomputed midpoint and ATR.

use crate::error::Result;
use crate::kernel::check_output_length;

/// The four SuperTrend outputs of one bar.
///
/// The outputs are those of [`supertrend`](crate::supertrend()): the line, the direction, the long
/// band and the short band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuperTrendBar {
    /// The SuperTrend line: `superl` in an uptrend, `supers` in a downtrend.
    pub supert: f64,
    /// The direction: `+1` up, `-1` down (`+1` during warm-up).
    pub superd: i8,
    /// The long (lower) band if the direction is up, else NaN.
    pub superl: f64,
    /// The short (upper) band if the direction is down, else NaN.
    pub supers: f64,
}

/// The band half of the recursion: the final bands and direction carried from bar to bar.
///
/// Starting from NaN bands and the seed direction makes bar 0 need no special case: its ATR is
/// NaN (before any seed), so no comparison succeeds, the direction is kept, and the NaN bands
/// become the carried ones, which is exactly what every definition asks of bar 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandState {
    pub(crate) multiplier: f64,
    pub(crate) upper: f64,
    pub(crate) lower: f64,
    pub(crate) direction: i8,
}

impl BandState {
    pub(crate) fn new(multiplier: f64) -> Self {
        Self::with_direction(multiplier, 1)
    }

    /// Before the first bar, heading in a variant's seed direction.
    pub(crate) fn with_direction(multiplier: f64, direction: i8) -> Self {
        BandState {
            multiplier,
            upper: f64::NAN,
            lower: f64::NAN,
            direction,
        }
    }

    /// The state of a lane of the vectorised recursion, which carries the same three values.
    pub(crate) fn from_lane(multiplier: f64, upper: f64, lower: f64, up: bool) -> Self {
        BandState {
            multiplier,
            upper,
            lower,
            direction: if up { 1 } else { -1 },
        }
    }

    /// Advances one bar, given that bar's [`midpoint`], close and ATR.
    #[inline]
    pub(crate) fn update(&mut self, mid: f64, close: f64, atr: f64) -> SuperTrendBar {
        let upper = mid + self.multiplier * atr;
        let lower = mid - self.multiplier * atr;
        // Comparisons with NaN are false: over warm-up and NaN bars the direction is carried
        // and nothing ratchets. Written with non-short-circuit `&`/`|` and selects: which way
        // each test goes is data-dependent and close to random, so branches would mispredict.
        let flip_up = close > self.upper;
        let flip_down = !flip_up & (close < self.lower);
        let carried = !(flip_up | flip_down);
        let was_up = self.direction > 0;
        // Only the active band ratchets, and never on the bar of a flip.
        let lower = select(carried & was_up & (lower < self.lower), self.lower, lower);
        let upper = select(carried & !was_up & (upper > self.upper), self.upper, upper);
        let up = flip_up | (carried & was_up);
        self.set(upper, lower, up)
    }

    /// Advances one bar under the TradingView and TA-Lib rules: both bands ratchet every bar
    /// unless the previous close broke them, then the close is compared with the current bands;
    /// on the seed bar (the first with an ATR) the bands are the basic ones and nothing flips.
    #[inline]
    pub(crate) fn update_gated(
        &mut self,
        mid: f64,
        close: f64,
        prev_close: f64,
        atr: f64,
        seed: bool,
    ) -> SuperTrendBar {
        let basic_upper = mid + self.multiplier * atr;
        let basic_lower = mid - self.multiplier * atr;
        // A band keeps its previous value unless the basic band moved toward the price or the
        // previous close broke it; NaN anywhere fails the test, so a NaN band is never carried.
        // On the seed bar the previous bands are NaN, so these give the basic bands.
        let keep_upper = (basic_upper >= self.upper) & (prev_close <= self.upper);
        let keep_lower = (basic_lower <= self.lower) & (prev_close >= self.lower);
        let upper = select(keep_upper, self.upper, basic_upper);
        let lower = select(keep_lower, self.lower, basic_lower);
        let was_up = self.direction > 0;
        let flip_down = !seed & was_up & (close < lower);
        let flip_up = !seed & !was_up & (close > upper);
        let up = (was_up & !flip_down) | flip_up;
        self.set(upper, lower, up)
    }

    /// Carries the bar's final bands and direction to the next bar, and returns its outputs.
    #[inline]
    fn set(&mut self, upper: f64, lower: f64, up: bool) -> SuperTrendBar {
        self.upper = upper;
        self.lower = lower;
        self.direction = if up { 1 } else { -1 };
        SuperTrendBar {
            supert: select(up, lower, upper),
            superd: self.direction,
            superl: select(up, lower, f64::NAN),
            supers: select(up, f64::NAN, upper),
        }
    }
}

/// The middle of the bar, `(high + low) / 2`, around which the bands are placed. It depends
/// only on the prices, so a sweep computes it once per symbol.
#[inline]
pub(crate) fn midpoint(high: f64, low: f64) -> f64 {
    (high + low) / 2.0
}

/// `if condition { a } else { b }`, as a name that says a select is meant, not control flow.
#[inline(always)]
fn select(condition: bool, a: f64, b: f64) -> f64 {
    if condition {
        a
    } else {
        b
    }
}

/// Output columns of one series, each optional: a sweep may compute only some outputs.
#[derive(Debug, Default)]
pub(crate) struct BandColumns<'a> {
    pub(crate) supert: Option<&'a mut [f64]>,
    pub(crate) superd: Option<&'a mut [i8]>,
    pub(crate) superl: Option<&'a mut [f64]>,
    pub(crate) supers: Option<&'a mut [f64]>,
}

impl BandColumns<'_> {
    /// Writes bar `i`'s selected outputs.
    #[inline]
    fn set(&mut self, i: usize, bar: SuperTrendBar) {
        if let Some(o) = self.supert.as_deref_mut() {
            o[i] = bar.supert;
        }
        if let Some(o) = self.superd.as_deref_mut() {
            o[i] = bar.superd;
        }
        if let Some(o) = self.superl.as_deref_mut() {
            o[i] = bar.superl;
        }
        if let Some(o) = self.supers.as_deref_mut() {
            o[i] = bar.supers;
        }
    }
}

/// The band recursion of one multiplier over a precomputed midpoint and ATR, writing the
/// selected outputs; returns the final band state. All slices have the same length.
///
/// Splitting the midpoint and ATR off lets every multiplier of a period share them; the
/// arithmetic is that of [`SuperTrendState::update`](crate::SuperTrendState::update), so the results are the same bits. This
/// scalar form is the reference the vectorised lanes are tested against.
pub(crate) fn bands_into(
    mid: &[f64],
    close: &[f64],
    atr: &[f64],
    multiplier: f64,
    out: &mut BandColumns<'_>,
) -> BandState {
    let mut bands = BandState::new(multiplier);
    for i in 0..close.len() {
        out.set(i, bands.update(mid[i], close[i], atr[i]));
    }
    bands
}

/// [`bands_into`] under the TradingView and TA-Lib rules ([`BandState::update_gated`]):
/// `seed` is the seed bar, the first with an ATR (if any), and `direction` the variant's seed
/// direction.
pub(crate) fn bands_gated_into(
    mid: &[f64],
    close: &[f64],
    atr: &[f64],
    seed: Option<usize>,
    multiplier: f64,
    direction: i8,
    out: &mut BandColumns<'_>,
) -> BandState {
    let mut bands = BandState::with_direction(multiplier, direction);
    let mut prev_close = f64::NAN;
    for i in 0..close.len() {
        let bar = bands.update_gated(mid[i], close[i], prev_close, atr[i], seed == Some(i));
        out.set(i, bar);
        prev_close = close[i];
    }
    bands
}

/// Caller-owned output slices for [`supertrend_into`](crate::supertrend_into) and
/// [`SuperTrendState::run_into`](crate::SuperTrendState::run_into).
///
/// All four must have the input's length.
#[derive(Debug)]
pub struct SuperTrendSlices<'a> {
    /// Receives the SuperTrend line.
    pub supert: &'a mut [f64],
    /// Receives the direction.
    pub superd: &'a mut [i8],
    /// Receives the long band.
    pub superl: &'a mut [f64],
    /// Receives the short band.
    pub supers: &'a mut [f64],
}

impl SuperTrendSlices<'_> {
    /// Writes one bar's outputs at index `i`.
    #[inline]
    pub(crate) fn set(&mut self, i: usize, bar: SuperTrendBar) {
        self.supert[i] = bar.supert;
        self.superd[i] = bar.superd;
        self.superl[i] = bar.superl;
        self.supers[i] = bar.supers;
    }

    pub(crate) fn check_len(&self, bars: usize) -> Result<()> {
        check_output_length("supert", bars, self.supert.len())?;
        check_output_length("superd", bars, self.superd.len())?;
        check_output_length("superl", bars, self.superl.len())?;
        check_output_length("supers", bars, self.supers.len())
    }
}
