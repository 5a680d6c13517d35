//! SuperTrend: final bands, direction and the ratchet, batch and streaming.

use crate::error::Result;
use crate::kernel::atr::{SeededAtr, WilderAtr};
use crate::kernel::series::run_series;
use crate::kernel::variant::Variant;
use crate::kernel::{check_input_lengths, check_output_length};
use crate::params::SuperTrendParams;

/// The four SuperTrend outputs of one bar.
///
/// See [`Output`](crate::Output) for what each series means.
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
pub(crate) struct OutputColumns<'a> {
    pub(crate) supert: Option<&'a mut [f64]>,
    pub(crate) superd: Option<&'a mut [i8]>,
    pub(crate) superl: Option<&'a mut [f64]>,
    pub(crate) supers: Option<&'a mut [f64]>,
}

impl OutputColumns<'_> {
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
/// arithmetic is that of [`SuperTrendState::update`], so the results are the same bits. This
/// scalar form is the reference the vectorised lanes are tested against.
pub(crate) fn bands_into(
    mid: &[f64],
    close: &[f64],
    atr: &[f64],
    multiplier: f64,
    out: &mut OutputColumns<'_>,
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
    out: &mut OutputColumns<'_>,
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

/// The complete streaming state of one SuperTrend series: feed it one bar at a time.
///
/// It is small and `Copy` (about 100 bytes), so keeping one per (symbol, period, multiplier) is
/// cheap. Every [`update`](SuperTrendState::update) returns exactly, bit for bit, what the
/// batch kernel [`supertrend`] returns for that bar; a batch run hands back its final state in
/// [`SuperTrendOutput::state`], so history can be computed in one call and live bars appended
/// one by one without recomputing.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, SuperTrendParams, SuperTrendState};
///
/// let high = [10.0, 10.5, 10.4, 10.9, 11.2, 11.0];
/// let low = [9.0, 9.6, 9.7, 10.1, 10.4, 10.2];
/// let close = [9.5, 10.2, 10.0, 10.8, 11.0, 10.5];
/// let params = SuperTrendParams::new(2, 3.0)?;
///
/// // Streaming from scratch gives the batch result at every bar ...
/// let batch = supertrend(&high, &low, &close, params)?;
/// let mut live = SuperTrendState::new(params);
/// for i in 0..high.len() {
///     let bar = live.update(high[i], low[i], close[i]);
///     assert_eq!(bar.superd, batch.superd[i]);
///     assert_eq!(bar.supert.to_bits(), batch.supert[i].to_bits());
/// }
///
/// // ... and a batch run over history can be continued bar by bar.
/// let history = supertrend(&high[..5], &low[..5], &close[..5], params)?;
/// let mut live = history.state;
/// let next = live.update(high[5], low[5], close[5]);
/// assert_eq!(next.supert.to_bits(), batch.supert[5].to_bits());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SuperTrendState {
    params: SuperTrendParams,
    pub(crate) prev_close: f64,
    pub(crate) atr: AtrState,
    pub(crate) bands: BandState,
}

/// The ATR half of the recursion, as the variant defines it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AtrState {
    /// The default variant's: pandas' `ewm`.
    Wilder(WilderAtr),
    /// TradingView's and TA-Lib's: seeded with a mean.
    Seeded(SeededAtr),
}

impl AtrState {
    /// A fresh ATR state for `params`' variant and period.
    pub(crate) fn new(params: SuperTrendParams) -> Self {
        let period = params.period();
        match params.variant() {
            Variant::Vectorbt => AtrState::Wilder(WilderAtr::with_valid_period(period)),
            Variant::TradingView => AtrState::Seeded(SeededAtr::tradingview(period)),
            Variant::TaLib => AtrState::Seeded(SeededAtr::talib(period)),
        }
    }

    fn value(&self) -> f64 {
        match self {
            AtrState::Wilder(atr) => atr.value(),
            AtrState::Seeded(atr) => atr.value(),
        }
    }
}

impl SuperTrendState {
    /// A state that has seen no bar yet.
    pub fn new(params: SuperTrendParams) -> Self {
        let direction = params.variant().seed_direction();
        SuperTrendState {
            params,
            prev_close: f64::NAN,
            atr: AtrState::new(params),
            bands: BandState::with_direction(params.multiplier(), direction),
        }
    }

    /// The state after a series whose last close was `prev_close`, assembled from the states
    /// of its two halves.
    pub(crate) fn from_parts(
        params: SuperTrendParams,
        prev_close: f64,
        atr: AtrState,
        bands: BandState,
    ) -> Self {
        SuperTrendState {
            params,
            prev_close,
            atr,
            bands,
        }
    }

    /// Advances one bar and returns its four outputs.
    ///
    /// NaN prices are valid (a missing bar); see the [crate docs](crate#nan-and-warm-up).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> SuperTrendBar {
        let tr = self.params.variant().true_range(high, low, self.prev_close);
        let mid = midpoint(high, low);
        let bar = match &mut self.atr {
            AtrState::Wilder(atr) => {
                let atr = atr.update(tr);
                self.bands.update(mid, close, atr)
            }
            AtrState::Seeded(atr) => {
                let (atr, seed) = atr.update(tr);
                self.bands
                    .update_gated(mid, close, self.prev_close, atr, seed)
            }
        };
        self.prev_close = close;
        bar
    }

    /// Advances over a whole series, writing each bar's outputs into `out`.
    ///
    /// Equivalent to calling [`update`](SuperTrendState::update) for every bar, so a series
    /// may be processed in any number of consecutive pieces with the same bits as one call.
    /// Allocates nothing.
    ///
    /// # Errors
    /// - [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
    /// - [`Error::OutputLength`](crate::Error::OutputLength) if an output slice does not have
    ///   the inputs' length.
    ///
    /// On error, neither the state nor the outputs have been changed.
    pub fn run_into(
        &mut self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        mut out: SuperTrendSlices<'_>,
    ) -> Result<()> {
        let bars = check_input_lengths(high, low, close)?;
        out.check_len(bars)?;
        run_series(self, high, low, close, &mut out);
        Ok(())
    }

    /// The parameters this state was built with.
    pub fn params(&self) -> SuperTrendParams {
        self.params
    }

    /// The direction after the last bar (before any bar: the variant's seed direction, `+1`
    /// except for [`Variant::TradingView`]).
    pub fn direction(&self) -> i8 {
        self.bands.direction
    }

    /// The final upper band after the last bar (NaN before the ATR exists or on a NaN bar).
    pub fn upper_band(&self) -> f64 {
        self.bands.upper
    }

    /// The final lower band after the last bar (NaN before the ATR exists or on a NaN bar).
    pub fn lower_band(&self) -> f64 {
        self.bands.lower
    }

    /// The ATR after the last bar (NaN during warm-up).
    pub fn atr(&self) -> f64 {
        self.atr.value()
    }
}

/// Caller-owned output slices for [`supertrend_into`] and [`SuperTrendState::run_into`].
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

/// The four series of one SuperTrend run, and the state to continue it with.
#[derive(Debug, Clone)]
pub struct SuperTrendOutput {
    /// The SuperTrend line.
    pub supert: Vec<f64>,
    /// The direction, `+1` or `-1`.
    pub superd: Vec<i8>,
    /// The long band (NaN where the direction is down).
    pub superl: Vec<f64>,
    /// The short band (NaN where the direction is up).
    pub supers: Vec<f64>,
    /// The state after the last bar: call [`SuperTrendState::update`] on it to continue the
    /// series with new bars.
    pub state: SuperTrendState,
}

/// Computes SuperTrend over one series, writing into caller-owned slices.
///
/// This is the non-allocating form of [`supertrend`]: see there for the definition. It
/// returns the state after the last bar, to continue with [`SuperTrendState::update`].
///
/// # Errors
/// - [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
/// - [`Error::OutputLength`](crate::Error::OutputLength) if an output slice does not have the
///   inputs' length.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend_into, SuperTrendParams, SuperTrendSlices};
///
/// let (high, low, close) = ([10.0, 10.5, 10.25], [9.0, 9.5, 9.75], [9.5, 10.0, 10.0]);
/// let (mut t, mut d, mut l, mut s) = ([0.0; 3], [0i8; 3], [0.0; 3], [0.0; 3]);
/// let out = SuperTrendSlices { supert: &mut t, superd: &mut d, superl: &mut l, supers: &mut s };
/// let state = supertrend_into(&high, &low, &close, SuperTrendParams::new(1, 2.0)?, out)?;
/// assert!(t[0].is_nan());
/// assert_eq!(t[1], 8.0); // mid - multiplier * atr = 10 - 2 * 1, with period 1 the atr is the tr
/// assert_eq!(state.direction(), d[2]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn supertrend_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    params: SuperTrendParams,
    out: SuperTrendSlices<'_>,
) -> Result<SuperTrendState> {
    let mut state = SuperTrendState::new(params);
    state.run_into(high, low, close, out)?;
    Ok(state)
}

/// Computes SuperTrend over one series of bars.
///
/// # Formula
/// For every bar `i`, with `tr` the [true range](crate::true_range) and `atr` Wilder's
/// [ATR](crate::WilderAtr) of period `p`:
///
/// ```text
/// mid = (high + low) / 2
/// upper = mid + multiplier * atr          lower = mid - multiplier * atr
/// if close > prev_upper:      dir = +1
/// else if close < prev_lower: dir = -1
/// else:                       dir = prev_dir, and only the active band ratchets:
///     if dir = +1 and lower < prev_lower: lower = prev_lower
///     if dir = -1 and upper > prev_upper: upper = prev_upper
/// supert = superl = lower, supers = NaN       if dir = +1
/// supert = supers = upper, superl = NaN       if dir = -1
/// ```
///
/// The arithmetic order is exactly that of the reference definition, so results are
/// bit-identical to it. See the [crate docs](crate#nan-and-warm-up) for warm-up and NaN rules.
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, SuperTrendParams};
///
/// let high = [10.0, 10.5, 10.4, 10.9, 11.2];
/// let low = [9.0, 9.6, 9.7, 10.1, 10.4];
/// let close = [9.5, 10.2, 10.0, 10.8, 11.0];
/// let st = supertrend(&high, &low, &close, SuperTrendParams::new(2, 3.0)?)?;
///
/// // Warm-up: the first `period` bars have no line, and the direction starts up.
/// assert!(st.supert[..2].iter().all(|x| x.is_nan()));
/// assert_eq!(st.superd[..2], [1, 1]);
/// assert_eq!(st.supert[2], st.superl[2]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn supertrend(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    params: SuperTrendParams,
) -> Result<SuperTrendOutput> {
    let bars = check_input_lengths(high, low, close)?;
    let mut supert = vec![0.0; bars];
    let mut superd = vec![0; bars];
    let mut superl = vec![0.0; bars];
    let mut supers = vec![0.0; bars];
    let state = supertrend_into(
        high,
        low,
        close,
        params,
        SuperTrendSlices {
            supert: &mut supert,
            superd: &mut superd,
            superl: &mut superl,
            supers: &mut supers,
        },
    )?;
    Ok(SuperTrendOutput {
        supert,
        superd,
        superl,
        supers,
        state,
    })
}
