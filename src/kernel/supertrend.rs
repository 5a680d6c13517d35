//! SuperTrend over one series: validated parameters, the streaming state, and the batch
//! functions, all with the same bits.

use crate::error::{Error, Result};
use crate::kernel::atr::validate_period;
use crate::kernel::bands::{SuperTrendBar, SuperTrendSlices};
use crate::kernel::check_input_lengths;
use crate::kernel::series::{run_series, SeriesState};
use crate::kernel::variant::Variant;

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
    variant: Variant,
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
        Ok(Self::from_valid(period, multiplier))
    }

    /// The same parameters under another [definition](Variant) of SuperTrend (the default is
    /// [`Variant::Vectorbt`]).
    #[must_use]
    pub fn with_variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// For values that were validated as part of a grid.
    pub(crate) fn from_valid(period: usize, multiplier: f64) -> Self {
        debug_assert!(validate_period(period).is_ok() && validate_multiplier(multiplier).is_ok());
        SuperTrendParams {
            period,
            multiplier,
            variant: Variant::default(),
        }
    }

    /// The ATR period (at least 1).
    pub fn period(&self) -> usize {
        self.period
    }

    /// The band multiplier (finite and `>= 0`).
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// The definition of SuperTrend these parameters are for.
    pub fn variant(&self) -> Variant {
        self.variant
    }
}

/// Accepts finite multipliers `>= 0` (so `-0.0` too, which compares equal to `0.0`).
pub(crate) fn validate_multiplier(multiplier: f64) -> Result<()> {
    if !(multiplier.is_finite() && multiplier >= 0.0) {
        return Err(Error::InvalidMultiplier { multiplier });
    }
    Ok(())
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
    pub(crate) series: SeriesState,
}

impl SuperTrendState {
    /// A state that has seen no bar yet.
    pub fn new(params: SuperTrendParams) -> Self {
        SuperTrendState {
            params,
            series: SeriesState::new(params.period(), params.multiplier(), params.variant()),
        }
    }

    /// The state of `params` after a series, from its recursion's state.
    pub(crate) fn from_series(params: SuperTrendParams, series: SeriesState) -> Self {
        SuperTrendState { params, series }
    }

    /// Advances one bar and returns its four outputs.
    ///
    /// NaN prices are valid (a missing bar); see the [crate docs](crate#nan-and-warm-up).
    #[inline]
    pub fn update(&mut self, high: f64, low: f64, close: f64) -> SuperTrendBar {
        self.series.update(high, low, close)
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
        run_series(&mut self.series, high, low, close, &mut out);
        Ok(())
    }

    /// The parameters this state was built with.
    pub fn params(&self) -> SuperTrendParams {
        self.params
    }

    /// The direction after the last bar (before any bar: the variant's seed direction, `+1`
    /// except for [`Variant::TradingView`]).
    pub fn direction(&self) -> i8 {
        self.series.bands.direction
    }

    /// The final upper band after the last bar (NaN before the ATR exists or on a NaN bar).
    pub fn upper_band(&self) -> f64 {
        self.series.bands.upper
    }

    /// The final lower band after the last bar (NaN before the ATR exists or on a NaN bar).
    pub fn lower_band(&self) -> f64 {
        self.series.bands.lower
    }

    /// The ATR after the last bar (NaN during warm-up).
    pub fn atr(&self) -> f64 {
        self.series.atr.value()
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
