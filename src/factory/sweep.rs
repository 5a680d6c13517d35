//! A sweep: one indicator over a grid of its parameters and many symbols, configured, checked
//! and run into fresh matrices, caller buffers, streaming states or a per-column reduction.

use rayon::ThreadPool;

use super::buffers::{
    array_memory, bookkeeping_bytes, default_memory_limit, fresh_array, output_bytes, SweepBuffers,
};
use super::dispatch;
use super::indicator::{Indicator, Streaming, MAX_OUTPUTS};
use super::output::SweepOutput;
use super::selection::OutputSet;
use super::state::SweepState;
use super::view::ColumnView;
use super::Progress;
use crate::columns::Columns;
use crate::error::{Error, Result};
use crate::grid::Grid;
use crate::prices::{Inputs, Prices};
use crate::schema::OutputMut;

/// The size in bytes of one grid row's final state, for the memory limit.
type StateBytes<'f, P> = &'f dyn Fn(&P) -> usize;

/// Every column's final state, where the indicator left one.
type States<I> = Vec<Option<<I as Indicator>::State>>;

/// How many chunks each physical core gets by default: more than one, so that rayon can
/// balance the load when a core is busy with something else, and few enough that a chunk
/// holds whole groups of a typical grid (whose columns then share their group's work).
const CHUNKS_PER_CORE: usize = 4;

/// A sweep of one indicator over a parameter grid and one or many symbols: configure, then
/// [`run`](Sweep::run) into fresh outputs, [`run_into`](Sweep::run_into) caller buffers, or
/// [`reduce`](Sweep::reduce) every column to a value.
///
/// # How it runs
/// The columns (ordered as [`Columns`] describes: grid row, then symbol fastest) are cut into
/// chunks of [`chunk_len`](Sweep::chunk_len) consecutive columns, and the chunks are run on the
/// rayon pool (the one the call is made from, or the one given to [`pool`](Sweep::pool)).
/// Every worker writes straight into its own columns of the output matrices, which are
/// allocated once before dispatch; nothing is allocated per column and nothing is
/// concatenated. Work is shared across columns as the [`Indicator`] says: once per symbol,
/// and once per group of adjacent columns within a chunk. Every check (parameters, outputs,
/// sizes) happens before any thread starts. Results are the same bits for every thread count
/// and chunk length.
///
/// # Example
/// ```
/// use ndarray::Array2;
/// use ta_sweep::{fraction_range, supertrend, Prices, SuperTrend, Sweep};
///
/// let bars = 500;
/// let close = Array2::from_shape_fn((bars, 2), |(i, s)| 100.0 + s as f64 + (i as f64 * 0.1).sin());
/// let (high, low) = (&close + 0.5, &close - 0.5);
/// let prices = Prices::from_arrays(&high, &low, &close)?;
/// let grid = supertrend::grid(&[7, 10, 14], &fraction_range(20..=40, 10))?;
///
/// let out = Sweep::new(SuperTrend::default(), &prices, &grid).run()?;
/// assert_eq!(out.supert().unwrap().dim(), (bars, 3 * 21 * 2));
///
/// // Only the directions: one i8 matrix is allocated, nothing else.
/// let dirs = Sweep::new(SuperTrend::default(), &prices, &grid).outputs(&["superd"]).run()?;
/// assert!(dirs.supert().is_none());
/// assert_eq!(dirs.superd(), out.superd());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Sweep<'s, 'p, I: Indicator> {
    indicator: I,
    prices: &'s Prices<'p>,
    grid: &'s Grid<I::Params>,
    outputs: Option<&'s [&'s str]>,
    selection: Option<OutputSet>,
    chunk_len: Option<usize>,
    /// The columns to compute (start, end), if not all: a pair, so that the sweep stays `Copy`.
    column_range: Option<(usize, usize)>,
    memory_limit: Option<u128>,
    progress: Option<Progress<'s>>,
    pool: Option<&'s ThreadPool>,
}

impl<I: Indicator> std::fmt::Debug for Sweep<'_, '_, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweep")
            .field("bars", &self.prices.bars())
            .field("symbols", &self.prices.symbols())
            .field("combinations", &self.grid.len())
            .field("outputs", &self.outputs)
            .field("chunk_len", &self.chunk_len)
            .field("column_range", &self.column_range)
            .field("memory_limit", &self.memory_limit)
            .field("progress", &self.progress.is_some())
            .field("pool", &self.pool)
            .finish()
    }
}

impl<'s, 'p, I: Indicator> Sweep<'s, 'p, I> {
    /// A sweep of `indicator` with every row of `grid` over every symbol of `prices`,
    /// computing all its outputs, in chunks sized from the number of physical cores, on the
    /// current rayon pool.
    pub fn new(indicator: I, prices: &'s Prices<'p>, grid: &'s Grid<I::Params>) -> Self {
        Sweep {
            indicator,
            prices,
            grid,
            outputs: None,
            selection: None,
            chunk_len: None,
            column_range: None,
            memory_limit: None,
            progress: None,
            pool: None,
        }
    }

    /// The indicator swept.
    pub fn indicator(&self) -> &I {
        &self.indicator
    }

    /// Which outputs [`run`](Sweep::run) allocates and computes, and
    /// [`reduce`](Sweep::reduce) hands over, by name (default: all).
    /// [`run_into`](Sweep::run_into) computes the outputs it is given buffers for instead.
    /// The names are checked when the sweep runs.
    pub fn outputs(mut self, names: &'s [&'s str]) -> Self {
        self.outputs = Some(names);
        self.selection = None;
        self
    }

    /// Selects outputs by position in the schema (for the backtest, which resolved them).
    pub(crate) fn selection(mut self, selection: OutputSet) -> Self {
        self.selection = Some(selection);
        self.outputs = None;
        self
    }

    /// How many consecutive columns one rayon task computes.
    ///
    /// The default is `ceil(columns / (4 * physical cores))`: a few chunks per core, so work
    /// stealing can balance the load. A chunk computes each group's shared work (an ATR, a
    /// fast average) once for its columns, so chunks that hold whole groups share the most
    /// work; the results are the same bits for every chunk length. A length of 0 is an error
    /// when the sweep runs.
    pub fn chunk_len(mut self, columns: usize) -> Self {
        self.chunk_len = Some(columns);
        self
    }

    /// Computes only the columns `range` of the sweep (a shard of it, see [`shard`]): the
    /// outputs, reductions and states then have `range.len()` columns, column `j` holding
    /// column `range.start + j` of the whole sweep, the same bits. Concatenated in order, the
    /// shards of a sweep are the whole sweep. The range is checked when the sweep runs.
    ///
    /// [`shard`]: crate::shard
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{shard, Grid, Ma, Prices, Sweep};
    ///
    /// let close: Vec<f64> = (0..200).map(|i| 100.0 + (i as f64 * 0.1).sin()).collect();
    /// let prices = Prices::from_close_series([&close[..100], &close[100..]])?;
    /// let windows: Vec<usize> = (2..=30).collect();
    /// let grid = Grid::axis(&["window"], &windows)?;
    /// let whole = Sweep::new(Ma::simple(), &prices, &grid).run()?;
    ///
    /// let columns = grid.len() * prices.symbols();
    /// let second = Sweep::new(Ma::simple(), &prices, &grid)
    ///     .column_range(shard(columns, 1, 3)?)
    ///     .run()?;
    /// assert_eq!(second.columns.range(), 19..38);
    /// let ma = whole.get::<f64>("ma").unwrap();
    /// // The last bar, past every window's warm-up (whose NaNs would not compare equal).
    /// assert_eq!(second.get::<f64>("ma").unwrap().row(99), ma.slice(ndarray::s![99, 19..38]));
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn column_range(mut self, range: std::ops::Range<usize>) -> Self {
        self.column_range = Some((range.start, range.end));
        self
    }

    /// The most bytes [`run`](Sweep::run) may allocate: its outputs
    /// ([`output_bytes`](Sweep::output_bytes)), plus per column 32 bytes and 24 per output of
    /// the indicator for bookkeeping (128 for SuperTrend's four) and, with
    /// [`run_with_states`](Sweep::run_with_states), one state.
    /// [`run_into`](Sweep::run_into), whose outputs are the caller's, is held to it for the
    /// bookkeeping and states.
    ///
    /// The default is half the machine's physical memory where it can be read (Linux), 8 GiB
    /// elsewhere. Over the limit, a sweep returns [`Error::OutputTooLarge`] before allocating.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(u128::from(bytes));
        self
    }

    /// Calls `progress(columns_done, columns_total)` after every chunk.
    ///
    /// Calls come from the worker threads, one at a time and with increasing counts; the
    /// callback may itself run rayon work, on any pool. A sweep without a callback pays
    /// nothing for this feature.
    pub fn progress(mut self, progress: Progress<'s>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Runs on `pool` instead of the current rayon pool (the global one, unless the sweep is
    /// started from inside another pool).
    pub fn pool(mut self, pool: &'s ThreadPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// The column layout this sweep produces: every column, or the
    /// [column range](Sweep::column_range).
    ///
    /// # Errors
    /// - [`Error::TooManyColumns`] if rows times symbols overflows `usize`.
    /// - [`Error::InvalidColumnRange`] for a column range beyond the columns.
    pub fn columns(&self) -> Result<Columns<I::Params>> {
        let whole = Columns::new(self.grid.clone(), self.prices.symbols())?;
        match self.column_range {
            Some((start, end)) => whole.with_range(start..end),
            None => Ok(whole),
        }
    }

    /// The bytes [`run`](Sweep::run) allocates for the selected outputs:
    /// `bars * columns * bytes per bar` (25 for all four SuperTrend outputs), saturating at
    /// `u128::MAX`.
    ///
    /// # Errors
    /// As the selection's: [`Error::UnknownOutput`], [`Error::DuplicateOutput`]; and
    /// [`Error::InvalidColumnRange`] for a column range beyond the columns.
    pub fn output_bytes(&self) -> Result<u128> {
        let selected = self.selected()?;
        self.check_column_range()?;
        let schema = self.indicator.outputs();
        Ok(output_bytes(
            self.prices.bars(),
            self.column_count(),
            selected.bytes_per_bar(schema),
        ))
    }

    /// Computes the sweep into freshly allocated outputs.
    ///
    /// # Errors
    /// - [`Error::OutputTooLarge`] if the selected outputs (with the bookkeeping) exceed the
    ///   [memory limit](Sweep::memory_limit); checked before anything is allocated.
    /// - [`Error::UnknownOutput`], [`Error::DuplicateOutput`] for a bad
    ///   [selection](Sweep::outputs).
    /// - [`Error::MissingPrices`] if the indicator reads highs and lows that the prices lack.
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
    /// - The indicator's error for an invalid grid row (such as [`Error::InvalidPeriod`]).
    ///
    /// # Panics
    /// Only if the [progress](Sweep::progress) callback panics: the panic is propagated to the
    /// caller once the running chunks stop, and the partial outputs are dropped.
    pub fn run(&self) -> Result<SweepOutput<I>> {
        self.run_materialized(None).map(|(out, _)| out)
    }

    /// Computes the sweep into caller-owned matrices, for example to reuse them across sweeps.
    /// Only the outputs with a buffer are computed.
    ///
    /// # Errors
    /// - As [`run`](Sweep::run), the limit counting the bookkeeping only.
    /// - [`Error::UnknownOutput`] for a buffer of an output the indicator does not have,
    ///   [`Error::DuplicateOutput`] for two buffers of one output.
    /// - [`Error::OutputType`] if a buffer's element type is not the output's.
    /// - [`Error::OutputShape`] if a buffer is not (bars, columns).
    /// - [`Error::OutputLayout`] if a buffer is not column-major and contiguous.
    ///
    /// Every check happens before any buffer is written.
    ///
    /// # Panics
    /// Only if the progress callback panics; see [`run`](Sweep::run). The buffers then hold a
    /// partial result.
    ///
    /// # Example
    /// ```
    /// use ndarray::{Array2, ShapeBuilder};
    /// use ta_sweep::{supertrend, Prices, SuperTrend, Sweep, SweepBuffers};
    ///
    /// let (high, low, close) = ([10.0, 10.5, 10.4], [9.0, 9.6, 9.7], [9.5, 10.2, 10.0]);
    /// let prices = Prices::single(&high, &low, &close)?;
    /// let grid = supertrend::grid(&[1, 2], &[2.0, 3.0])?;
    /// let mut directions = Array2::<i8>::zeros((3, 4).f()); // (bars, columns), column-major
    /// for _ in 0..2 {
    ///     let buffers = SweepBuffers::new().with("superd", &mut directions);
    ///     Sweep::new(SuperTrend::default(), &prices, &grid).run_into(buffers)?;
    /// }
    /// assert!(directions.iter().all(|&d| d == 1 || d == -1));
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn run_into(&self, buffers: SweepBuffers<'_>) -> Result<()> {
        self.run_into_with(buffers, None).map(|_| ())
    }

    /// Computes every column and returns `reduce` of each, in column order, without
    /// materialising the outputs: each worker computes a few columns at a time into its own
    /// scratch and hands them to `reduce` one by one. Memory stays at a few columns per
    /// worker, whatever the grid, besides the values returned.
    ///
    /// # Errors
    /// As [`run`](Sweep::run), but the [memory limit](Sweep::memory_limit) holds only the
    /// values returned, `size_of::<T>()` bytes per column: [`Error::OutputTooLarge`] before
    /// any work starts if they would exceed it.
    ///
    /// # Panics
    /// Only if `reduce` panics: the panic is propagated once the running chunks stop.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{supertrend, Prices, SuperTrend, Sweep};
    ///
    /// let close: Vec<f64> = (0..300).map(|i| 50.0 + (i as f64 * 0.1).cos()).collect();
    /// let (high, low): (Vec<f64>, Vec<f64>) = close.iter().map(|c| (c + 0.2, c - 0.2)).unzip();
    /// let prices = Prices::single(&high, &low, &close)?;
    /// // How often each column's direction changes, with only the directions computed.
    /// let grid = supertrend::tutorial_grid();
    /// let flips = Sweep::new(SuperTrend::default(), &prices, &grid)
    ///     .outputs(&["superd"])
    ///     .reduce(|column| {
    ///         let superd = column.get::<i8>("superd").unwrap();
    ///         superd.windows(2).filter(|w| w[0] != w[1]).count()
    ///     })?;
    /// assert_eq!(flips.len(), 336);
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn reduce<T, F>(&self, reduce: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(ColumnView<'_, I::Params>) -> T + Sync,
    {
        self.reduce_init(|| (), |(), column| reduce(column))
    }

    /// [`reduce`](Sweep::reduce) with scratch: `init` makes a value, once per chunk of columns
    /// (so a few times per worker thread), that `reduce` gets mutably for every column of the
    /// chunk: a buffer to reuse instead of allocating per column, as rayon's `map_init`.
    ///
    /// # Errors
    /// As [`reduce`](Sweep::reduce).
    ///
    /// # Panics
    /// As [`reduce`](Sweep::reduce), for `init` too.
    pub fn reduce_init<S, T, G, F>(&self, init: G, reduce: F) -> Result<Vec<T>>
    where
        T: Send,
        G: Fn() -> S + Sync,
        F: Fn(&mut S, ColumnView<'_, I::Params>) -> T + Sync,
    {
        self.reduce_batches(init, |state, batch, results| {
            results.extend(batch.iter().map(|&column| reduce(state, column)));
        })
    }

    /// [`reduce_init`](Sweep::reduce_init) a batch at a time: `reduce` gets the columns the
    /// kernel computed together (at most [`LANES`](Indicator::LANES), of one symbol and
    /// group) and pushes one value per column onto its third argument, in the batch's order.
    /// For reductions that process several columns in lock step, so that their chains of
    /// dependent operations overlap.
    ///
    /// # Errors
    /// As [`reduce`](Sweep::reduce).
    ///
    /// # Panics
    /// As [`reduce`](Sweep::reduce); and if `reduce` does not push one value per column.
    pub fn reduce_batches<S, T, G, F>(&self, init: G, reduce: F) -> Result<Vec<T>>
    where
        T: Send,
        G: Fn() -> S + Sync,
        F: Fn(&mut S, &[ColumnView<'_, I::Params>], &mut Vec<T>) + Sync,
    {
        let selected = self.prepare(None)?;
        self.check_result_bytes(std::mem::size_of::<T>())?;
        let (columns, chunk_len) = self.layout()?;
        let job = || {
            dispatch::reduce(
                &self.indicator,
                self.prices,
                &columns,
                chunk_len,
                selected,
                self.progress,
                // References are `Send` for `Sync` closures, which `install` needs.
                &init,
                &reduce,
            )
        };
        Ok(self.install(job))
    }

    /// The selected outputs.
    fn selected(&self) -> Result<OutputSet> {
        let schema = self.indicator.outputs();
        match (self.selection, self.outputs) {
            (Some(selection), _) => Ok(selection),
            (None, Some(names)) => OutputSet::named(schema, names),
            (None, None) => Ok(OutputSet::all(schema)),
        }
    }

    /// Columns of the whole sweep as a `u128`, so that no product overflows before the size
    /// checks.
    fn whole_column_count(&self) -> u128 {
        (self.grid.len() as u128).saturating_mul(self.prices.symbols() as u128)
    }

    /// The columns computed, as a `u128`: the whole sweep's, or the range's (once checked).
    fn column_count(&self) -> u128 {
        match self.column_range {
            Some((start, end)) => end.saturating_sub(start) as u128,
            None => self.whole_column_count(),
        }
    }

    /// The memory limit in bytes: the one set, or the default; never above `isize::MAX`,
    /// which no allocation may exceed whatever the limit says.
    fn limit(&self) -> u128 {
        self.memory_limit
            .unwrap_or_else(default_memory_limit)
            .min(isize::MAX as u128)
    }

    /// A reduction's values, `bytes_per_column` per column, within the memory limit. In
    /// O(1), before the checks that read every grid row: a grid of billions of columns is
    /// refused at once, instead of after minutes of work that ends out of memory. The range
    /// is checked.
    fn check_result_bytes(&self, bytes_per_column: usize) -> Result<()> {
        let bytes = self.column_count().saturating_mul(bytes_per_column as u128);
        let limit = self.limit();
        if bytes > limit {
            return Err(Error::OutputTooLarge { bytes, limit });
        }
        Ok(())
    }

    /// The column range, if any, is within the whole sweep's columns, in O(1).
    fn check_column_range(&self) -> Result<()> {
        match self.column_range {
            Some((start, end)) if start > end || end as u128 > self.whole_column_count() => {
                Err(Error::InvalidColumnRange {
                    start,
                    end,
                    // Saturating: the layout check reports a count that overflows.
                    columns: self.whole_column_count().min(usize::MAX as u128) as usize,
                })
            }
            _ => Ok(()),
        }
    }

    /// The checks every way of running makes first, in O(1): the schema, the selection, the
    /// prices and, where `memory` gives the bytes per column besides the bookkeeping, the
    /// memory limit.
    fn prepare(&self, memory: Option<(u128, u128)>) -> Result<OutputSet> {
        let schema = self.indicator.outputs();
        if schema.len() > MAX_OUTPUTS {
            return Err(Error::TooManyOutputs {
                outputs: schema.len(),
                max: MAX_OUTPUTS,
            });
        }
        // Outputs are found by name, so a schema naming one twice would hide the second.
        for (k, spec) in schema.iter().enumerate() {
            if schema[..k]
                .iter()
                .any(|earlier| earlier.name() == spec.name())
            {
                return Err(Error::DuplicateOutput {
                    name: spec.name().to_string(),
                });
            }
        }
        let selected = self.selected()?;
        self.check_column_range()?;
        if self.indicator.inputs() == Inputs::HighLowClose && self.prices.inputs() == Inputs::Close
        {
            return Err(Error::MissingPrices { input: "high" });
        }
        if let Some((outputs, per_column)) = memory {
            let columns = self.column_count();
            let bookkeeping = bookkeeping_bytes(schema.len()).saturating_add(per_column);
            let bytes = columns.saturating_mul(bookkeeping).saturating_add(outputs);
            let limit = self.limit();
            if bytes > limit {
                return Err(Error::OutputTooLarge { bytes, limit });
            }
        }
        Ok(selected)
    }

    /// The checks that read every grid row, after the O(1) ones: the layout, the chunk
    /// length, and every row's parameters.
    fn layout(&self) -> Result<(Columns<I::Params>, usize)> {
        let columns = self.columns()?;
        let chunk_len = match self.chunk_len {
            Some(0) => return Err(Error::InvalidChunkLen { chunk_len: 0 }),
            Some(len) => len,
            None => {
                let chunks = num_cpus::get_physical().max(1) * CHUNKS_PER_CORE;
                columns.len().div_ceil(chunks).max(1)
            }
        };
        for params in self.grid.iter() {
            self.indicator.check(&params)?;
        }
        Ok((columns, chunk_len))
    }

    fn install<R: Send>(&self, job: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(job),
            None => job(),
        }
    }

    /// [`run`](Sweep::run), with the final states if `state_bytes` gives their size (per grid
    /// row) for the memory limit.
    fn run_materialized(
        &self,
        state_bytes: Option<StateBytes<'_, I::Params>>,
    ) -> Result<(SweepOutput<I>, Option<States<I>>)> {
        let outputs = self.output_bytes()?;
        let per_column = state_bytes.map_or(0, |_| std::mem::size_of::<I::State>() as u128);
        let selected = self.prepare(Some((outputs, per_column)))?;
        if let Some(bytes) = state_bytes {
            self.check_state_bytes(outputs, bytes)?;
        }
        let (columns, chunk_len) = self.layout()?;
        let (bars, width) = (self.prices.bars(), columns.len());
        let schema = self.indicator.outputs();
        let mut arrays: Vec<_> = schema
            .iter()
            .enumerate()
            .map(|(k, spec)| selected.contains(k).then(|| fresh_array(spec, bars, width)))
            .collect();
        let memory: Vec<Option<OutputMut<'_>>> = arrays
            .iter_mut()
            .map(|a| a.as_mut().map(array_memory))
            .collect();
        let states = self.dispatch(&columns, chunk_len, memory, state_bytes.is_some());
        let outputs = schema.iter().cloned().zip(arrays).collect();
        Ok((SweepOutput::new(bars, columns, outputs), states))
    }

    /// The limit with every column's state at its true size, summed over the grid rows (after
    /// the O(1) check with the states' inline size has passed, so the grid is of a size the
    /// machine can hold).
    fn check_state_bytes(
        &self,
        outputs: u128,
        state_bytes: &dyn Fn(&I::Params) -> usize,
    ) -> Result<()> {
        let schema = self.indicator.outputs();
        let per_row: u128 = self
            .grid
            .iter()
            .map(|params| state_bytes(&params) as u128)
            .fold(0u128, u128::saturating_add);
        let symbols = self.prices.symbols() as u128;
        let bytes = self
            .column_count()
            .saturating_mul(bookkeeping_bytes(schema.len()))
            .saturating_add(per_row.saturating_mul(symbols))
            .saturating_add(outputs);
        let limit = self.limit();
        if bytes > limit {
            return Err(Error::OutputTooLarge { bytes, limit });
        }
        Ok(())
    }

    /// [`run_into`](Sweep::run_into), with the final states if `state_bytes` is given.
    fn run_into_with(
        &self,
        buffers: SweepBuffers<'_>,
        state_bytes: Option<StateBytes<'_, I::Params>>,
    ) -> Result<Option<States<I>>> {
        let per_column = state_bytes.map_or(0, |_| std::mem::size_of::<I::State>() as u128);
        self.prepare(Some((0, per_column)))?;
        if let Some(bytes) = state_bytes {
            self.check_state_bytes(0, bytes)?;
        }
        let (columns, chunk_len) = self.layout()?;
        let shape = (self.prices.bars(), columns.len());
        let memory = buffers.into_slots(self.indicator.outputs(), shape)?;
        Ok(self.dispatch(&columns, chunk_len, memory, state_bytes.is_some()))
    }

    /// Runs the kernel over every column; returns the final states if they were asked for.
    fn dispatch(
        &self,
        columns: &Columns<I::Params>,
        chunk_len: usize,
        memory: Vec<Option<OutputMut<'_>>>,
        states: bool,
    ) -> Option<Vec<Option<I::State>>> {
        let mut states: Option<Vec<Option<I::State>>> =
            states.then(|| (0..columns.len()).map(|_| None).collect());
        let job = || {
            dispatch::materialize(
                &self.indicator,
                self.prices,
                columns,
                chunk_len,
                memory,
                states.as_deref_mut(),
                self.progress,
            )
        };
        self.install(job);
        states
    }
}

impl<'s, 'p, I: Streaming + Clone> Sweep<'s, 'p, I> {
    /// [`run`](Sweep::run), and every column's streaming state after the last bar, to continue
    /// the whole grid bar by bar. The memory limit counts the states too.
    ///
    /// # Errors
    /// As [`run`](Sweep::run).
    ///
    /// # Panics
    /// As [`run`](Sweep::run); and if the indicator's kernel leaves a state it was asked for
    /// unset, a bug of the indicator.
    pub fn run_with_states(&self) -> Result<(SweepOutput<I>, SweepState<I>)> {
        let indicator = &self.indicator;
        let (out, states) = self.run_materialized(Some(&|p| indicator.state_bytes(p)))?;
        let states = self.finish_states(out.columns.clone(), states);
        Ok((out, states))
    }

    /// [`run_into`](Sweep::run_into), and every column's streaming state after the last bar.
    ///
    /// # Errors
    /// As [`run_into`](Sweep::run_into), the limit counting the states.
    ///
    /// # Panics
    /// As [`run_with_states`](Sweep::run_with_states).
    pub fn run_into_with_states(&self, buffers: SweepBuffers<'_>) -> Result<SweepState<I>> {
        let indicator = &self.indicator;
        let states = self.run_into_with(buffers, Some(&|p| indicator.state_bytes(p)))?;
        Ok(self.finish_states(self.columns()?, states))
    }

    fn finish_states(
        &self,
        columns: Columns<I::Params>,
        states: Option<Vec<Option<I::State>>>,
    ) -> SweepState<I> {
        let states = states
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.expect("the indicator's kernel sets every state it is asked for"))
            .collect();
        SweepState::from_parts(self.indicator.clone(), columns, states)
    }
}
