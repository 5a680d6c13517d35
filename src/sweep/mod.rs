//! The indicator factory: a parameter grid over many symbols, on a rayon pool, straight into
//! preallocated column-major outputs.

mod buffers;
mod dispatch;
// One `madvise` call. Measured gain: fresh outputs of the tutorial workload written 3.2x
// faster on huge pages (`benches/sweep.rs`, `memory_floor/fresh` vs `fresh_4k_pages`).
#[allow(unsafe_code)]
mod huge_pages;
pub(crate) mod kernel;
mod state;

use ndarray::{Array2, ArrayRef2, ShapeBuilder};
use rayon::ThreadPool;

use crate::error::{Error, Result};
use crate::indicator::SuperTrendKernel;
use crate::kernel::supertrend::{OutputColumns, SuperTrendState};
use crate::kernel::variant::Variant;
use crate::output::{Output, OutputSet, SweepOutput};
use crate::params::{ParamGrid, SuperTrendParams, SweepColumns};
use crate::prices::Prices;

use self::buffers::{column_major_slice, default_memory_limit, output_bytes};
pub use self::dispatch::ColumnView;
use self::huge_pages::advise_huge_pages;
pub use self::state::{SweepBar, SweepState};

/// How many chunks each physical core gets by default: more than one, so that rayon can
/// balance the load when a core is busy with something else, and few enough that a chunk
/// holds whole periods of a typical grid (whose columns then share one ATR).
const CHUNKS_PER_CORE: usize = 4;

/// Bytes a materialising sweep allocates per column besides the outputs (the column slices
/// handed to the workers, the kernel's groups), rounded up from the 90 measured. Over few bars
/// they outweigh the outputs: a sweep of millions of columns over zero bars has no output
/// bytes, yet would exhaust memory if the limit did not count them.
const COLUMN_BOOKKEEPING_BYTES: u128 = 128;

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
    variant: Variant,
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
            .field("variant", &self.variant)
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
            variant: Variant::default(),
        }
    }

    /// Which [definition](Variant) of SuperTrend to compute (default: [`Variant::Vectorbt`]).
    /// Every column, state and reduction of the sweep uses it.
    pub fn variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
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

    /// The most bytes [`run`](Sweep::run) may allocate: its outputs
    /// ([`output_bytes`](Sweep::output_bytes)), plus 128 bytes of bookkeeping per column and,
    /// with [`with_states`](Sweep::with_states), one state per column.
    /// [`run_into`](Sweep::run_into), whose outputs are the caller's, is held to it for the
    /// bookkeeping and states.
    ///
    /// The default is half the machine's physical memory where it can be read (Linux), 8 GiB
    /// elsewhere. Over the limit, `run` returns [`Error::OutputTooLarge`] before allocating.
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
    /// - [`Error::OutputTooLarge`] if the selected outputs (with the bookkeeping and states)
    ///   exceed the [memory limit](Sweep::memory_limit); checked before anything is allocated.
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
    ///
    /// # Panics
    /// Only if the [progress](Sweep::progress) callback panics: the panic is propagated to the
    /// caller once the running chunks stop, and the partial outputs are dropped.
    pub fn run(&self) -> Result<SweepOutput> {
        self.check_memory(self.output_bytes())?;
        let columns = self.columns()?;
        let chunk_len = self.resolved_chunk_len(columns.len())?;
        let (bars, width) = (self.prices.bars(), columns.len());
        let wanted = |o: Output| self.outputs.contains(o);
        let mut supert = wanted(Output::Supert).then(|| output_matrix(bars, width));
        let mut superd = wanted(Output::Superd).then(|| output_matrix(bars, width));
        let mut superl = wanted(Output::Superl).then(|| output_matrix(bars, width));
        let mut supers = wanted(Output::Supers).then(|| output_matrix(bars, width));
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
    /// - [`Error::OutputTooLarge`] if the bookkeeping and states of the columns exceed the
    ///   [memory limit](Sweep::memory_limit).
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
        self.check_memory(0)?;
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

    /// Computes every column and reduces it to one value, without materialising the outputs:
    /// memory stays at a few columns per worker thread, whatever the size of the grid.
    ///
    /// `reduce` sees each column's [selected outputs](Sweep::outputs) and key as a
    /// [`ColumnView`] into the worker's scratch buffer, valid for that call only, and returns
    /// the column's value (a count, a score, a backtest). The values come back in column
    /// order. The [memory limit](Sweep::memory_limit) and [`with_states`](Sweep::with_states)
    /// do not apply; chunks, pool and progress do.
    ///
    /// # Errors
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
    ///
    /// # Panics
    /// If `reduce` or the progress callback panics, the panic is propagated to the caller once
    /// the running chunks stop; nothing is returned and no shared state is left behind.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{Output, OutputSet, ParamGrid, Prices, Sweep};
    ///
    /// let close: Vec<f64> = (0..500).map(|i| 100.0 + (i as f64 * 0.05).sin() * 5.0).collect();
    /// let high: Vec<f64> = close.iter().map(|c| c + 0.5).collect();
    /// let low: Vec<f64> = close.iter().map(|c| c - 0.5).collect();
    /// let prices = Prices::single(&high, &low, &close)?;
    /// let grid = ParamGrid::tutorial();
    ///
    /// // The number of direction changes of every column; only the directions are computed.
    /// let flips: Vec<usize> = Sweep::new(&prices, &grid)
    ///     .outputs(OutputSet::only(Output::Superd))
    ///     .reduce(|column| {
    ///         let superd = column.superd.unwrap();
    ///         superd.windows(2).filter(|w| w[0] != w[1]).count()
    ///     })?;
    /// assert_eq!(flips.len(), 336);
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn reduce<T, F>(&self, reduce: F) -> Result<Vec<T>>
    where
        T: Send,
        F: Fn(ColumnView<'_>) -> T + Sync,
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
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{ParamGrid, Prices, Sweep};
    ///
    /// let close: Vec<f64> = (0..300).map(|i| 50.0 + (i as f64 * 0.1).cos()).collect();
    /// let (high, low): (Vec<f64>, Vec<f64>) = close.iter().map(|c| (c + 0.2, c - 0.2)).unzip();
    /// let prices = Prices::single(&high, &low, &close)?;
    /// // The median line of every column, sorting in one reused buffer per chunk.
    /// let medians = Sweep::new(&prices, &ParamGrid::product(&[5, 10], &[1.0, 2.0])?).reduce_init(
    ///     Vec::new,
    ///     |buffer: &mut Vec<f64>, column| {
    ///         buffer.clear();
    ///         buffer.extend(column.supert.unwrap().iter().filter(|x| !x.is_nan()));
    ///         buffer.sort_by(f64::total_cmp);
    ///         buffer[buffer.len() / 2]
    ///     },
    /// )?;
    /// assert_eq!(medians.len(), 4);
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn reduce_init<S, T, I, F>(&self, init: I, reduce: F) -> Result<Vec<T>>
    where
        T: Send,
        I: Fn() -> S + Sync,
        F: Fn(&mut S, ColumnView<'_>) -> T + Sync,
    {
        let columns = self.columns()?;
        let chunk_len = self.resolved_chunk_len(columns.len())?;
        let job = || {
            dispatch::reduce(
                &SuperTrendKernel::new(self.variant),
                self.prices,
                &columns,
                chunk_len,
                self.outputs,
                self.progress,
                // References are `Send` for `Sync` closures, which `install` needs.
                &init,
                &reduce,
            )
        };
        Ok(match self.pool {
            Some(pool) => pool.install(job),
            None => job(),
        })
    }

    /// Refuses a materialising sweep that would allocate more than the memory limit: `outputs`
    /// bytes, plus the bookkeeping and the states of every column.
    fn check_memory(&self, outputs: u128) -> Result<()> {
        let states = if self.states {
            std::mem::size_of::<SuperTrendState>() as u128
        } else {
            0
        };
        let columns = (self.grid.len() as u128).saturating_mul(self.prices.symbols() as u128);
        let bytes = columns
            .saturating_mul(COLUMN_BOOKKEEPING_BYTES + states)
            .saturating_add(outputs);
        // No allocation may exceed `isize::MAX` bytes, whatever the limit says.
        let limit = self
            .memory_limit
            .unwrap_or_else(default_memory_limit)
            .min(isize::MAX as u128);
        if bytes > limit {
            return Err(Error::OutputTooLarge { bytes, limit });
        }
        Ok(())
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
        let mut states = self.states.then(|| fresh_states(columns, self.variant));
        let job = || {
            dispatch::materialize(
                &SuperTrendKernel::new(self.variant),
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

/// A fresh streaming state (no bar seen) for every column.
fn fresh_states(columns: &SweepColumns, variant: Variant) -> Vec<SuperTrendState> {
    columns
        .keys()
        .map(|k| {
            let params = SuperTrendParams::from_valid(k.period, k.multiplier).with_variant(variant);
            SuperTrendState::new(params)
        })
        .collect()
}

/// A zeroed (bars, columns) matrix in the layout sweeps write: column-major, so every column is
/// one contiguous slice, and on huge pages where the OS offers them.
///
/// [`Sweep::run`] allocates its outputs this way; use it for the buffers of
/// [`Sweep::run_into`] too. A large zeroed allocation comes straight from the OS with no page
/// touched yet, and is advised onto huge pages (Linux `madvise(MADV_HUGEPAGE)`), so the first
/// writes, spread over the workers, fault it in with 2 MiB pages instead of 4 KiB ones: several
/// times faster for fresh outputs of hundreds of megabytes.
///
/// # Panics
/// If `bars * columns * size_of::<T>()` overflows `isize`, like every `ndarray` constructor
/// (check [`Sweep::output_bytes`] first for sizes that come from users).
///
/// # Example
/// ```
/// use ta_sweep::output_matrix;
///
/// let superd = output_matrix::<i8>(1000, 42);
/// assert_eq!(superd.dim(), (1000, 42));
/// assert!(superd.column(7).as_slice().is_some());
/// ```
pub fn output_matrix<T: Clone + Default>(bars: usize, columns: usize) -> Array2<T> {
    // `from_elem` with a zero value allocates zeroed memory (`calloc`) without touching it.
    let mut matrix = Array2::from_elem((bars, columns).f(), T::default());
    if let Some(memory) = matrix.as_slice_memory_order_mut() {
        advise_huge_pages(memory);
    }
    matrix
}
