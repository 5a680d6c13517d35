//! The contract between the factory and an indicator: what the factory asks of any indicator
//! it sweeps, built-in or a user's own, and the column slots a kernel writes into.

use std::fmt;

use crate::error::Result;
use crate::grid::Row;
use crate::prices::{Inputs, SymbolPrices};
use crate::schema::{Element, OutputMut, OutputSpec, OutputVec};

/// The most outputs an indicator may declare.
pub const MAX_OUTPUTS: usize = 16;

/// An indicator the factory can sweep over any [`Grid`](crate::Grid) of its parameters and
/// many symbols, without knowing its arithmetic.
///
/// # How the factory runs it
/// Before any worker starts, the factory checks every grid row with
/// [`check`](Indicator::check), then computes [`share`](Indicator::share) once per symbol
/// (work every column of that symbol reuses: SuperTrend's true range, a moving average's
/// prefix sums). The columns are cut into chunks of consecutive columns, run in parallel;
/// each worker has one [`scratch`](Indicator::scratch). Within a chunk, the columns of each
/// symbol are grouped into runs of consecutive grid rows that
/// [`same_group`](Indicator::same_group) says share work; for each group the factory calls
/// [`start_group`](Indicator::start_group) once (SuperTrend's ATR of one period) and then
/// [`run_batch`](Indicator::run_batch) with batches of at most [`LANES`](Indicator::LANES) of
/// its columns (SuperTrend's four multipliers in the lanes of one vector).
///
/// A kernel writes each batch column's selected outputs (and, if asked, its final streaming
/// state) into the [`Column`] slots it is given, every slice one value per bar. Outputs the
/// schema marks [`per_group`](OutputSpec::per_group) are the same for every column of a group:
/// `start_group` writes them once, into its own [`Column`], and `run_batch` is not given them. It must not
/// depend on which other columns share its batch, its chunk or its thread: the results are
/// then the same bits for every thread count and chunk length, and equal to a one-column
/// sweep.
///
/// # Example: an indicator the crate does not ship
/// A rolling mean of the close (no shared work, one column at a time):
/// ```
/// use ta_sweep::{Column, Grid, Indicator, Inputs, OutputSpec, Prices, Sweep, SymbolPrices};
///
/// struct RollingMean;
///
/// impl Indicator for RollingMean {
///     type Params = usize; // the window
///     type Shared = ();
///     type Scratch = ();
///     type State = ();
///
///     fn outputs(&self) -> &[OutputSpec] {
///         static OUTPUTS: [OutputSpec; 1] = [OutputSpec::f64("mean")];
///         &OUTPUTS
///     }
///     fn inputs(&self) -> Inputs {
///         Inputs::Close
///     }
///     fn share(&self, _: &SymbolPrices<'_>) {}
///     fn scratch(&self, _: usize) {}
///     fn run_batch(
///         &self,
///         prices: &SymbolPrices<'_>,
///         _: &(),
///         _: &mut (),
///         windows: &[usize],
///         columns: &mut [Column<'_, ()>],
///     ) {
///         for (&w, column) in windows.iter().zip(columns) {
///             let Some(out) = column.take::<f64>(0) else { continue };
///             for (i, value) in out.iter_mut().enumerate() {
///                 let window = &prices.close()[(i + 1).saturating_sub(w)..=i];
///                 *value = if i + 1 < w { f64::NAN } else { window.iter().sum::<f64>() / w as f64 };
///             }
///         }
///     }
/// }
///
/// let close = [1.0, 2.0, 3.0, 4.0];
/// let prices = Prices::from_close_series([&close[..]])?;
/// let out = Sweep::new(RollingMean, &prices, &Grid::axis(&["w"], &[1, 2])?).run()?;
/// assert_eq!(out.get::<f64>("mean").unwrap().column(1).to_vec()[1..], [1.5, 2.5, 3.5]);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
pub trait Indicator: Sync {
    /// The parameters of one column: a grid row.
    type Params: Row;
    /// Work shared by every column of one symbol.
    type Shared: Send + Sync;
    /// A worker's reusable memory, which also holds what a group of columns shares.
    type Scratch: Send;
    /// The streaming state of one column (`()` for an indicator without one).
    type State: Clone + Send + Sync + fmt::Debug;

    /// The most columns one [`run_batch`](Indicator::run_batch) call computes.
    const LANES: usize = 1;

    /// The outputs, in order: their names and element types. The kernel addresses them by
    /// position in this list. At most [`MAX_OUTPUTS`].
    fn outputs(&self) -> &[OutputSpec];

    /// Which price series the indicator reads (default: high, low and close).
    fn inputs(&self) -> Inputs {
        Inputs::HighLowClose
    }

    /// Whether `params` are valid, checked for every grid row before any work starts, so the
    /// kernel never sees invalid parameters.
    ///
    /// # Errors
    /// The indicator's own error for invalid parameters (for example
    /// [`Error::InvalidPeriod`](crate::Error::InvalidPeriod)).
    fn check(&self, params: &Self::Params) -> Result<()> {
        let _ = params;
        Ok(())
    }

    /// Computes what every column of one symbol reuses.
    fn share(&self, prices: &SymbolPrices<'_>) -> Self::Shared;

    /// A worker's scratch for series of `bars` bars.
    fn scratch(&self, bars: usize) -> Self::Scratch;

    /// Whether the column of `next` belongs to the group that starts with `first`, which
    /// shares the work of one [`start_group`](Indicator::start_group) (default: always, for
    /// indicators without group work).
    fn same_group(&self, first: &Self::Params, next: &Self::Params) -> bool {
        let _ = (first, next);
        true
    }

    /// Computes into `scratch` what the columns of the group starting with `first` share,
    /// for the [`run_batch`](Indicator::run_batch) calls that follow, and writes the selected
    /// [per-group](OutputSpec::per_group) outputs into `group` (default: nothing).
    fn start_group(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        first: &Self::Params,
        group: &mut Column<'_, ()>,
    ) {
        let _ = (prices, shared, scratch, first, group);
    }

    /// Fills `columns[k]` with the outputs of `params[k]` on this symbol, for every `k`:
    /// `params.len() == columns.len() <= LANES`, all of the group of the last
    /// [`start_group`](Indicator::start_group) call.
    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        params: &[Self::Params],
        columns: &mut [Column<'_, Self::State>],
    );
}

/// An indicator that can continue a column bar by bar: what a whole-grid
/// [`SweepState`](crate::SweepState) runs.
///
/// A batch run's final state ([`Column::set_state`]) followed by updates must give the same
/// bits as a batch run over the longer series.
pub trait Streaming: Indicator {
    /// The state of a column that has seen no bar.
    fn state(&self, params: &Self::Params) -> Self::State;

    /// Advances `state` by one bar and writes each output's value with [`BarOutputs::set`].
    fn update(&self, state: &mut Self::State, bar: Bar, out: &mut BarOutputs<'_>);

    /// Bytes one column's state takes, its heap included, for the memory guard (default:
    /// the size of the type).
    fn state_bytes(&self, params: &Self::Params) -> usize {
        let _ = params;
        std::mem::size_of::<Self::State>()
    }
}

/// The prices of one bar of one symbol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// The high.
    pub high: f64,
    /// The low.
    pub low: f64,
    /// The close.
    pub close: f64,
}

/// One bar's outputs of one column, as [`Streaming::update`] writes them.
#[derive(Debug)]
pub struct BarOutputs<'a> {
    rows: &'a mut [OutputVec],
    column: usize,
}

impl<'a> BarOutputs<'a> {
    pub(crate) fn new(rows: &'a mut [OutputVec], column: usize) -> Self {
        BarOutputs { rows, column }
    }

    /// The outputs before `first`, and those from it on renumbered from 0 (for an indicator
    /// made of two).
    pub(crate) fn split(&mut self, first: usize) -> (BarOutputs<'_>, BarOutputs<'_>) {
        let (head, tail) = self.rows.split_at_mut(first);
        (
            BarOutputs::new(head, self.column),
            BarOutputs::new(tail, self.column),
        )
    }

    /// Writes `value` as output `output` (its position in the schema).
    ///
    /// # Panics
    /// If `output` is not in the schema or is not of type `T`: a bug of the indicator.
    #[inline]
    pub fn set<T: Element>(&mut self, output: usize, value: T) {
        let row = T::slice_mut(self.rows[output].as_mut())
            .unwrap_or_else(|| panic!("output {output} is not {}", T::DTYPE));
        row[self.column] = value;
    }
}

/// One column of a batch, as a kernel fills it: the slots of the selected outputs (each one
/// value per bar) and, if asked for, of the final streaming state.
pub struct Column<'a, S> {
    outputs: [Option<OutputMut<'a>>; MAX_OUTPUTS],
    state: Option<&'a mut Option<S>>,
    kept: bool,
}

impl<S> fmt::Debug for Column<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let selected: Vec<usize> = (0..MAX_OUTPUTS)
            .filter(|&k| self.outputs[k].is_some())
            .collect();
        f.debug_struct("Column")
            .field("outputs", &selected)
            .field("state", &self.state.is_some())
            .field("kept", &self.kept)
            .finish()
    }
}

impl<'a, S> Column<'a, S> {
    pub(crate) fn new(
        outputs: [Option<OutputMut<'a>>; MAX_OUTPUTS],
        state: Option<&'a mut Option<S>>,
    ) -> Self {
        Column {
            outputs,
            state,
            kept: false,
        }
    }

    /// The same column, its outputs marked as [kept](Column::is_kept).
    pub(crate) fn kept(mut self) -> Self {
        self.kept = true;
        self
    }

    /// Whether the outputs go to matrices the caller keeps ([`Sweep::run`] and
    /// [`Sweep::run_into`]), rather than to a worker's buffers that a reduction reads right
    /// away ([`Sweep::reduce`], the backtests). A kernel may write kept outputs with
    /// non-temporal (streaming) stores, which skip the cache and the read of each line before
    /// it is written: faster for outputs that are not read back soon, slower for the others.
    ///
    /// [`Sweep::run`]: crate::Sweep::run
    /// [`Sweep::run_into`]: crate::Sweep::run_into
    /// [`Sweep::reduce`]: crate::Sweep::reduce
    pub fn is_kept(&self) -> bool {
        self.kept
    }

    /// Output `output`'s slice, taken out of the column (a kernel takes each output once), or
    /// `None` if the output is not selected.
    ///
    /// # Panics
    /// If the output is not of type `T`: a bug of the indicator.
    #[inline]
    pub fn take<T: Element>(&mut self, output: usize) -> Option<&'a mut [T]> {
        let slot = self.outputs.get_mut(output)?.take()?;
        let dtype = slot.dtype();
        Some(
            T::slice_mut(slot)
                .unwrap_or_else(|| panic!("output {output} is {dtype}, not {}", T::DTYPE)),
        )
    }

    /// Output `output`'s slice, untyped, taken out of the column.
    pub fn take_any(&mut self, output: usize) -> Option<OutputMut<'a>> {
        self.outputs.get_mut(output)?.take()
    }

    /// Whether output `output` is selected (and not taken yet).
    pub fn wants(&self, output: usize) -> bool {
        self.outputs.get(output).is_some_and(Option::is_some)
    }

    /// Whether the column's final streaming state is asked for.
    pub fn wants_state(&self) -> bool {
        self.state.is_some()
    }

    /// Records the column's final streaming state, if it is asked for.
    pub fn set_state(&mut self, state: S) {
        if let Some(slot) = self.state.as_deref_mut() {
            *slot = Some(state);
        }
    }

    /// The same slots with another state slot.
    pub(crate) fn with_state<'b, T>(self, state: Option<&'b mut Option<T>>) -> Column<'b, T>
    where
        'a: 'b,
    {
        Column {
            outputs: self.outputs,
            state,
            kept: self.kept,
        }
    }

    /// The slots of the outputs `keep` selects, moved into a column of their own (numbered
    /// as here, without a state slot); the other slots stay here.
    pub(crate) fn part(&mut self, keep: impl Fn(usize) -> bool) -> Column<'a, ()> {
        let mut part: [Option<OutputMut<'a>>; MAX_OUTPUTS] = Default::default();
        for (k, slot) in self.outputs.iter_mut().enumerate() {
            if keep(k) {
                part[k] = slot.take();
            }
        }
        Column {
            outputs: part,
            state: None,
            kept: self.kept,
        }
    }

    /// The column split in two at output `first`: the outputs before it, and the outputs
    /// from it on renumbered from 0, each with a state slot of its own (`a` and `b`), for an
    /// indicator made of two (see [`Pair`](crate::Pair)).
    pub(crate) fn split<'b, A, B>(
        &mut self,
        first: usize,
        a: Option<&'b mut Option<A>>,
        b: Option<&'b mut Option<B>>,
    ) -> (Column<'b, A>, Column<'b, B>)
    where
        'a: 'b,
    {
        let mut head: [Option<OutputMut<'b>>; MAX_OUTPUTS] = Default::default();
        let mut tail: [Option<OutputMut<'b>>; MAX_OUTPUTS] = Default::default();
        for (k, slot) in self.outputs.iter_mut().enumerate() {
            let Some(values) = slot.take() else { continue };
            if k < first {
                head[k] = Some(values);
            } else {
                tail[k - first] = Some(values);
            }
        }
        let kept = self.kept;
        (
            Column {
                outputs: head,
                state: a,
                kept,
            },
            Column {
                outputs: tail,
                state: b,
                kept,
            },
        )
    }
}

/// A shared reference sweeps like the indicator it points to.
impl<I: Indicator> Indicator for &I {
    type Params = I::Params;
    type Shared = I::Shared;
    type Scratch = I::Scratch;
    type State = I::State;

    const LANES: usize = I::LANES;

    fn outputs(&self) -> &[OutputSpec] {
        (**self).outputs()
    }

    fn inputs(&self) -> Inputs {
        (**self).inputs()
    }

    fn check(&self, params: &Self::Params) -> Result<()> {
        (**self).check(params)
    }

    fn share(&self, prices: &SymbolPrices<'_>) -> Self::Shared {
        (**self).share(prices)
    }

    fn scratch(&self, bars: usize) -> Self::Scratch {
        (**self).scratch(bars)
    }

    fn same_group(&self, first: &Self::Params, next: &Self::Params) -> bool {
        (**self).same_group(first, next)
    }

    fn start_group(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        first: &Self::Params,
        group: &mut Column<'_, ()>,
    ) {
        (**self).start_group(prices, shared, scratch, first, group);
    }

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        shared: &Self::Shared,
        scratch: &mut Self::Scratch,
        params: &[Self::Params],
        columns: &mut [Column<'_, Self::State>],
    ) {
        (**self).run_batch(prices, shared, scratch, params, columns);
    }
}

impl<I: Streaming> Streaming for &I {
    fn state(&self, params: &Self::Params) -> Self::State {
        (**self).state(params)
    }

    fn update(&self, state: &mut Self::State, bar: Bar, out: &mut BarOutputs<'_>) {
        (**self).update(state, bar, out);
    }

    fn state_bytes(&self, params: &Self::Params) -> usize {
        (**self).state_bytes(params)
    }
}
