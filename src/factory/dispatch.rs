//! Running an indicator over every column: chunks on the rayon pool, grouped for the kernel,
//! into output matrices or through a per-column reducer.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::{Mutex, TryLockError};

use rayon::prelude::*;

use super::buffers::{split_chunks, split_columns};
use super::indicator::{Column, Indicator, MAX_OUTPUTS};
use super::selection::OutputSet;
use super::view::ColumnView;
use super::Progress;
use crate::columns::Columns;
use crate::prices::{Prices, SymbolPrices};
use crate::schema::{OutputMut, OutputRef, OutputSpec, OutputVec};

/// Copies `source` into `destination`, of the same type and length.
pub(super) fn copy_into(destination: OutputMut<'_>, source: OutputRef<'_>) {
    match (destination, source) {
        (OutputMut::F64(d), OutputRef::F64(s)) => d.copy_from_slice(s),
        (OutputMut::I8(d), OutputRef::I8(s)) => d.copy_from_slice(s),
        (OutputMut::Bool(d), OutputRef::Bool(s)) => d.copy_from_slice(s),
        _ => unreachable!("an output keeps its type"),
    }
}

/// Runs `work` on every chunk, in parallel, and returns its results in column order. `work`
/// gets the worker's scratch, every symbol's shared work and the chunk.
fn drive<I, C, R, W>(
    indicator: &I,
    prices: &Prices<'_>,
    total: usize,
    chunks: Vec<(Range<usize>, C)>,
    progress: Option<Progress<'_>>,
    work: W,
) -> Vec<R>
where
    I: Indicator,
    C: Send,
    R: Send,
    W: Fn(&mut I::Scratch, &[I::Shared], Range<usize>, C) -> R + Sync,
{
    let shared: Vec<I::Shared> = prices
        .as_slice()
        .par_iter()
        .map(|p| indicator.share(p))
        .collect();
    let reports = Reports::default();
    chunks
        .into_par_iter()
        .map_init(
            || indicator.scratch(prices.bars()),
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

/// The column ranges of chunks of `chunk_len` columns of `columns` (positions in the whole
/// layout, so that the kernel groups and the parameters are those of the whole sweep).
fn chunk_ranges(columns: Range<usize>, chunk_len: usize) -> Vec<Range<usize>> {
    let end = columns.end;
    columns
        .step_by(chunk_len)
        .map(move |first| first..(first + chunk_len).min(end))
        .collect()
}

/// What one chunk of a materialising sweep writes: each output's columns, each column's state
/// slot.
struct ChunkMemory<'m, S> {
    outputs: Vec<Option<OutputMut<'m>>>,
    states: Option<&'m mut [Option<S>]>,
}

/// Computes every column into `outputs` (one whole (bars, columns) matrix in column-major
/// memory order per schema output, `None` where not selected) and `states` (one slot per
/// column) if given.
pub(super) fn materialize<I: Indicator>(
    indicator: &I,
    prices: &Prices<'_>,
    columns: &Columns<I::Params>,
    chunk_len: usize,
    outputs: Vec<Option<OutputMut<'_>>>,
    states: Option<&mut [Option<I::State>]>,
    progress: Option<Progress<'_>>,
) {
    let (bars, total) = (prices.bars(), columns.len());
    let schema = indicator.outputs();
    let ranges = chunk_ranges(columns.range(), chunk_len);
    // One slice per output per chunk; each worker splits its own into columns, so the lists of
    // column slices exist for a few chunks at a time, never for the whole grid.
    let mut per_output: Vec<Option<std::vec::IntoIter<OutputMut<'_>>>> = outputs
        .into_iter()
        .map(|o| o.map(|matrix| split_chunks(matrix, bars, &ranges).into_iter()))
        .collect();
    let mut states = states;
    let chunks = ranges
        .iter()
        .map(|range| {
            let outputs = per_output
                .iter_mut()
                .map(|o| o.as_mut().and_then(Iterator::next))
                .collect();
            let states = states.take().map(|all| {
                let (chunk, rest) = all.split_at_mut(range.len());
                states = Some(rest);
                chunk
            });
            (range.clone(), ChunkMemory { outputs, states })
        })
        .collect();
    drive(
        indicator,
        prices,
        total,
        chunks,
        progress,
        |scratch, shared, range, chunk: ChunkMemory<'_, I::State>| {
            let (first, len) = (range.start, range.len());
            let mut column_outputs: Vec<Vec<Option<OutputMut<'_>>>> = chunk
                .outputs
                .into_iter()
                .map(|o| match o {
                    Some(matrix) => split_columns(matrix, bars, len).map(Some).collect(),
                    None => Vec::new(),
                })
                .collect();
            let mut column_states: Vec<Option<&mut Option<I::State>>> = chunk
                .states
                .map(|s| s.iter_mut().map(Some).collect())
                .unwrap_or_default();
            let mut group_memory =
                GroupMemory::new(schema, |k| !column_outputs[k].is_empty(), bars);
            let mut batch = Vec::with_capacity(I::LANES.max(1));
            let visit = |symbol: &SymbolPrices<'_>,
                         shared: &I::Shared,
                         scratch: &mut I::Scratch,
                         group: &GroupMemory,
                         params: &[I::Params],
                         lanes: &[usize]| {
                batch.extend(lanes.iter().map(|&column| {
                    let k = column - first;
                    let mut slots: [Option<OutputMut<'_>>; MAX_OUTPUTS] = Default::default();
                    for (o, (slot, output)) in
                        slots.iter_mut().zip(column_outputs.iter_mut()).enumerate()
                    {
                        let Some(values) = output.get_mut(k) else {
                            continue;
                        };
                        match group.values(o) {
                            // The group's copy, into every column of the group.
                            Some(group_values) => {
                                if let Some(destination) = values.take() {
                                    copy_into(destination, group_values);
                                }
                            }
                            None => *slot = values.take(),
                        }
                    }
                    let state = column_states.get_mut(k).and_then(Option::take);
                    // The caller's matrices: not read back by the sweep.
                    Column::new(slots, state).kept()
                }));
                indicator.run_batch(symbol, shared, scratch, params, &mut batch);
                batch.clear();
            };
            for_each_batch(
                indicator,
                prices,
                shared,
                columns,
                scratch,
                &mut group_memory,
                range,
                visit,
            );
        },
    );
}

/// Runs the indicator's groups over the columns `range`: for each group, `start_group` once,
/// then `visit` with each batch of at most `LANES` of its columns and their parameters.
#[allow(clippy::too_many_arguments)]
fn for_each_batch<I, V>(
    indicator: &I,
    prices: &Prices<'_>,
    shared: &[I::Shared],
    columns: &Columns<I::Params>,
    scratch: &mut I::Scratch,
    group_memory: &mut GroupMemory,
    range: Range<usize>,
    mut visit: V,
) where
    I: Indicator,
    V: FnMut(&SymbolPrices<'_>, &I::Shared, &mut I::Scratch, &GroupMemory, &[I::Params], &[usize]),
{
    let (grid, symbols) = (columns.grid(), columns.symbols());
    let lanes = I::LANES.max(1);
    let mut params = Vec::with_capacity(lanes);
    for group in kernel_groups(indicator, columns, range) {
        let (symbol, shared) = (&prices.as_slice()[group.symbol], &shared[group.symbol]);
        indicator.start_group(
            symbol,
            shared,
            scratch,
            &group.first,
            &mut group_memory.column(),
        );
        for batch in group.columns.chunks(lanes) {
            params.clear();
            params.extend(
                batch
                    .iter()
                    .filter_map(|&column| grid.get(column / symbols)),
            );
            visit(symbol, shared, scratch, group_memory, &params, batch);
        }
    }
}

/// A worker's memory for the selected [per-group](crate::OutputSpec::per_group) outputs of
/// the current group, which `start_group` writes once.
struct GroupMemory {
    outputs: Vec<Option<OutputVec>>,
}

impl GroupMemory {
    /// Memory for the outputs of `schema` that are per group and `selected`.
    fn new(schema: &[OutputSpec], selected: impl Fn(usize) -> bool, bars: usize) -> Self {
        let outputs = schema
            .iter()
            .enumerate()
            .map(|(k, spec)| {
                (spec.is_per_group() && selected(k)).then(|| OutputVec::zeros(spec.dtype(), bars))
            })
            .collect();
        GroupMemory { outputs }
    }

    /// The group's outputs, as `start_group` fills them.
    fn column(&mut self) -> Column<'_, ()> {
        let mut slots: [Option<OutputMut<'_>>; MAX_OUTPUTS] = Default::default();
        for (slot, values) in slots.iter_mut().zip(self.outputs.iter_mut()) {
            *slot = values.as_mut().map(OutputVec::as_mut);
        }
        Column::new(slots, None)
    }

    /// Output `k` of the group, if it is per group and selected.
    fn values(&self, k: usize) -> Option<OutputRef<'_>> {
        self.outputs.get(k)?.as_ref().map(OutputVec::as_ref)
    }
}

/// Columns of one symbol that share the work of one [`Indicator::start_group`].
#[derive(Debug)]
struct KernelGroup<P> {
    symbol: usize,
    first: P,
    columns: Vec<usize>,
}

/// The columns in `range`, grouped for the kernel: for each symbol, every run of consecutive
/// grid rows that belong to the group of the run's first row.
fn kernel_groups<I: Indicator>(
    indicator: &I,
    columns: &Columns<I::Params>,
    range: Range<usize>,
) -> Vec<KernelGroup<I::Params>> {
    let (symbols, grid) = (columns.symbols(), columns.grid());
    let mut groups: Vec<KernelGroup<I::Params>> = Vec::new();
    for symbol in 0..symbols {
        // The symbol's columns in the range: start + offset, start + offset + symbols, ...
        let offset = (symbol + symbols - range.start % symbols) % symbols;
        let mut open: Option<KernelGroup<I::Params>> = None;
        for column in (range.start + offset..range.end).step_by(symbols) {
            let Some(params) = grid.get(column / symbols) else {
                continue;
            };
            match open.as_mut() {
                Some(group) if indicator.same_group(&group.first, &params) => {
                    group.columns.push(column);
                }
                _ => {
                    groups.extend(open.take());
                    open = Some(KernelGroup {
                        symbol,
                        first: params,
                        columns: vec![column],
                    });
                }
            }
        }
        groups.extend(open);
    }
    groups
}

/// Per-worker memory for one batch of columns of the selected outputs.
struct BatchMemory {
    /// Per schema output: `lanes` columns of `bars` values, if selected.
    outputs: Vec<Option<OutputVec>>,
    bars: usize,
}

impl BatchMemory {
    fn new(schema: &[OutputSpec], selected: OutputSet, bars: usize, lanes: usize) -> Self {
        let outputs = schema
            .iter()
            .enumerate()
            .map(|(k, spec)| {
                (selected.contains(k) && !spec.is_per_group())
                    .then(|| OutputVec::zeros(spec.dtype(), bars * lanes))
            })
            .collect();
        BatchMemory { outputs, bars }
    }

    /// `count` columns, as kernel outputs.
    fn columns<S>(&mut self, count: usize) -> Vec<Column<'_, S>> {
        let mut split: Vec<Vec<OutputMut<'_>>> = self
            .outputs
            .iter_mut()
            .map(|o| match o {
                Some(values) => split_columns(values.as_mut(), self.bars, count).collect(),
                None => Vec::new(),
            })
            .collect();
        (0..count)
            .map(|_| {
                let mut slots: [Option<OutputMut<'_>>; MAX_OUTPUTS] = Default::default();
                for (slot, output) in slots.iter_mut().zip(split.iter_mut()) {
                    if !output.is_empty() {
                        *slot = Some(output.remove(0));
                    }
                }
                Column::new(slots, None)
            })
            .collect()
    }

    /// Column `k` of the batch, after the kernel filled it, with the group's outputs.
    fn values<'m>(
        &'m self,
        k: usize,
        group: &'m GroupMemory,
    ) -> [Option<OutputRef<'m>>; MAX_OUTPUTS] {
        let range = k * self.bars..(k + 1) * self.bars;
        let mut values: [Option<OutputRef<'_>>; MAX_OUTPUTS] = [None; MAX_OUTPUTS];
        for (o, (value, output)) in values.iter_mut().zip(&self.outputs).enumerate() {
            *value = output
                .as_ref()
                .map(|o| match o.as_ref() {
                    OutputRef::F64(v) => OutputRef::F64(&v[range.clone()]),
                    OutputRef::I8(v) => OutputRef::I8(&v[range.clone()]),
                    OutputRef::Bool(v) => OutputRef::Bool(&v[range.clone()]),
                })
                .or_else(|| group.values(o));
        }
        values
    }
}

/// Computes every column into a per-worker batch and returns what `reduce` makes of each
/// batch (one value per column, pushed in the batch's order), in column order, with a value
/// from `init` (made once per chunk) that `reduce` may use as scratch. Memory stays at a few
/// columns per worker, whatever the grid.
#[allow(clippy::too_many_arguments)]
pub(super) fn reduce<I, S, T, G, F>(
    indicator: &I,
    prices: &Prices<'_>,
    columns: &Columns<I::Params>,
    chunk_len: usize,
    selected: OutputSet,
    progress: Option<Progress<'_>>,
    init: G,
    reduce: F,
) -> Vec<T>
where
    I: Indicator,
    T: Send,
    G: Fn() -> S + Sync,
    F: Fn(&mut S, &[ColumnView<'_, I::Params>], &mut Vec<T>) + Sync,
{
    let (bars, total) = (prices.bars(), columns.len());
    let schema = indicator.outputs();
    let lanes = I::LANES.max(1);
    let chunks = chunk_ranges(columns.range(), chunk_len)
        .into_iter()
        .map(|range| (range, ()))
        .collect();
    let per_chunk = drive(
        indicator,
        prices,
        total,
        chunks,
        progress,
        |scratch, shared, range, ()| {
            let mut memory = BatchMemory::new(schema, selected, bars, lanes);
            let mut group_memory = GroupMemory::new(schema, |k| selected.contains(k), bars);
            let mut results: Vec<Option<T>> = (0..range.len()).map(|_| None).collect();
            let mut state = init();
            let first = range.start;
            let mut batch_results = Vec::with_capacity(lanes);
            let visit = |symbol: &SymbolPrices<'_>,
                         shared: &I::Shared,
                         scratch: &mut I::Scratch,
                         group: &GroupMemory,
                         params: &[I::Params],
                         batch: &[usize]| {
                let mut kernel_columns = memory.columns(batch.len());
                indicator.run_batch(symbol, shared, scratch, params, &mut kernel_columns);
                drop(kernel_columns);
                let views: Vec<ColumnView<'_, I::Params>> = batch
                    .iter()
                    .enumerate()
                    .map(|(k, &column)| {
                        let key = columns
                            .whole_key(column)
                            .expect("the column is in the layout");
                        ColumnView::new(key, column, schema, memory.values(k, group))
                    })
                    .collect();
                reduce(&mut state, &views, &mut batch_results);
                assert_eq!(
                    batch_results.len(),
                    batch.len(),
                    "one result per column of a batch"
                );
                for (&column, result) in batch.iter().zip(batch_results.drain(..)) {
                    results[column - first] = Some(result);
                }
            };
            for_each_batch(
                indicator,
                prices,
                shared,
                columns,
                scratch,
                &mut group_memory,
                range,
                visit,
            );
            results
                .into_iter()
                .map(|r| r.expect("every column is reduced"))
                .collect::<Vec<T>>()
        },
    );
    per_chunk.into_iter().flatten().collect()
}
