//! The indicator factory: a parameter grid over many symbols, on a rayon pool, straight into
//! preallocated column-major outputs.

mod buffers;
pub(crate) mod kernel;
mod state;

use std::sync::Mutex;

use ndarray::{Array2, ArrayRef2, ShapeBuilder};
use rayon::prelude::*;
use rayon::ThreadPool;

use crate::error::{Error, Result};
use crate::indicator::SuperTrendKernel;
use crate::kernel::supertrend::{OutputColumns, SuperTrendState};
use crate::output::{Output, OutputSet, SweepOutput};
use crate::params::{ParamGrid, SuperTrendParams, SweepColumns};
use crate::prices::Prices;

use self::buffers::{column_major_slice, default_memory_limit, output_bytes, split_columns};
use self::kernel::{ColumnOut, SweepKernel};
pub use self::state::{SweepBar, SweepState};

/// How many chunks each physical core gets by default: more than one, so that rayon can
/// balance the load when a core is busy with something else, and few enough that a chunk
/// holds whole periods of a typical grid (whose columns then share one ATR).
const CHUNKS_PER_CORE: usize = 4;

/// A progress callback: `(columns done, columns in total)`.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// A SuperTrend sweep over a parameter grid and one or many symbols: configure, then
/// [`run`](Sweep::run) into fresh outputs or [`run_into`](Sweep::run_into) caller buffers.
///
/// # How it runs
/// The columns (ordered as [`SweepColumns`] describes) are cut into chunks of
/// [`chunk_len`](Sweep::chunk_len) consecutive columns, and the chunks are run on the rayon
/// pool (the one the call is made from, or the one given to [`pool`](Sweep::pool)). Every
/// worker writes straight into its own columns of the output matrices, which are allocated
/// once before dispatch; nothing is allocated per column and nothing is concatenated. Work is
/// shared across columns: the true range once per symbol, and the ATR once per
/// (symbol, period) within a chunk. Results are bit-identical to the single-series
/// [`supertrend`](crate::supertrend) for every column, whatever the thread count and chunk
/// length.
///
/// # Example
/// ```
/// use ndarray::Array2;
/// use ta_sweep::{fraction_range, Output, OutputSet, ParamGrid, Prices, Sweep};
///
/// let bars = 500;
/// let close = Array2::from_shape_fn((bars, 2), |(i, s)| 100.0 + s as f64 + (i as f64 * 0.1).sin());
/// let high = &close + 0.5;
/// let low = &close - 0.5;
/// let prices = Prices::from_arrays(&high, &low, &close)?;
/// let grid = ParamGrid::product(&[7, 10, 14], &fraction_range(20..=40, 10))?;
///
/// let out = Sweep::new(&prices, &grid).run()?;
/// assert_eq!(out.supert.as_ref().unwrap().dim(), (bars, 3 * 21 * 2));
///
/// // Only the directions: one i8 matrix is allocated, nothing else.
/// let dirs = Sweep::new(&prices, &grid).outputs(OutputSet::only(Output::Superd)).run()?;
/// assert!(dirs.supert.is_none());
/// assert_eq!(dirs.superd.unwrap(), out.superd.unwrap());
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Sweep<'s, 'p> {
    prices: &'s Prices<'p>,
    grid: &'s ParamGrid,
    outputs: OutputSet,
    chunk_len: Option<usize>,
    memory_limit: Option<u128>,
    progress: Option<Progress<'s>>,
    pool: Option<&'s ThreadPool>,
    states: bool,
}

impl std::fmt::Debug for Sweep<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sweep")
            .field("bars", &self.prices.bars())
            .field("symbols", &self.prices.symbols())
            .field("combinations", &self.grid.len())
            .field("outputs", &self.outputs)
            .field("chunk_len", &self.chunk_len)
            .field("memory_limit", &self.memory_limit)
            .field("progress", &self.progress.is_some())
            .field("pool", &self.pool)
            .field("states", &self.states)
            .finish()
    }
}

/// Caller-owned output matrices for [`Sweep::run_into`]: exactly the outputs given are
/// computed.
///
/// Each must have shape (bars, columns) and be column-major and contiguous, as
/// `Array2::zeros((bars, columns).f())` is. Views of such arrays work too.
#[derive(Debug, Default)]
pub struct SweepBuffers<'b> {
    /// Receives the SuperTrend lines.
    pub supert: Option<&'b mut ArrayRef2<f64>>,
    /// Receives the directions.
    pub superd: Option<&'b mut ArrayRef2<i8>>,
    /// Receives the long bands.
    pub superl: Option<&'b mut ArrayRef2<f64>>,
    /// Receives the short bands.
    pub supers: Option<&'b mut ArrayRef2<f64>>,
}

impl<'s, 'p> Sweep<'s, 'p> {
    /// A sweep of every combination of `grid` over every symbol of `prices`, computing all
    /// four outputs, in chunks sized from the number of physical cores, on the current rayon
    /// pool.
    pub fn new(prices: &'s Prices<'p>, grid: &'s ParamGrid) -> Self {
        Sweep {
            prices,
            grid,
            outputs: OutputSet::ALL,
            chunk_len: None,
            memory_limit: None,
            progress: None,
            pool: None,
            states: false,
        }
    }

    /// Which outputs [`run`](Sweep::run) allocates and computes (default: all four).
    /// [`run_into`](Sweep::run_into) computes the outputs it is given buffers for instead.
    pub fn outputs(mut self, outputs: OutputSet) -> Self {
        self.outputs = outputs;
        self
    }

    /// How many consecutive columns one rayon task computes.
    ///
    /// The default is `ceil(columns / (4 * physical cores))`: a few chunks per core, so work
    /// stealing can balance the load. A chunk computes each (symbol, period) ATR once for its
    /// columns, so chunks that hold whole periods share the most work; the results are the
    /// same bits for every chunk length. A length of 0 is an error when the sweep runs.
    pub fn chunk_len(mut self, columns: usize) -> Self {
        self.chunk_len = Some(columns);
        self
    }

    /// The most bytes [`run`](Sweep::run) may allocate for its outputs.
    ///
    /// The default is half the machine's physical memory where it can be read (Linux), 8 GiB
    /// elsewhere. Over the limit, `run` returns [`Error::OutputTooLarge`] before allocating.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(u128::from(bytes));
        self
    }

    /// Calls `progress(columns_done, columns_total)` after every chunk.
    ///
    /// Calls come from the worker threads, one at a time and with increasing counts. A sweep
    /// without a callback pays nothing for this feature.
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

    /// Also return every column's streaming state after the last bar
    /// ([`SweepOutput::states`]), to continue the sweep bar by bar.
    pub fn with_states(mut self) -> Self {
        self.states = true;
        self
    }

    /// The column layout this sweep produces.
    ///
    /// # Errors
    /// [`Error::TooManyColumns`] if combinations times symbols overflows `usize`.
    pub fn columns(&self) -> Result<SweepColumns> {
        SweepColumns::new(self.grid.clone(), self.prices.symbols())
    }

    /// The bytes [`run`](Sweep::run) allocates for the selected outputs:
    /// `bars * columns * bytes per bar` (25 for all four outputs), saturating at `u128::MAX`.
    pub fn output_bytes(&self) -> u128 {
        output_bytes(
            self.prices.bars(),
            self.grid.len(),
            self.prices.symbols(),
            self.outputs,
        )
    }

    /// Computes the sweep into freshly allocated outputs.
    ///
    /// # Errors
    /// - [`Error::OutputTooLarge`] if the selected outputs exceed the
    ///   [memory limit](Sweep::memory_limit); checked before anything is allocated.
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
    ///
    /// # Panics
    /// Only if the [progress](Sweep::progress) callback panics: the panic is propagated to the
    /// caller once the running chunks stop, and the partial outputs are dropped.
    pub fn run(&self) -> Result<SweepOutput> {
        let bytes = self.output_bytes();
        let limit = self.memory_limit.unwrap_or_else(default_memory_limit);
        if bytes > limit {
            return Err(Error::OutputTooLarge { bytes, limit });
        }
        let columns = self.columns()?;
        let chunk_len = self.resolved_chunk_len(columns.len())?;
        let shape = (self.prices.bars(), columns.len()).f();
        let wanted = |o: Output| self.outputs.contains(o);
        let mut supert = wanted(Output::Supert).then(|| Array2::<f64>::zeros(shape));
        let mut superd = wanted(Output::Superd).then(|| Array2::<i8>::zeros(shape));
        let mut superl = wanted(Output::Superl).then(|| Array2::<f64>::zeros(shape));
        let mut supers = wanted(Output::Supers).then(|| Array2::<f64>::zeros(shape));
        let slices = OutputColumns {
            supert: supert.as_mut().and_then(|a| a.as_slice_memory_order_mut()),
            superd: superd.as_mut().and_then(|a| a.as_slice_memory_order_mut()),
            superl: superl.as_mut().and_then(|a| a.as_slice_memory_order_mut()),
            supers: supers.as_mut().and_then(|a| a.as_slice_memory_order_mut()),
        };
        let states = self.dispatch(&columns, chunk_len, slices);
        Ok(SweepOutput {
            bars: self.prices.bars(),
            states: states.map(|s| SweepState::from_parts(columns.clone(), s)),
            columns,
            supert,
            superd,
            superl,
            supers,
        })
    }

    /// Computes the sweep into caller-owned matrices, for example to reuse them across sweeps.
    ///
    /// Only the outputs with a buffer are computed. Returns the final streaming states if
    /// [`with_states`](Sweep::with_states) was asked for.
    ///
    /// # Errors
    /// - [`Error::OutputShape`] if a buffer is not (bars, columns).
    /// - [`Error::OutputLayout`] if a buffer is not column-major and contiguous.
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
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
    /// use ta_sweep::{ParamGrid, Prices, Sweep, SweepBuffers};
    ///
    /// let (high, low, close) = ([10.0, 10.5, 10.4], [9.0, 9.6, 9.7], [9.5, 10.2, 10.0]);
    /// let prices = Prices::single(&high, &low, &close)?;
    /// let grid = ParamGrid::product(&[1, 2], &[2.0, 3.0])?;
    /// let mut directions = Array2::<i8>::zeros((3, 4).f()); // (bars, columns), column-major
    /// for _ in 0..2 {
    ///     let buffers = SweepBuffers { superd: Some(&mut directions), ..Default::default() };
    ///     Sweep::new(&prices, &grid).run_into(buffers)?;
    /// }
    /// assert!(directions.iter().all(|&d| d == 1 || d == -1));
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn run_into(&self, buffers: SweepBuffers<'_>) -> Result<Option<SweepState>> {
        let columns = self.columns()?;
        let chunk_len = self.resolved_chunk_len(columns.len())?;
        let shape = (self.prices.bars(), columns.len());
        let slices = OutputColumns {
            supert: column_major_slice(buffers.supert, Output::Supert, shape)?,
            superd: column_major_slice(buffers.superd, Output::Superd, shape)?,
            superl: column_major_slice(buffers.superl, Output::Superl, shape)?,
            supers: column_major_slice(buffers.supers, Output::Supers, shape)?,
        };
        let states = self.dispatch(&columns, chunk_len, slices);
        Ok(states.map(|s| SweepState::from_parts(columns, s)))
    }

    fn resolved_chunk_len(&self, columns: usize) -> Result<usize> {
        match self.chunk_len {
            Some(0) => Err(Error::InvalidChunkLen { chunk_len: 0 }),
            Some(len) => Ok(len),
            None => {
                let chunks = num_cpus::get_physical().max(1) * CHUNKS_PER_CORE;
                Ok(columns.div_ceil(chunks).max(1))
            }
        }
    }

    /// Runs the kernel over every column; returns the final states if they were asked for.
    fn dispatch(
        &self,
        columns: &SweepColumns,
        chunk_len: usize,
        outputs: OutputColumns<'_>,
    ) -> Option<Vec<SuperTrendState>> {
        let mut states = self.states.then(|| {
            columns
                .keys()
                .map(|k| SuperTrendState::new(SuperTrendParams::from_valid(k.period, k.multiplier)))
                .collect::<Vec<_>>()
        });
        let job = || {
            run_chunks(
                &SuperTrendKernel,
                self.prices,
                columns,
                chunk_len,
                outputs,
                states.as_deref_mut(),
                self.progress,
            )
        };
        match self.pool {
            Some(pool) => pool.install(job),
            None => job(),
        }
        states
    }
}

/// Computes every column of `columns` with `kernel`, in parallel chunks of `chunk_len`.
///
/// `outputs` are whole (bars, columns) matrices in column-major memory order; `states`, if
/// given, has one slot per column.
fn run_chunks<K: SweepKernel>(
    kernel: &K,
    prices: &Prices<'_>,
    columns: &SweepColumns,
    chunk_len: usize,
    outputs: OutputColumns<'_>,
    states: Option<&mut [K::State]>,
    progress: Option<Progress<'_>>,
) {
    let (bars, total) = (prices.bars(), columns.len());
    let shared: Vec<K::Shared> = prices
        .as_slice()
        .par_iter()
        .map(|p| kernel.share(p))
        .collect();

    // One `ColumnOut` per column, then `chunk_len` of them per task: the only allocations
    // are these lists of slices, never the columns' data.
    let mut supert = split_columns(outputs.supert, bars, total);
    let mut superd = split_columns(outputs.superd, bars, total);
    let mut superl = split_columns(outputs.superl, bars, total);
    let mut supers = split_columns(outputs.supers, bars, total);
    let mut states = states.map(|s| s.iter_mut());
    let column_outs = (0..total).map(|_| ColumnOut {
        outputs: OutputColumns {
            supert: supert.next().flatten(),
            superd: superd.next().flatten(),
            superl: superl.next().flatten(),
            supers: supers.next().flatten(),
        },
        state: states.as_mut().and_then(Iterator::next),
    });
    let mut chunks = Vec::with_capacity(total.div_ceil(chunk_len));
    let mut rest = column_outs;
    for first in (0..total).step_by(chunk_len) {
        let chunk: Vec<_> = rest.by_ref().take(chunk_len).collect();
        chunks.push((first, chunk));
    }

    // A local lock: a panicking callback poisons only this sweep's counter.
    let done = Mutex::new(0usize);
    chunks.into_par_iter().for_each_init(
        || kernel.scratch(bars),
        |scratch, (first, chunk)| {
            let len = chunk.len();
            run_chunk(kernel, prices, &shared, columns, scratch, first, chunk);
            if let Some(progress) = progress {
                let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                *done += len;
                progress(*done, total);
            }
        },
    );
}

/// Computes the columns `first .. first + chunk.len()`: for each symbol, every run of
/// consecutive combinations with the same period is one kernel group.
fn run_chunk<K: SweepKernel>(
    kernel: &K,
    prices: &Prices<'_>,
    shared: &[K::Shared],
    columns: &SweepColumns,
    scratch: &mut K::Scratch,
    first: usize,
    chunk: Vec<ColumnOut<'_, K::State>>,
) {
    let symbols = columns.symbols();
    let combos = columns.grid().as_slice();
    let end = first + chunk.len();
    let mut slots: Vec<Option<ColumnOut<'_, K::State>>> = chunk.into_iter().map(Some).collect();
    let mut group = Vec::new();
    let mut multipliers = Vec::new();
    for (symbol, (symbol_prices, shared)) in prices.as_slice().iter().zip(shared).enumerate() {
        // The symbol's columns in this chunk: first + offset, first + offset + symbols, ...
        let offset = (symbol + symbols - first % symbols) % symbols;
        let mut symbol_columns = (first + offset..end).step_by(symbols).peekable();
        while let Some(column) = symbol_columns.next() {
            let (period, multiplier) = combos[column / symbols];
            group.push(
                slots[column - first]
                    .take()
                    .expect("each column is visited once"),
            );
            multipliers.push(multiplier);
            let next_period = symbol_columns.peek().map(|&c| combos[c / symbols].0);
            if next_period != Some(period) {
                kernel.run_group(
                    symbol_prices,
                    shared,
                    scratch,
                    period,
                    &multipliers,
                    &mut group,
                );
                group.clear();
                multipliers.clear();
            }
        }
    }
}
