//! A whole sweep, one bar at a time: a streaming state for every column.

use crate::error::{Error, Result};
use crate::kernel::supertrend::{SuperTrendSlices, SuperTrendState};
use crate::kernel::variant::Variant;
use crate::params::{ParamGrid, SuperTrendParams, SweepColumns};

/// The streaming state of every column of a sweep: feed it one new bar per symbol.
///
/// Each [`update`](SweepState::update) gives, for every column, exactly the bits a batch
/// [`Sweep`](crate::Sweep) over the longer series would give for that bar. A batch sweep
/// returns one with [`with_states`](crate::Sweep::with_states), so a grid can be computed over
/// history in one call and then kept current bar by bar.
///
/// # Example
/// ```
/// use ta_sweep::{ParamGrid, Prices, Sweep};
///
/// let high = [10.0, 10.5, 10.4, 10.9, 11.2];
/// let low = [9.0, 9.6, 9.7, 10.1, 10.4];
/// let close = [9.5, 10.2, 10.0, 10.8, 11.0];
/// let grid = ParamGrid::product(&[2, 3], &[1.0, 2.0])?;
///
/// let full = Sweep::new(&Prices::single(&high, &low, &close)?, &grid).run()?;
/// let history = Prices::single(&high[..4], &low[..4], &close[..4])?;
/// let mut live = Sweep::new(&history, &grid).with_states().run()?.states.unwrap();
/// let bar = live.update(&[high[4]], &[low[4]], &[close[4]])?; // one value per symbol
/// let supert = full.supert.unwrap();
/// for (j, value) in bar.supert.iter().enumerate() {
///     assert_eq!(value.to_bits(), supert[[4, j]].to_bits());
/// }
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SweepState {
    columns: SweepColumns,
    states: Vec<SuperTrendState>,
}

/// The four outputs of one bar for every column of a sweep (each `columns` long).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepBar {
    /// The SuperTrend line of every column.
    pub supert: Vec<f64>,
    /// The direction of every column.
    pub superd: Vec<i8>,
    /// The long band of every column.
    pub superl: Vec<f64>,
    /// The short band of every column.
    pub supers: Vec<f64>,
}

impl SweepState {
    /// Fresh states (no bar seen) for every column of `grid` over `symbols` symbols.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if combinations times symbols overflows `usize`.
    pub fn new(grid: &ParamGrid, symbols: usize) -> Result<Self> {
        Self::with_variant(grid, symbols, Variant::default())
    }

    /// [`new`](SweepState::new) for another [definition](Variant) of SuperTrend.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if combinations times symbols overflows `usize`.
    pub fn with_variant(grid: &ParamGrid, symbols: usize, variant: Variant) -> Result<Self> {
        let columns = SweepColumns::new(grid.clone(), symbols)?;
        let states = columns
            .keys()
            .map(|k| {
                let params =
                    SuperTrendParams::from_valid(k.period, k.multiplier).with_variant(variant);
                SuperTrendState::new(params)
            })
            .collect();
        Ok(SweepState { columns, states })
    }

    pub(crate) fn from_parts(columns: SweepColumns, states: Vec<SuperTrendState>) -> Self {
        debug_assert_eq!(columns.len(), states.len());
        SweepState { columns, states }
    }

    /// What each column holds.
    pub fn columns(&self) -> &SweepColumns {
        &self.columns
    }

    /// The state of every column, in column order.
    pub fn states(&self) -> &[SuperTrendState] {
        &self.states
    }

    /// Advances every column by one bar, given one price per symbol, and writes each column's
    /// outputs into `out` (every slice `columns` long). Allocates nothing.
    ///
    /// # Errors
    /// - [`Error::SymbolCount`] if `high`, `low` or `close` does not have one value per symbol.
    /// - [`Error::OutputLength`] if an output slice is not one value per column.
    ///
    /// On error nothing has been changed.
    pub fn update_into(
        &mut self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        mut out: SuperTrendSlices<'_>,
    ) -> Result<()> {
        let symbols = self.columns.symbols();
        for len in [high.len(), low.len(), close.len()] {
            if len != symbols {
                return Err(Error::SymbolCount {
                    expected: symbols,
                    actual: len,
                });
            }
        }
        out.check_len(self.states.len())?;
        for (j, state) in self.states.iter_mut().enumerate() {
            let s = j % symbols;
            out.set(j, state.update(high[s], low[s], close[s]));
        }
        Ok(())
    }

    /// Advances every column by one bar, given one price per symbol, and returns every
    /// column's outputs.
    ///
    /// # Errors
    /// [`Error::SymbolCount`] if `high`, `low` or `close` does not have one value per symbol.
    pub fn update(&mut self, high: &[f64], low: &[f64], close: &[f64]) -> Result<SweepBar> {
        let columns = self.states.len();
        let mut bar = SweepBar {
            supert: vec![0.0; columns],
            superd: vec![0; columns],
            superl: vec![0.0; columns],
            supers: vec![0.0; columns],
        };
        self.update_into(
            high,
            low,
            close,
            SuperTrendSlices {
                supert: &mut bar.supert,
                superd: &mut bar.superd,
                superl: &mut bar.superl,
                supers: &mut bar.supers,
            },
        )?;
        Ok(bar)
    }
}
