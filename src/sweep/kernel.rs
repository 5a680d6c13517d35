//! What the factory needs from an indicator: shared per-symbol work, per-worker scratch, and
//! a way to fill the columns of one symbol that share a period.

use crate::kernel::supertrend::OutputColumns;
use crate::prices::SymbolPrices;

/// One output column of a sweep as a worker sees it: the selected outputs' slices (each
/// `bars` long) and, if asked for, the slot for the column's final streaming state.
#[derive(Debug)]
pub(crate) struct ColumnOut<'a, S> {
    pub(crate) outputs: OutputColumns<'a>,
    pub(crate) state: Option<&'a mut S>,
}

/// An indicator the factory can sweep over (period, multiplier) grids.
///
/// The factory groups the columns of each chunk by symbol and by runs of equal period, and
/// calls [`run_group`](SweepKernel::run_group) once per group, so whatever depends only on the
/// symbol is computed once per sweep ([`share`](SweepKernel::share)) and whatever depends only
/// on (symbol, period) once per group.
pub(crate) trait SweepKernel: Sync {
    /// Work shared by every column of one symbol (for SuperTrend, the true range).
    type Shared: Send + Sync;
    /// Reusable per-worker memory (for SuperTrend, the ATR of the current period).
    type Scratch: Send;
    /// The streaming state of one column.
    type State: Send;

    fn share(&self, prices: &SymbolPrices<'_>) -> Self::Shared;

    fn scratch(&self, bars: usize) -> Self::Scratch;

    /// Fills `columns`, the columns of one symbol with parameters `(period, multipliers[k])`.
    /// `multipliers.len() == columns.len()`, and the symbol has at least one bar.
    fn run_group(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        period: usize,
        multipliers: &[f64],
        columns: &mut [ColumnOut<'_, Self::State>],
    );
}
