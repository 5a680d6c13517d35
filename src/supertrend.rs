//! SuperTrend: the indicator, its grids, and the single-series kernel, for every [`Variant`].
//!
//! - One series: [`supertrend`] (allocating), [`supertrend_into`] (into caller slices) and
//!   [`SuperTrendState`] (one bar at a time), all equal bit for bit.
//! - Sweeps: [`SuperTrend`] is the indicator the factory runs, over grids of
//!   (period, multiplier) from [`grid`], [`pairs`] or [`tutorial_grid`].
//!
//! The definitions are in the crate's `docs/SEMANTICS.md` (the default) and
//! `docs/VARIANTS.md` (TradingView's and TA-Lib's).

use crate::error::{Error, Result};
use crate::factory::{Bar, BarOutputs, Column, Indicator, Streaming, SweepOutput};
use crate::grid::{fraction_range, Grid};
use crate::kernel::atr::{validate_period, wilder_atr_unchecked, AtrState, SeededAtr};
use crate::kernel::bands::{midpoint, BandColumns, BandState};
use crate::kernel::lanes::{bands_lanes_into, BandRules, Stores, LANES};
use crate::kernel::series::{seeded_atr_into, SeriesState};
use crate::kernel::supertrend::validate_multiplier;
use crate::kernel::variant::true_range_series;
use crate::prices::SymbolPrices;
use crate::schema::OutputSpec;
use ndarray::Array2;

pub use crate::kernel::atr::{wilder_atr_into, WilderAtr};
pub use crate::kernel::bands::{SuperTrendBar, SuperTrendSlices};
pub use crate::kernel::supertrend::{
    supertrend, supertrend_into, SuperTrendOutput, SuperTrendParams, SuperTrendState,
};
pub use crate::kernel::true_range::{true_range, true_range_into};
pub use crate::kernel::variant::Variant;

/// The position of the line in [`SuperTrend`]'s outputs.
pub const SUPERT: usize = 0;
/// The position of the direction.
pub const SUPERD: usize = 1;
/// The position of the long band.
pub const SUPERL: usize = 2;
/// The position of the short band.
pub const SUPERS: usize = 3;

/// SuperTrend's outputs, in order.
static OUTPUTS: [OutputSpec; 4] = [
    OutputSpec::f64("supert"),
    OutputSpec::i8("superd"),
    OutputSpec::f64("superl"),
    OutputSpec::f64("supers"),
];

/// SuperTrend under one [`Variant`], as the factory sweeps it: grid rows are
/// `(period, multiplier)`.
///
/// | output | meaning | type |
/// |---|---|---|
/// | `supert` | the SuperTrend line: the lower band in an uptrend, the upper band in a downtrend | `f64` |
/// | `superd` | the direction: `+1` up, `-1` down; the variant's seed direction during warm-up, never missing | `i8` |
/// | `superl` | the long (lower) band where the direction is up, else NaN | `f64` |
/// | `supers` | the short (upper) band where the direction is down, else NaN | `f64` |
///
/// A sweep computes the true range and midpoint once per symbol, the ATR once per
/// (symbol, period) group of adjacent columns, and the band recursion of four multipliers of a
/// period in the lanes of one AVX2 vector.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, ColumnKey, Prices, SuperTrend, Sweep, Variant};
///
/// let close: Vec<f64> = (0..400).map(|i| 100.0 + (i as f64 * 0.05).sin() * 5.0).collect();
/// let (high, low): (Vec<f64>, Vec<f64>) = close.iter().map(|c| (c + 0.5, c - 0.5)).unzip();
/// let prices = Prices::single(&high, &low, &close)?;
/// let grid = supertrend::grid(&[7, 10], &[2.0, 3.0])?;
/// let out = Sweep::new(SuperTrend::new(Variant::TaLib), &prices, &grid).run()?;
/// let j = out.columns.column(ColumnKey::new((10, 3.0), 0)).unwrap();
/// assert_eq!(out.columns.label(j).unwrap(), "p10_m3_c0");
/// assert_eq!(out.superd().unwrap().column(j).len(), 400);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SuperTrend {
    variant: Variant,
}

impl SuperTrend {
    /// SuperTrend under `variant`.
    pub fn new(variant: Variant) -> Self {
        SuperTrend { variant }
    }

    /// The definition computed.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    fn params(&self, (period, multiplier): (usize, f64)) -> SuperTrendParams {
        SuperTrendParams::from_valid(period, multiplier).with_variant(self.variant)
    }
}

/// The (period, multiplier) grid `periods x multipliers` (periods outer), with axes named `p`
/// and `m`: the columns are labelled `p7_m3_c0`.
///
/// # Errors
/// - [`Error::EmptyGrid`] if either list is empty.
/// - [`Error::InvalidPeriod`] /
///   [`Error::InvalidMultiplier`] for the first invalid value.
/// - [`Error::DuplicateParams`] if a period or a multiplier
///   appears twice (`0.0` and `-0.0` are one multiplier).
///
/// # Example
/// ```
/// use ta_sweep::{fraction_range, supertrend};
///
/// let grid = supertrend::grid(&(4..=19).collect::<Vec<_>>(), &fraction_range(20..=40, 10))?;
/// assert_eq!(grid.len(), 336);
/// assert_eq!(grid.get(22), Some((5, 2.1)));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub fn grid(periods: &[usize], multipliers: &[f64]) -> Result<Grid<(usize, f64)>> {
    if periods.is_empty() || multipliers.is_empty() {
        return Err(Error::EmptyGrid);
    }
    periods.iter().try_for_each(|&p| validate_period(p))?;
    multipliers
        .iter()
        .try_for_each(|&m| validate_multiplier(m))?;
    Grid::product(&["p", "m"], (periods, multipliers))
}

/// Explicit (period, multiplier) pairs, in the given order, axes named `p` and `m`.
///
/// Columns sharing a period share its ATR when they are adjacent, so listing pairs grouped
/// by period is faster (the results are the same either way).
///
/// # Errors
/// - [`Error::EmptyGrid`] if `pairs` is empty.
/// - [`Error::InvalidPeriod`] /
///   [`Error::InvalidMultiplier`] for the first invalid value.
/// - [`Error::DuplicateParams`] if a pair appears twice.
pub fn pairs(pairs: &[(usize, f64)]) -> Result<Grid<(usize, f64)>> {
    if pairs.is_empty() {
        return Err(Error::EmptyGrid);
    }
    for &(p, m) in pairs {
        validate_period(p)?;
        validate_multiplier(m)?;
    }
    Grid::tuples(&["p", "m"], pairs)
}

/// The reference ("tutorial") grid: periods 4..=19 and multipliers `k / 10` for k in
/// 20..=40, 336 combinations.
pub fn tutorial_grid() -> Grid<(usize, f64)> {
    let periods: Vec<usize> = (4..=19).collect();
    grid(&periods, &fraction_range(20..=40, 10)).expect("the tutorial grid is valid")
}

/// What every column of one symbol shares.
#[derive(Debug)]
pub struct SymbolSeries {
    true_range: Vec<f64>,
    mid: Vec<f64>,
}

/// The ATR of the current (symbol, period) group: its values, its state after the last bar,
/// and its seed bar under the seeded variants.
#[derive(Debug)]
pub struct GroupAtr {
    atr: Vec<f64>,
    last: AtrState,
    seed: Option<usize>,
}

impl Indicator for SuperTrend {
    type Params = (usize, f64);
    type Shared = SymbolSeries;
    type Scratch = GroupAtr;
    type State = SuperTrendState;

    const LANES: usize = LANES;

    fn outputs(&self) -> &[OutputSpec] {
        &OUTPUTS
    }

    fn check(&self, &(period, multiplier): &(usize, f64)) -> Result<()> {
        validate_period(period)?;
        validate_multiplier(multiplier)
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> SymbolSeries {
        let (high, low, close) = (prices.high(), prices.low(), prices.close());
        let true_range = true_range_series(self.variant, high, low, close);
        let mid = high
            .iter()
            .zip(low)
            .map(|(&h, &l)| midpoint(h, l))
            .collect();
        SymbolSeries { true_range, mid }
    }

    fn scratch(&self, bars: usize) -> GroupAtr {
        GroupAtr {
            atr: vec![0.0; bars],
            last: AtrState::new(1, Variant::Vectorbt),
            seed: None,
        }
    }

    fn same_group(&self, first: &(usize, f64), next: &(usize, f64)) -> bool {
        first.0 == next.0
    }

    fn start_group(
        &self,
        _prices: &SymbolPrices<'_>,
        shared: &SymbolSeries,
        scratch: &mut GroupAtr,
        &(period, _): &(usize, f64),
        _group: &mut Column<'_, ()>,
    ) {
        let (tr, atr) = (&shared.true_range, &mut scratch.atr);
        scratch.seed = None;
        scratch.last = match self.variant {
            Variant::Vectorbt => AtrState::Wilder(wilder_atr_unchecked(tr, period, atr)),
            Variant::TradingView | Variant::TaLib => {
                let mut seeded = if self.variant == Variant::TaLib {
                    SeededAtr::talib(period)
                } else {
                    SeededAtr::tradingview(period)
                };
                scratch.seed = seeded_atr_into(&mut seeded, tr, atr);
                AtrState::Seeded(seeded)
            }
        };
    }

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &SymbolSeries,
        scratch: &mut GroupAtr,
        params: &[(usize, f64)],
        columns: &mut [Column<'_, SuperTrendState>],
    ) {
        let mut outputs: [BandColumns<'_>; LANES] = Default::default();
        let stores = match columns.iter().all(Column::is_kept) {
            true => Stores::Streaming,
            false => Stores::Cached,
        };
        for (lane, column) in outputs.iter_mut().zip(columns.iter_mut()) {
            *lane = BandColumns {
                supert: column.take(SUPERT),
                superd: column.take(SUPERD),
                superl: column.take(SUPERL),
                supers: column.take(SUPERS),
            };
        }
        let rules = match self.variant {
            Variant::Vectorbt => BandRules::Default,
            Variant::TradingView | Variant::TaLib => BandRules::Gated {
                seed: scratch.seed,
                direction: self.variant.seed_direction(),
            },
        };
        let multipliers: [f64; LANES] = std::array::from_fn(|k| params.get(k).map_or(0.0, |p| p.1));
        let mut finals = [BandState::new(0.0); LANES];
        bands_lanes_into(
            rules,
            &shared.mid,
            prices.close(),
            &scratch.atr,
            &multipliers[..params.len()],
            &mut outputs,
            &mut finals,
            stores,
        );
        let last_close = prices.close().last().copied().unwrap_or(f64::NAN);
        for ((column, &params), bands) in columns.iter_mut().zip(params).zip(finals) {
            if column.wants_state() {
                let series = SeriesState {
                    variant: self.variant,
                    prev_close: last_close,
                    atr: scratch.last,
                    bands,
                };
                column.set_state(SuperTrendState::from_series(self.params(params), series));
            }
        }
    }
}

impl Streaming for SuperTrend {
    fn state(&self, &params: &(usize, f64)) -> SuperTrendState {
        SuperTrendState::new(self.params(params))
    }

    fn update(&self, state: &mut SuperTrendState, bar: Bar, out: &mut BarOutputs<'_>) {
        let values = state.update(bar.high, bar.low, bar.close);
        out.set(SUPERT, values.supert);
        out.set(SUPERD, values.superd);
        out.set(SUPERL, values.superl);
        out.set(SUPERS, values.supers);
    }
}

/// The four outputs by name, for the common case.
impl SweepOutput<SuperTrend> {
    /// The SuperTrend lines, if selected.
    pub fn supert(&self) -> Option<&Array2<f64>> {
        self.get("supert")
    }

    /// The directions, if selected.
    pub fn superd(&self) -> Option<&Array2<i8>> {
        self.get("superd")
    }

    /// The long bands, if selected.
    pub fn superl(&self) -> Option<&Array2<f64>> {
        self.get("superl")
    }

    /// The short bands, if selected.
    pub fn supers(&self) -> Option<&Array2<f64>> {
        self.get("supers")
    }
}
