//! The tutorial workload (2 symbols x 17,544 hourly bars x 336 combinations = 672 columns,
//! 295 MB of outputs) with every baseline in the same group, so ratios come from one run:
//!
//! - `memory_floor/fresh`: allocate the same four matrices the way the factory does
//!   (column-major, huge pages) and write every byte, on all threads: nothing can be faster.
//! - `memory_floor/fresh_4k_pages`: the same with a plain allocation, for context.
//! - `plain_fill/reused`: write every byte of already-touched matrices, on all threads.
//! - `naive/concatenating`: the naive per-column kernel (the scalar reference, each column with
//!   its own true range and ATR) into four fresh vectors per column, in parallel, then copied
//!   into fresh matrices: the design the factory replaces.
//! - `factory/fresh`, `factory/reused` (`run_into`), and `reduce/flips` (every column reduced
//!   to its number of direction changes, nothing materialised), on all threads and on one;
//!   `factory/reused/talib`, the TA-Lib variant.
//!
//! `cargo bench --bench sweep`; the README's performance table is filled from its medians.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{random_walk, Series, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use ta_sweep::{
    output_matrix, supertrend, Grid, Prices, SuperTrend, SuperTrendParams, SuperTrendState, Sweep,
    SweepBuffers, Variant,
};

struct Matrices {
    supert: Array2<f64>,
    superd: Array2<i8>,
    superl: Array2<f64>,
    supers: Array2<f64>,
}

impl Matrices {
    fn huge_pages(bars: usize, columns: usize) -> Self {
        Matrices {
            supert: output_matrix(bars, columns),
            superd: output_matrix(bars, columns),
            superl: output_matrix(bars, columns),
            supers: output_matrix(bars, columns),
        }
    }

    fn plain(bars: usize, columns: usize) -> Self {
        Matrices {
            supert: Array2::zeros((bars, columns).f()),
            superd: Array2::zeros((bars, columns).f()),
            superl: Array2::zeros((bars, columns).f()),
            supers: Array2::zeros((bars, columns).f()),
        }
    }

    /// Writes every byte, each thread its own columns, as the factory's workers do.
    fn fill(&mut self, bars: usize) {
        fn columns<T>(m: &mut Array2<T>, bars: usize) -> Vec<&mut [T]> {
            m.as_slice_memory_order_mut()
                .unwrap()
                .chunks_mut(bars)
                .collect()
        }
        let (t, d) = (
            columns(&mut self.supert, bars),
            columns(&mut self.superd, bars),
        );
        let (l, s) = (
            columns(&mut self.superl, bars),
            columns(&mut self.supers, bars),
        );
        t.into_par_iter()
            .zip(d)
            .zip(l)
            .zip(s)
            .for_each(|(((t, d), l), s)| {
                t.fill(1.0);
                d.fill(1);
                l.fill(2.0);
                s.fill(3.0);
            });
    }

    fn buffers(&mut self) -> SweepBuffers<'_> {
        SweepBuffers::new()
            .with("supert", &mut self.supert)
            .with("superd", &mut self.superd)
            .with("superl", &mut self.superl)
            .with("supers", &mut self.supers)
    }
}

/// The concatenating design on the naive per-column kernel: each column runs the scalar
/// reference (`SuperTrendState::update` bar by bar, with its own true range and ATR) into its
/// own freshly allocated vectors, in parallel over columns; then every column is copied into
/// freshly allocated matrices.
fn naive_concatenating(data: &[Series], grid: &Grid<(usize, f64)>) -> Matrices {
    let symbols = data.len();
    let keys: Vec<(usize, f64, usize)> = grid
        .iter()
        .flat_map(|(p, m)| (0..symbols).map(move |s| (p, m, s)))
        .collect();
    let columns: Vec<_> = keys
        .par_iter()
        .map(|&(p, m, s)| {
            let (high, low, close) = (&data[s].high, &data[s].low, &data[s].close);
            let mut state = SuperTrendState::new(SuperTrendParams::new(p, m).unwrap());
            let bars = close.len();
            let (mut t, mut d, mut l, mut u) = (
                Vec::with_capacity(bars),
                Vec::with_capacity(bars),
                Vec::with_capacity(bars),
                Vec::with_capacity(bars),
            );
            for i in 0..bars {
                let bar = state.update(high[i], low[i], close[i]);
                t.push(bar.supert);
                d.push(bar.superd);
                l.push(bar.superl);
                u.push(bar.supers);
            }
            (t, d, l, u)
        })
        .collect();
    let bars = data[0].close.len();
    let mut out = Matrices::plain(bars, keys.len());
    for (j, (t, d, l, u)) in columns.iter().enumerate() {
        out.supert
            .column_mut(j)
            .as_slice_mut()
            .unwrap()
            .copy_from_slice(t);
        out.superd
            .column_mut(j)
            .as_slice_mut()
            .unwrap()
            .copy_from_slice(d);
        out.superl
            .column_mut(j)
            .as_slice_mut()
            .unwrap()
            .copy_from_slice(l);
        out.supers
            .column_mut(j)
            .as_slice_mut()
            .unwrap()
            .copy_from_slice(u);
    }
    out
}

fn tutorial(c: &mut Criterion) {
    let data: Vec<Series> = (0..2).map(|s| random_walk(TUTORIAL_BARS, 7 + s)).collect();
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let grid = supertrend::tutorial_grid();
    let (bars, columns) = (TUTORIAL_BARS, grid.len() * data.len());
    let cores = num_cpus::get_physical();
    let all = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    eprintln!("tutorial workload: {bars} bars x {columns} columns on {cores} physical cores");

    let mut group = c.benchmark_group("tutorial");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((bars * columns) as u64));

    // Fresh outputs are returned to the caller, who keeps them: their deallocation (unmapping
    // 295 MB) is not part of computing them, for the baselines as for the factory.
    group.bench_function("memory_floor/fresh", |b| {
        b.iter_with_large_drop(|| {
            let mut m = Matrices::huge_pages(bars, columns);
            all.install(|| m.fill(bars));
            m
        })
    });
    group.bench_function("memory_floor/fresh_4k_pages", |b| {
        b.iter_with_large_drop(|| {
            let mut m = Matrices::plain(bars, columns);
            all.install(|| m.fill(bars));
            m
        })
    });
    let mut reused = Matrices::huge_pages(bars, columns);
    all.install(|| reused.fill(bars));
    group.bench_function("plain_fill/reused", |b| {
        b.iter(|| all.install(|| reused.fill(bars)))
    });
    group.bench_function("naive/concatenating", |b| {
        b.iter_with_large_drop(|| all.install(|| naive_concatenating(&data, &grid)))
    });

    group.bench_function("factory/fresh", |b| {
        b.iter_with_large_drop(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&all)
                .run()
                .unwrap()
        })
    });
    group.bench_function("factory/fresh/1_thread", |b| {
        b.iter_with_large_drop(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&one)
                .run()
                .unwrap()
        })
    });
    group.bench_function("factory/reused", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&all)
                .run_into(reused.buffers())
                .unwrap()
        })
    });
    group.bench_function("factory/reused/1_thread", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&one)
                .run_into(reused.buffers())
                .unwrap()
        })
    });

    // Written the way a user would who cares about speed: a zip vectorises, `windows` does not.
    // One variant row: TA-Lib's ATR step is a fused multiply-add, dispatched to FMA.
    group.bench_function("factory/reused/talib", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::new(Variant::TaLib), black_box(&prices), &grid)
                .pool(&all)
                .run_into(reused.buffers())
                .unwrap()
        })
    });

    let flips = |superd: &[i8]| {
        superd[1..]
            .iter()
            .zip(superd)
            .filter(|(a, b)| a != b)
            .count()
    };
    let directions: &[&str] = &["superd"];
    group.bench_function("reduce/flips", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&all)
                .outputs(directions)
                .reduce(|c| flips(c.get::<i8>("superd").unwrap()))
                .unwrap()
        })
    });
    group.bench_function("reduce/flips/1_thread", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&one)
                .outputs(directions)
                .reduce(|c| flips(c.get::<i8>("superd").unwrap()))
                .unwrap()
        })
    });
    group.bench_function("reduce/all_outputs", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&all)
                .reduce(|c| c.get::<f64>("supert").unwrap()[bars - 1])
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, tutorial);
criterion_main!(benches);
