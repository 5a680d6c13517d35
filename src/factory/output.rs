//! A sweep's result: one matrix per selected output, and which column holds what.

use std::fmt;

use ndarray::Array2;

use super::indicator::Indicator;
use crate::columns::Columns;
use crate::schema::{Element, OutputArray, OutputSpec};

/// The result of a [`Sweep`](crate::Sweep) of indicator `I`: one column per (grid row,
/// symbol).
///
/// Every selected output is a matrix of shape (bars, columns) in column-major (Fortran) order,
/// so `array.column(j)` is one contiguous slice (`.as_slice()` is `Some`) and `.t()` is a free
/// view with one row per column. Outputs that were not selected are absent.
///
/// # Example
/// ```
/// use ta_sweep::{supertrend, ColumnKey, Prices, SuperTrend, Sweep};
///
/// let (high, low, close) = ([10.0, 10.5, 10.4, 10.9], [9.0, 9.6, 9.7, 10.1], [9.5, 10.2, 10.0, 10.8]);
/// let prices = Prices::single(&high, &low, &close)?;
/// let grid = supertrend::grid(&[1, 2], &[1.0, 3.0])?;
/// let out = Sweep::new(SuperTrend::default(), &prices, &grid).run()?;
///
/// let line = out.get::<f64>("supert").unwrap(); // or `out.supert()`
/// assert_eq!(line.dim(), (4, 4)); // (bars, columns)
/// let j = out.columns.column(ColumnKey::new((2, 1.0), 0)).unwrap();
/// let column: &[f64] = line.column(j).to_slice().unwrap();
/// assert_eq!(column.len(), 4);
/// assert!(out.get::<i8>("supert").is_none()); // the line is f64
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub struct SweepOutput<I: Indicator> {
    /// The number of bars: every output has this many rows.
    pub bars: usize,
    /// What each column holds.
    pub columns: Columns<I::Params>,
    outputs: Vec<(OutputSpec, Option<OutputArray>)>,
}

impl<I: Indicator> SweepOutput<I> {
    pub(super) fn new(
        bars: usize,
        columns: Columns<I::Params>,
        outputs: Vec<(OutputSpec, Option<OutputArray>)>,
    ) -> Self {
        SweepOutput {
            bars,
            columns,
            outputs,
        }
    }

    /// Output `name`'s matrix, if it was selected and is of type `T`.
    pub fn get<T: Element>(&self, name: &str) -> Option<&Array2<T>> {
        T::array(self.array(name)?)
    }

    /// Output `name`'s matrix, untyped, if it was selected.
    pub fn array(&self, name: &str) -> Option<&OutputArray> {
        self.outputs
            .iter()
            .find(|(spec, _)| spec.name() == name)
            .and_then(|(_, array)| array.as_ref())
    }

    /// Output `name`'s matrix, moved out of the result, if it was selected and is of type `T`.
    pub fn take<T: Element>(&mut self, name: &str) -> Option<Array2<T>> {
        let slot = self.outputs.iter_mut().find(|(spec, array)| {
            spec.name() == name && array.as_ref().is_some_and(|a| a.dtype() == T::DTYPE)
        })?;
        T::into_array(slot.1.take()?)
    }

    /// Every output of the indicator's schema, with its matrix if it was selected.
    pub fn outputs(&self) -> impl Iterator<Item = (&OutputSpec, Option<&OutputArray>)> {
        self.outputs
            .iter()
            .map(|(spec, array)| (spec, array.as_ref()))
    }
}

impl<I: Indicator> Clone for SweepOutput<I> {
    fn clone(&self) -> Self {
        SweepOutput {
            bars: self.bars,
            columns: self.columns.clone(),
            outputs: self.outputs.clone(),
        }
    }
}

impl<I: Indicator> fmt::Debug for SweepOutput<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let selected: Vec<&str> = self
            .outputs
            .iter()
            .filter(|(_, a)| a.is_some())
            .map(|(spec, _)| spec.name())
            .collect();
        f.debug_struct("SweepOutput")
            .field("bars", &self.bars)
            .field("columns", &self.columns.len())
            .field("outputs", &selected)
            .finish()
    }
}
