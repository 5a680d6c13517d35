//! A plain per-column function as an indicator: vectorbt's `apply_func` with `takes_1d`, with
//! no work shared between columns.

use std::fmt;
use std::marker::PhantomData;

use super::indicator::{Column, Indicator};
use crate::error::Result;
use crate::grid::Row;
use crate::prices::{Inputs, SymbolPrices};
use crate::schema::{Element, OutputMut, OutputSpec, OutputVec};

/// The outputs of one column, as an [`FnIndicator`]'s function writes them: every output of
/// the schema, one value per bar (those not selected go to scratch memory).
#[derive(Debug)]
pub struct FnOutputs<'a> {
    outputs: Vec<OutputMut<'a>>,
}

impl FnOutputs<'_> {
    /// Output `output` (its position in the schema).
    ///
    /// # Panics
    /// If there is no such output or it is not of type `T`: a bug of the function.
    pub fn get<T: Element>(&mut self, output: usize) -> &mut [T] {
        let values = self.outputs[output].reborrow();
        let dtype = values.dtype();
        T::slice_mut(values)
            .unwrap_or_else(|| panic!("output {output} is {dtype}, not {}", T::DTYPE))
    }
}

/// A check of one grid row.
type Check<P> = Box<dyn Fn(&P) -> Result<()> + Send + Sync>;

/// An indicator from a function of one column: `function(prices, params, outputs)` fills
/// every output of one symbol's column for one grid row.
///
/// The function is called once per column, with nothing shared between columns; for work
/// shared per symbol or per group, implement [`Indicator`] instead.
///
/// # Example
/// ```
/// use ta_sweep::{FnIndicator, Grid, Inputs, OutputSpec, Prices, Sweep};
///
/// // The close's change over `lag` bars.
/// let momentum = FnIndicator::new([OutputSpec::f64("momentum")], |prices, &lag: &usize, out| {
///     let close = prices.close();
///     for (i, value) in out.get::<f64>(0).iter_mut().enumerate() {
///         *value = if i < lag { f64::NAN } else { close[i] - close[i - lag] };
///     }
/// })
/// .inputs(Inputs::Close);
///
/// let close = [1.0, 2.0, 4.0, 7.0];
/// let prices = Prices::from_close_series([&close[..]])?;
/// let out = Sweep::new(momentum, &prices, &Grid::axis(&["lag"], &[1, 2])?).run()?;
/// assert_eq!(out.get::<f64>("momentum").unwrap().column(1).to_vec()[2..], [3.0, 5.0]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub struct FnIndicator<P, F> {
    schema: Vec<OutputSpec>,
    inputs: Inputs,
    check: Option<Check<P>>,
    function: F,
    params: PhantomData<fn(&P)>,
}

impl<P, F> fmt::Debug for FnIndicator<P, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnIndicator")
            .field("outputs", &self.schema)
            .field("inputs", &self.inputs)
            .field("check", &self.check.is_some())
            .finish()
    }
}

impl<P, F> FnIndicator<P, F>
where
    P: Row,
    F: Fn(&SymbolPrices<'_>, &P, &mut FnOutputs<'_>) + Sync,
{
    /// An indicator with the outputs `schema`, computed by `function`, reading high, low and
    /// close (see [`inputs`](FnIndicator::inputs)).
    pub fn new(schema: impl IntoIterator<Item = OutputSpec>, function: F) -> Self {
        FnIndicator {
            schema: schema.into_iter().collect(),
            inputs: Inputs::HighLowClose,
            check: None,
            function,
            params: PhantomData,
        }
    }

    /// Which price series the function reads.
    #[must_use]
    pub fn inputs(mut self, inputs: Inputs) -> Self {
        self.inputs = inputs;
        self
    }

    /// Checks every grid row before a sweep starts: an `Err` (for example
    /// [`Error::InvalidParams`](crate::Error::InvalidParams)) stops it.
    #[must_use]
    pub fn check(mut self, check: impl Fn(&P) -> Result<()> + Send + Sync + 'static) -> Self {
        self.check = Some(Box::new(check));
        self
    }
}

impl<P, F> Indicator for FnIndicator<P, F>
where
    P: Row,
    F: Fn(&SymbolPrices<'_>, &P, &mut FnOutputs<'_>) + Sync,
{
    type Params = P;
    type Shared = ();
    /// Memory for the outputs a sweep did not select, which the function writes all the same.
    type Scratch = Vec<OutputVec>;
    type State = ();

    fn outputs(&self) -> &[OutputSpec] {
        &self.schema
    }

    fn inputs(&self) -> Inputs {
        self.inputs
    }

    fn check(&self, params: &P) -> Result<()> {
        self.check.as_ref().map_or(Ok(()), |check| check(params))
    }

    fn share(&self, _prices: &SymbolPrices<'_>) {}

    fn scratch(&self, bars: usize) -> Vec<OutputVec> {
        self.schema
            .iter()
            .map(|spec| OutputVec::zeros(spec.dtype(), bars))
            .collect()
    }

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        _shared: &(),
        scratch: &mut Vec<OutputVec>,
        params: &[P],
        columns: &mut [Column<'_, ()>],
    ) {
        for (params, column) in params.iter().zip(columns) {
            let outputs = scratch
                .iter_mut()
                .enumerate()
                .map(|(k, spare)| column.take_any(k).unwrap_or_else(|| spare.as_mut()))
                .collect();
            (self.function)(prices, params, &mut FnOutputs { outputs });
        }
    }
}
