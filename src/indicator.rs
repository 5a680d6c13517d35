//! SuperTrend plugged into the sweep factory: true range and midpoint once per symbol, the ATR
//! once per (symbol, period), then the band recursion for the multipliers of that period in
//! lock-step lanes.

use crate::kernel::atr::{wilder_atr_unchecked, WilderAtr};
use crate::kernel::lanes::{bands_lanes_into, LANES};
use crate::kernel::supertrend::{midpoint, BandState, OutputColumns, SuperTrendState};
use crate::kernel::true_range::true_range_unchecked;
use crate::params::SuperTrendParams;
use crate::prices::SymbolPrices;
use crate::sweep::kernel::{ColumnOut, SweepKernel};

/// The default SuperTrend, as the factory runs it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SuperTrendKernel;

/// What every column of one symbol shares.
#[derive(Debug)]
pub(crate) struct SymbolSeries {
    true_range: Vec<f64>,
    mid: Vec<f64>,
}

/// The ATR of the current (symbol, period) group, and its state after the last bar.
#[derive(Debug)]
pub(crate) struct GroupAtr {
    atr: Vec<f64>,
    last: WilderAtr,
}

impl SweepKernel for SuperTrendKernel {
    type Shared = SymbolSeries;
    type Scratch = GroupAtr;
    type State = SuperTrendState;

    const LANES: usize = LANES;

    fn share(&self, prices: &SymbolPrices<'_>) -> SymbolSeries {
        let mut true_range = vec![0.0; prices.close.len()];
        true_range_unchecked(&prices.high, &prices.low, &prices.close, &mut true_range);
        let mid = prices
            .high
            .iter()
            .zip(prices.low.iter())
            .map(|(&h, &l)| midpoint(h, l))
            .collect();
        SymbolSeries { true_range, mid }
    }

    fn scratch(&self, bars: usize) -> GroupAtr {
        GroupAtr {
            atr: vec![0.0; bars],
            last: WilderAtr::with_valid_period(1),
        }
    }

    fn start_group(
        &self,
        _prices: &SymbolPrices<'_>,
        shared: &SymbolSeries,
        scratch: &mut GroupAtr,
        period: usize,
    ) {
        scratch.last = wilder_atr_unchecked(&shared.true_range, period, &mut scratch.atr);
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
        let mut finals = [BandState::new(0.0); LANES];
        bands_lanes_into(
            &shared.mid,
            &prices.close,
            &scratch.atr,
            multipliers,
            &mut outputs,
            &mut finals,
        );
        let last_close = prices.close.last().copied().unwrap_or(f64::NAN);
        for ((column, &multiplier), bands) in columns.iter_mut().zip(multipliers).zip(finals) {
            if let Some(state) = column.state.as_deref_mut() {
                let params = SuperTrendParams::from_valid(scratch.last.period(), multiplier);
                *state = SuperTrendState::from_parts(params, last_close, scratch.last, bands);
            }
        }
    }
}
