//! SuperTrend plugged into the sweep factory: one true range per symbol, one ATR per
//! (symbol, period), then the band recursion for every multiplier of that period.

use crate::kernel::atr::wilder_atr_unchecked;
use crate::kernel::supertrend::{bands_into, SuperTrendState};
use crate::kernel::true_range::true_range_unchecked;
use crate::params::SuperTrendParams;
use crate::prices::SymbolPrices;
use crate::sweep::kernel::{ColumnOut, SweepKernel};

/// The default SuperTrend, as the factory runs it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SuperTrendKernel;

impl SweepKernel for SuperTrendKernel {
    type Shared = Vec<f64>;
    type Scratch = Vec<f64>;
    type State = SuperTrendState;

    fn share(&self, prices: &SymbolPrices<'_>) -> Vec<f64> {
        let mut tr = vec![0.0; prices.close.len()];
        true_range_unchecked(&prices.high, &prices.low, &prices.close, &mut tr);
        tr
    }

    fn scratch(&self, bars: usize) -> Vec<f64> {
        vec![0.0; bars]
    }

    fn run_group(
        &self,
        prices: &SymbolPrices<'_>,
        tr: &Vec<f64>,
        atr: &mut Vec<f64>,
        period: usize,
        multipliers: &[f64],
        columns: &mut [ColumnOut<'_, SuperTrendState>],
    ) {
        let atr_state = wilder_atr_unchecked(tr, period, atr);
        let last_close = prices.close.last().copied().unwrap_or(f64::NAN);
        for (column, &multiplier) in columns.iter_mut().zip(multipliers) {
            let bands = bands_into(
                &prices.high,
                &prices.low,
                &prices.close,
                atr,
                multiplier,
                &mut column.outputs,
            );
            if let Some(state) = column.state.as_deref_mut() {
                *state = SuperTrendState::from_parts(
                    SuperTrendParams::from_valid(period, multiplier),
                    last_close,
                    atr_state,
                    bands,
                );
            }
        }
    }
}
