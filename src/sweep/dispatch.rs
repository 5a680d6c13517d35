//! Running a kernel over every column: chunks on the rayon pool, grouped for the kernel, into
//! output matrices or through a per-column reducer.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, TryLockError};

use rayon::prelude::*;

use super::buffers::split_columns;
use super::kernel::{ColumnOut, SweepKernel};
use super::Progress;
use crate::kernel::supertrend::OutputColumns;
use crate::output::{Output, OutputSet};
use crate::params::{ColumnKey, SweepColumns};
use crate::prices::{Prices, SymbolPrices};

/// Runs `work` on every chunk of `chunk_len` consecutive columns, in parallel, and returns its
/// results in column order. `work` gets the worker's kernel scratch, every symbol's shared
/// series and the chunk.
fn drive<K, C, R, W>(
    kernel: &K,
    prices: &Prices<'_>,
    total: usize,
    chunks: Vec<(Range<usize>, C)>,
    progress: Option<Progress<'_>>,
    work: W,
) -> Vec<R>
where
    K: SweepKernel,
    C: Send,
    R: Send,
    W: Fn(&mut K::Scratch, &[K::Shared], Range<usize>, C) -> R + Sync,
{
    let shared: Vec<K::Shared> = prices
        .as_slice()
        .par_iter()
        .map(|p| kernel.share(p))
        .collect();
    let reports = Reports::default();
    chunks
        .into_par_iter()
        .map_init(
            || kernel.scratch(prices.bars()),
            |scratch, (range, chunk)| {
                let len = range.len();
                let result = work(scratch, &shared, range, chunk);
                if let Some(progress) = progress {
                    reports.finished(len, progress, total);
                }
                result
            },
        )
        .collect()
}

/// The progress of one sweep: a local lock, so a panicking callback poisons only this sweep.
///
/// A worker never waits for another one's callback. A callback that runs rayon work (its own
/// or a library's) may, while it waits, be handed this sweep's other chunks on the same
/// thread; had their reports waited for the lock its caller holds, the sweep would deadlock.
/// So a finished chunk is queued, and whoever holds the lock reports the queue, one call per
/// chunk, with increasing counts.
#[derive(Default)]
struct Reports {
    /// Lengths of finished chunks not yet reported; locked briefly, never across a callback.
    queue: Mutex<VecDeque<usize>>,
    /// Columns reported so far; held by the one worker calling the callback.
    done: Mutex<usize>,
}

impl Reports {
    fn finished(&self, len: usize, progress: Progress<'_>, total: usize) {
        let queue = || self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue().push_back(len);
        loop {
            let mut done = match self.done.try_lock() {
                Ok(done) => done,
                // The holder checks the queue after letting go, so it reports this chunk.
                Err(TryLockError::WouldBlock) => return,
                // A callback panicked and the sweep is unwinding: report nothing more.
                Err(TryLockError::Poisoned(_)) => return,
            };
            loop {
                let next = queue().pop_front();
                let Some(len) = next else { break };
                *done += len;
                progress(*done, total);
            }
            drop(done);
            if queue().is_empty() {
                return;
            }
        }
    }
}

/// The column ranges of chunks of `chunk_len` columns.
fn chunk_ranges(total: usize, chunk_len: usize) -> impl Iterator<Item = Range<usize>> {
    (0..total)
        .step_by(chunk_len)
        .map(move |first| first..(first + chunk_len).min(total))
}

/// Computes every column into `outputs`, whole (bars, columns) matrices in column-major
/// memory order, and `states` (one slot per column) if given.
pub(super) fn materialize<K: SweepKernel>(
    kernel: &K,
    prices: &Prices<'_>,
    columns: &SweepColumns,
    chunk_len: usize,
    outputs: OutputColumns<'_>,
    states: Option<&mut [K::State]>,
    progress: Option<Progress<'_>>,
) {
    let (bars, total) = (prices.bars(), columns.len());
    // One `ColumnOut` per column, then `chunk_len` of them per task: the only allocations
    // are these lists of slices, never the columns' data.
    let mut supert = split_columns(outputs.supert, bars, total);
    let mut superd = split_columns(outputs.superd, bars, total);
    let mut superl = split_columns(outputs.superl, bars, total);
    let mut supers = split_columns(outputs.supers, bars, total);
    let mut states = states.map(|s| s.iter_mut());
    let mut column_outs = (0..total).map(|_| ColumnOut {
        outputs: OutputColumns {
            supert: supert.next().flatten(),
            superd: superd.next().flatten(),
            superl: superl.next().flatten(),
            supers: supers.next().flatten(),
        },
        state: states.as_mut().and_then(Iterator::next),
    });
    let chunks = chunk_ranges(total, chunk_len)
        .map(|range| {
            let chunk: Vec<_> = column_outs.by_ref().take(range.len()).collect();
            (range, chunk)
        })
        .collect();
    drive(
        kernel,
        prices,
        total,
        chunks,
        progress,
        |scratch, shared, range, chunk| {
            let mut slots: Vec<Option<ColumnOut<'_, K::State>>> =
                chunk.into_iter().map(Some).collect();
            let mut batch = Vec::with_capacity(K::LANES);
            let first = range.start;
            let visit = |symbol: &SymbolPrices<'_>,
                         shared: &K::Shared,
                         scratch: &K::Scratch,
                         multipliers: &[f64],
                         lanes: &[usize]| {
                batch.extend(lanes.iter().map(|&column| {
                    slots[column - first]
                        .take()
                        .expect("each column is visited once")
                }));
                kernel.run_columns(symbol, shared, scratch, multipliers, &mut batch);
                batch.clear();
            };
            for_each_batch(kernel, prices, shared, columns, scratch, range, visit);
        },
    );
}

/// Runs the kernel's groups over the columns `range`: for each group, `start_group` once,
/// then `visit` with each batch of at most `K::LANES` of its columns and their multipliers.
fn for_each_batch<K, V>(
    kernel: &K,
    prices: &Prices<'_>,
    shared: &[K::Shared],
    columns: &SweepColumns,
    scratch: &mut K::Scratch,
    range: Range<usize>,
    mut visit: V,
) where
    K: SweepKernel,
    V: FnMut(&SymbolPrices<'_>, &K::Shared, &K::Scratch, &[f64], &[usize]),
{
    let (combos, symbols) = (columns.grid().as_slice(), columns.symbols());
    let mut multipliers = Vec::with_capacity(K::LANES);
    for group in kernel_groups(columns, range) {
        let (symbol, shared) = (&prices.as_slice()[group.symbol], &shared[group.symbol]);
        kernel.start_group(symbol, shared, scratch, group.period);
        for lanes in group.columns.chunks(K::LANES) {
            multipliers.clear();
            multipliers.extend(lanes.iter().map(|&column| combos[column / symbols].1));
            visit(symbol, shared, scratch, &multipliers, lanes);
        }
    }
}

/// Columns of one symbol that share a period, and so the work of one
/// [`SweepKernel::start_group`].
#[derive(Debug)]
struct KernelGroup {
    symbol: usize,
    period: usize,
    columns: Vec<usize>,
}

/// The columns in `range`, grouped for the kernel: for each symbol, every run of consecutive
/// combinations with the same period.
fn kernel_groups(columns: &SweepColumns, range: Range<usize>) -> Vec<KernelGroup> {
    let (symbols, combos) = (columns.symbols(), columns.grid().as_slice());
    let mut groups: Vec<KernelGroup> = Vec::new();
    for symbol in 0..symbols {
        // The symbol's columns in the range: start + offset, start + offset + symbols, ...
        let offset = (symbol + symbols - range.start % symbols) % symbols;
        let mut open: Option<KernelGroup> = None;
        for column in (range.start + offset..range.end).step_by(symbols) {
            let period = combos[column / symbols].0;
            match open.as_mut() {
                Some(group) if group.period == period => group.columns.push(column),
                _ => {
                    groups.extend(open.take());
                    open = Some(KernelGroup {
                        symbol,
                        period,
                        columns: vec![column],
                    });
                }
            }
        }
        groups.extend(open);
    }
    groups
}

/// One column's selected outputs, as a [`Sweep::reduce`](crate::Sweep::reduce) closure sees
/// them: slices of `bars` values (`None` for outputs not selected).
#[derive(Debug, Clone, Copy)]
pub struct ColumnView<'a> {
    /// What the column holds.
    pub key: ColumnKey,
    /// The SuperTrend line, if selected.
    pub supert: Option<&'a [f64]>,
    /// The direction, if selected.
    pub superd: Option<&'a [i8]>,
    /// The long band, if selected.
    pub superl: Option<&'a [f64]>,
    /// The short band, if selected.
    pub supers: Option<&'a [f64]>,
}

/// Per-worker memory for one batch of columns of the selected outputs.
struct BatchScratch {
    selected: OutputSet,
    supert: Vec<f64>,
    superd: Vec<i8>,
    superl: Vec<f64>,
    supers: Vec<f64>,
}

impl BatchScratch {
    fn new(selected: OutputSet, bars: usize, lanes: usize) -> Self {
        let len = |o: Output| {
            if selected.contains(o) {
                bars * lanes
            } else {
                0
            }
        };
        BatchScratch {
            selected,
            supert: vec![0.0; len(Output::Supert)],
            superd: vec![0; len(Output::Superd)],
            superl: vec![0.0; len(Output::Superl)],
            supers: vec![0.0; len(Output::Supers)],
        }
    }

    /// `count` columns of `bars` values, as kernel outputs.
    fn columns<S>(&mut self, bars: usize, count: usize) -> Vec<ColumnOut<'_, S>> {
        fn selected<T>(set: OutputSet, output: Output, scratch: &mut [T]) -> Option<&mut [T]> {
            set.contains(output).then_some(scratch)
        }
        let set = self.selected;
        let mut supert =
            split_columns(selected(set, Output::Supert, &mut self.supert), bars, count);
        let mut superd =
            split_columns(selected(set, Output::Superd, &mut self.superd), bars, count);
        let mut superl =
            split_columns(selected(set, Output::Superl, &mut self.superl), bars, count);
        let mut supers =
            split_columns(selected(set, Output::Supers, &mut self.supers), bars, count);
        (0..count)
            .map(|_| ColumnOut {
                outputs: OutputColumns {
                    supert: supert.next().flatten(),
                    superd: superd.next().flatten(),
                    superl: superl.next().flatten(),
                    supers: supers.next().flatten(),
                },
                state: None,
            })
            .collect()
    }

    /// Column `k` of the batch, after the kernel filled it.
    fn view(&self, key: ColumnKey, bars: usize, k: usize) -> ColumnView<'_> {
        let selected = self.selected;
        let column = |o: Output| selected.contains(o).then_some(k * bars..(k + 1) * bars);
        ColumnView {
            key,
            supert: column(Output::Supert).map(|r| &self.supert[r]),
            superd: column(Output::Superd).map(|r| &self.superd[r]),
            superl: column(Output::Superl).map(|r| &self.superl[r]),
            supers: column(Output::Supers).map(|r| &self.supers[r]),
        }
    }
}

/// Computes every column into a per-worker scratch batch and returns `reduce` of each, in
/// column order, with a value from `init` (made once per chunk) that `reduce` may use as
/// scratch. Memory stays at a few columns per worker, whatever the grid.
#[allow(clippy::too_many_arguments)]
pub(super) fn reduce<K, S, T, I, F>(
    kernel: &K,
    prices: &Prices<'_>,
    columns: &SweepColumns,
    chunk_len: usize,
    outputs: OutputSet,
    progress: Option<Progress<'_>>,
    init: I,
    reduce: F,
) -> Vec<T>
where
    K: SweepKernel,
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, ColumnView<'_>) -> T + Sync,
{
    let (bars, total) = (prices.bars(), columns.len());
    let chunks = chunk_ranges(total, chunk_len)
        .map(|range| (range, ()))
        .collect();
    let per_chunk = drive(
        kernel,
        prices,
        total,
        chunks,
        progress,
        |scratch, shared, range, ()| {
            let mut batch_scratch = BatchScratch::new(outputs, bars, K::LANES);
            let mut results: Vec<Option<T>> = (0..range.len()).map(|_| None).collect();
            let mut state = init();
            let first = range.start;
            let visit = |symbol: &SymbolPrices<'_>,
                         shared: &K::Shared,
                         scratch: &K::Scratch,
                         multipliers: &[f64],
                         lanes: &[usize]| {
                let mut batch = batch_scratch.columns(bars, lanes.len());
                kernel.run_columns(symbol, shared, scratch, multipliers, &mut batch);
                drop(batch);
                for (k, &column) in lanes.iter().enumerate() {
                    let key = columns.key(column).expect("the column is in the layout");
                    let view = batch_scratch.view(key, bars, k);
                    results[column - first] = Some(reduce(&mut state, view));
                }
            };
            for_each_batch(kernel, prices, shared, columns, scratch, range, visit);
            results
                .into_iter()
                .map(|r| r.expect("every column is reduced"))
                .collect::<Vec<T>>()
        },
    );
    per_chunk.into_iter().flatten().collect()
}
