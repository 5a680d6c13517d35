//! A whole sweep, one bar at a time: a streaming state for every column.

use std::fmt;

use super::indicator::{Bar, BarOutputs, Streaming};
use crate::columns::Columns;
use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::prices::Inputs;
use crate::schema::{Element, OutputSpec, OutputVec};

/// The streaming state of every column of a sweep: feed it one new bar per symbol.
///
/// Each [`update`](SweepState::update) gives, for every column, exactly the bits a batch
/// [`Sweep`](crate::Sweep) over the longer series would give for that bar. A batch sweep
/// returns one from [`run_with_states`](crate::Sweep::run_with_states), so a grid can be
/// computed over history in one call and then kept current bar by bar.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, Prices, SuperTrend, Sweep};
///
/// let high = [10.0, 10.5, 10.4, 10.9, 11.2];
/// let low = [9.0, 9.6, 9.7, 10.1, 10.4];
/// let close = [9.5, 10.2, 10.0, 10.8, 11.0];
/// let grid = supertrend::grid(&[2, 3], &[1.0, 2.0])?;
///
/// let full = Sweep::new(SuperTrend::default(), &Prices::single(&high, &low, &close)?, &grid).run()?;
/// let history = Prices::single(&high[..4], &low[..4], &close[..4])?;
/// let (_, mut live) = Sweep::new(SuperTrend::default(), &history, &grid).run_with_states()?;
/// let bar = live.update(&[high[4]], &[low[4]], &[close[4]])?; // one value per symbol
/// let supert = full.supert().unwrap();
/// for (j, value) in bar.get::<f64>("supert").unwrap().iter().enumerate() {
///     assert_eq!(value.to_bits(), supert[[4, j]].to_bits());
/// }
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub struct SweepState<I: Streaming> {
    indicator: I,
    columns: Columns<I::Params>,
    states: Vec<I::State>,
}

/// One bar's outputs for every column of a sweep: each output one value per column.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepBar {
    schema: Vec<OutputSpec>,
    values: Vec<OutputVec>,
}

impl SweepBar {
    /// A bar of `columns` columns of every output of `schema`, zeroed, to pass to
    /// [`SweepState::update_into`].
    pub fn new(schema: &[OutputSpec], columns: usize) -> Self {
        SweepBar {
            schema: schema.to_vec(),
            values: schema
                .iter()
                .map(|spec| OutputVec::zeros(spec.dtype(), columns))
                .collect(),
        }
    }

    /// Output `name`'s value for every column, if it is of type `T`.
    pub fn get<T: Element>(&self, name: &str) -> Option<&[T]> {
        let index = self.schema.iter().position(|spec| spec.name() == name)?;
        T::slice(self.values[index].as_ref())
    }

    /// The number of columns, or `None` if the outputs differ in length.
    fn columns(&self) -> Option<usize> {
        let mut lens = self.values.iter().map(|values| match values {
            OutputVec::F64(v) => v.len(),
            OutputVec::I8(v) => v.len(),
            OutputVec::Bool(v) => v.len(),
        });
        let first = lens.next().unwrap_or(0);
        lens.all(|len| len == first).then_some(first)
    }
}

impl<I: Streaming + Clone> SweepState<I> {
    /// Fresh states (no bar seen) for every column of `grid` over `symbols` symbols.
    ///
    /// # Errors
    /// - The indicator's error for an invalid grid row ([`Indicator::check`](crate::Indicator::check)).
    /// - [`Error::TooManyColumns`] if rows times symbols overflows `usize`.
    pub fn new(indicator: I, grid: &Grid<I::Params>, symbols: usize) -> Result<Self> {
        let columns = Columns::new(grid.clone(), symbols)?;
        for params in grid.iter() {
            indicator.check(&params)?;
        }
        let states = columns.keys().map(|k| indicator.state(&k.params)).collect();
        Ok(SweepState {
            indicator,
            columns,
            states,
        })
    }
}

impl<I: Streaming> SweepState<I> {
    pub(super) fn from_parts(
        indicator: I,
        columns: Columns<I::Params>,
        states: Vec<I::State>,
    ) -> Self {
        debug_assert_eq!(columns.len(), states.len());
        SweepState {
            indicator,
            columns,
            states,
        }
    }

    /// What each column holds.
    pub fn columns(&self) -> &Columns<I::Params> {
        &self.columns
    }

    /// The state of every column, in column order.
    pub fn states(&self) -> &[I::State] {
        &self.states
    }

    /// Advances every column by one bar, given one price per symbol, and writes each column's
    /// outputs into `out` (made by [`SweepBar::new`] for this sweep). Allocates nothing.
    ///
    /// # Errors
    /// - [`Error::SymbolCount`] if `high`, `low` or `close` does not have one value per symbol.
    /// - [`Error::OutputLength`] (output `"bar"`) if `out` is not one value per column of every
    ///   output of the indicator.
    ///
    /// On error nothing has been changed.
    pub fn update_into(
        &mut self,
        high: &[f64],
        low: &[f64],
        close: &[f64],
        out: &mut SweepBar,
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
        let columns = out.columns();
        if out.schema != self.indicator.outputs() || columns != Some(self.states.len()) {
            return Err(Error::OutputLength {
                output: "bar",
                expected: self.states.len(),
                actual: columns.unwrap_or(0),
            });
        }
        // A sweep of a column range starts at its first column's symbol.
        let first = self.columns.range().start;
        for (j, state) in self.states.iter_mut().enumerate() {
            let s = (first + j) % symbols;
            let bar = Bar {
                high: high[s],
                low: low[s],
                close: close[s],
            };
            self.indicator
                .update(state, bar, &mut BarOutputs::new(&mut out.values, j));
        }
        Ok(())
    }

    /// Advances every column by one bar, given one price per symbol, and returns every
    /// column's outputs.
    ///
    /// # Errors
    /// [`Error::SymbolCount`] if `high`, `low` or `close` does not have one value per symbol.
    pub fn update(&mut self, high: &[f64], low: &[f64], close: &[f64]) -> Result<SweepBar> {
        let mut bar = SweepBar::new(self.indicator.outputs(), self.states.len());
        self.update_into(high, low, close, &mut bar)?;
        Ok(bar)
    }

    /// [`update`](SweepState::update) for an indicator of closes alone: one close per symbol.
    ///
    /// # Errors
    /// - [`Error::MissingPrices`] if the indicator reads highs and lows.
    /// - [`Error::SymbolCount`] if `close` does not have one value per symbol.
    pub fn update_closes(&mut self, close: &[f64]) -> Result<SweepBar> {
        if self.indicator.inputs() != Inputs::Close {
            return Err(Error::MissingPrices { input: "high" });
        }
        self.update(close, close, close)
    }
}

impl<I: Streaming + Clone> Clone for SweepState<I> {
    fn clone(&self) -> Self {
        SweepState {
            indicator: self.indicator.clone(),
            columns: self.columns.clone(),
            states: self.states.clone(),
        }
    }
}

impl<I: Streaming> fmt::Debug for SweepState<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SweepState")
            .field("columns", &self.columns.len())
            .field("symbols", &self.columns.symbols())
            .field("states", &self.states)
            .finish()
    }
}
