//! SuperTrend plugged into the sweep factory: true range and midpoint once per symbol, the ATR
//! once per (symbol, period), then the band recursion for the multipliers of that period in
//! lock-step lanes; for every [`Variant`].

use crate::kernel::atr::{wilder_atr_unchecked, SeededAtr, WilderAtr};
use crate::kernel::lanes::{bands_lanes_into, BandRules, LANES};
use crate::kernel::series::seeded_atr_into;
use crate::kernel::supertrend::{midpoint, AtrState, BandState, OutputColumns, SuperTrendState};
use crate::kernel::true_range::true_range_unchecked;
use crate::kernel::variant::Variant;
use crate::params::SuperTrendParams;
use crate::prices::SymbolPrices;
use crate::sweep::kernel::{ColumnOut, SweepKernel};

/// SuperTrend under one variant, as the factory runs it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SuperTrendKernel {
    variant: Variant,
}

impl SuperTrendKernel {
    pub(crate) fn new(variant: Variant) -> Self {
        SuperTrendKernel { variant }
    }
}

/// What every column of one symbol shares.
#[derive(Debug)]
pub(crate) struct SymbolSeries {
    true_range: Vec<f64>,
    mid: Vec<f64>,
}

/// The ATR of the current (symbol, period) group: its values, its state after the last bar,
/// and its seed bar under the seeded variants.
#[derive(Debug)]
pub(crate) struct GroupAtr {
    atr: Vec<f64>,
    last: AtrState,
    seed: Option<usize>,
    period: usize,
}

impl SweepKernel for SuperTrendKernel {
    type Shared = SymbolSeries;
    type Scratch = GroupAtr;
    type State = SuperTrendState;

    const LANES: usize = LANES;

    fn share(&self, prices: &SymbolPrices<'_>) -> SymbolSeries {
        let (high, low, close) = (&prices.high[..], &prices.low[..], &prices.close[..]);
        // One loop per variant, each with its formula inlined: a match per bar would keep the
        // default's loop from vectorising.
        let true_range = match self.variant {
            Variant::Vectorbt => {
                let mut true_range = vec![0.0; high.len()];
                true_range_unchecked(high, low, close, &mut true_range);
                true_range
            }
            Variant::TradingView => true_ranges(high, low, close, |h, l, pc| {
                Variant::TradingView.true_range(h, l, pc)
            }),
            Variant::TaLib => true_ranges(high, low, close, |h, l, pc| {
                Variant::TaLib.true_range(h, l, pc)
            }),
        };
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
            last: AtrState::Wilder(WilderAtr::with_valid_period(1)),
            seed: None,
            period: 1,
        }
    }

    fn start_group(
        &self,
        _prices: &SymbolPrices<'_>,
        shared: &SymbolSeries,
        scratch: &mut GroupAtr,
        period: usize,
    ) {
        let (tr, atr) = (&shared.true_range, &mut scratch.atr);
        scratch.period = period;
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

    fn run_columns(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &SymbolSeries,
        scratch: &GroupAtr,
        multipliers: &[f64],
        columns: &mut [ColumnOut<'_, SuperTrendState>],
    ) {
        let mut outputs: [OutputColumns<'_>; LANES] = Default::default();
        for (lane, column) in outputs.iter_mut().zip(columns.iter_mut()) {
            *lane = std::mem::take(&mut column.outputs);
        }
        let rules = match self.variant {
            Variant::Vectorbt => BandRules::Default,
            Variant::TradingView | Variant::TaLib => BandRules::Gated {
                seed: scratch.seed,
                direction: self.variant.seed_direction(),
            },
        };
        let mut finals = [BandState::new(0.0); LANES];
        let (mid, close) = (&shared.mid, &prices.close);
        bands_lanes_into(
            rules,
            mid,
            close,
            &scratch.atr,
            multipliers,
            &mut outputs,
            &mut finals,
        );
        let last_close = prices.close.last().copied().unwrap_or(f64::NAN);
        for ((column, &multiplier), bands) in columns.iter_mut().zip(multipliers).zip(finals) {
            if let Some(state) = column.state.as_deref_mut() {
                let params = SuperTrendParams::from_valid(scratch.period, multiplier)
                    .with_variant(self.variant);
                *state = SuperTrendState::from_parts(params, last_close, scratch.last, bands);
            }
        }
    }
}

/// `true_range(high, low, previous close)` of every bar, with a NaN previous close at bar 0.
fn true_ranges(
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
