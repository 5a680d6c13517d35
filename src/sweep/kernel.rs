//! What the factory needs from an indicator: shared per-symbol work, per-worker scratch, the
//! work shared by the columns of one period, and a way to fill a few columns at once.

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
/// For each chunk, the factory groups the columns by symbol and by runs of equal period,
/// calls [`start_group`](SweepKernel::start_group) once per group and then
/// [`run_columns`](SweepKernel::run_columns) for batches of at most [`LANES`](SweepKernel::LANES)
/// of its columns. So whatever depends only on the symbol is computed once per sweep
/// ([`share`](SweepKernel::share)), and whatever depends only on (symbol, period) once per
/// group.
pub(crate) trait SweepKernel: Sync {
    /// Work shared by every column of one symbol (for SuperTrend, true range and midpoint).
    type Shared: Send + Sync;
    /// Reusable per-worker memory (for SuperTrend, the ATR of the current period).
    type Scratch: Send;
    /// The streaming state of one column.
    type State: Send;

    /// The most columns one [`run_columns`](SweepKernel::run_columns) call computes.
    const LANES: usize;

    fn share(&self, prices: &SymbolPrices<'_>) -> Self::Shared;

    fn scratch(&self, bars: usize) -> Self::Scratch;

    /// Computes what the columns of `period` share, for the next `run_columns` calls.
    fn start_group(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        period: usize,
    );

    /// Fills `columns` with the parameters `(period, multipliers[k])`, where `period` is that
    /// of the last `start_group` call. `multipliers.len() == columns.len() <= LANES`.
    fn run_columns(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &Self::Scratch,
        multipliers: &[f64],
        columns: &mut [ColumnOut<'_, Self::State>],
    );
}
