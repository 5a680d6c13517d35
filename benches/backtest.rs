//! The fused backtest on the tutorial workload (2 symbols x 17,544 hourly bars x 336
//! combinations = 672 columns) against the materialising route, in one group so that ratios
//! come from one run; throughput is reported per bar-column.
//!
//! - `fused/exact` and `fused/exact/1_thread`: `Backtest::run`, the default, bit-exact: the
//!   lane engine (four columns per AVX2 vector).
//! - `fused/exact/scalar_engine` and `.../1_thread`: the same with `Engine::Scalar`, one
//!   column at a time, the baseline of the lane engine (the same bits).
//! - `fused/one_pass`: the same with the one-pass variance.
//! - `supertrend/reduce`: the SuperTrend part alone, on the same reduce path with the same
//!   output (the directions), each column reduced to one value: the floor the simulation
//!   adds to.
//! - `materialising`: the route the fused pipeline replaces: the four SuperTrend matrices
//!   from `Sweep::run`, then entry and exit matrices, a simulation per column writing value
//!   and returns matrices, and the metrics from those (all on every thread). Its results are
//!   checked against the fused pipeline's before timing.
//!
//! `cargo bench --bench backtest`; the README's backtest table is filled from its medians.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::materialising::{same_metrics, simulate_matrices};
use common::{random_walk, Series, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use ta_sweep::backtest::Engine;
use ta_sweep::{
    supertrend, Backtest, BacktestConfig, ColumnMetrics, Grid, Prices, SuperTrend, Sweep, Variance,
};

/// Every matrix the materialising route allocates, and its metrics.
fn materialising(
    prices: &Prices<'_>,
    data: &[Series],
    grid: &Grid<(usize, f64)>,
    config: &BacktestConfig,
) -> (Vec<ColumnMetrics>, [Array2<f64>; 2], [Array2<bool>; 2]) {
    let st = Sweep::new(SuperTrend::default(), prices, grid)
        .run()
        .unwrap();
    let (bars, columns) = (prices.bars(), st.columns.len());
    let (superl, supers) = (st.superl().unwrap(), st.supers().unwrap());
    let mut entries = Array2::from_elem((bars, columns).f(), false);
    let mut exits = Array2::from_elem((bars, columns).f(), false);
    let signal_columns = |signals: &mut Array2<bool>, bands: &Array2<f64>| {
        signals
            .as_slice_memory_order_mut()
            .unwrap()
            .par_chunks_mut(bars)
            .zip(bands.as_slice_memory_order().unwrap().par_chunks(bars))
            .for_each(|(signal, band)| {
                for i in 1..bars {
                    signal[i] = !band[i - 1].is_nan();
                }
            });
    };
    signal_columns(&mut entries, superl);
    signal_columns(&mut exits, supers);
    let closes: Vec<&[f64]> = data.iter().map(|d| &d.close[..]).collect();
    let (metrics, matrices) = simulate_matrices(&closes, &entries, &exits, config);
    (metrics, matrices, [entries, exits])
}

fn tutorial(c: &mut Criterion) {
    let data: Vec<Series> = (0..2).map(|s| random_walk(TUTORIAL_BARS, 7 + s)).collect();
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let grid = supertrend::tutorial_grid();
    let config = BacktestConfig::default()
        .with_bar_interval(Duration::from_secs(3600))
        .unwrap();
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

    // The baseline computes what the fused pipeline does (its plain arithmetic gives the same
    // bits on this data), so the comparison is of the same work.
    let fused = all.install(|| {
        Backtest::new(SuperTrend::default(), &prices, &grid, config)
            .run()
            .unwrap()
    });
    let (baseline, _, _) = all.install(|| materialising(&prices, &data, &grid, &config));
    assert!(
        same_metrics(&fused.metrics, &baseline),
        "the materialising baseline must compute the same metrics"
    );

    let mut group = c.benchmark_group("backtest");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((bars * columns) as u64));

    group.bench_function("fused/exact", |b| {
        b.iter(|| {
            Backtest::new(SuperTrend::default(), black_box(&prices), &grid, config)
                .pool(&all)
                .run()
                .unwrap()
        })
    });
    group.bench_function("fused/exact/1_thread", |b| {
        b.iter(|| {
            Backtest::new(SuperTrend::default(), black_box(&prices), &grid, config)
                .pool(&one)
                .run()
                .unwrap()
        })
    });
    // The baseline of the lane engine: the scalar engine, one column at a time.
    for (name, pool) in [
        ("fused/exact/scalar_engine", &all),
        ("fused/exact/scalar_engine/1_thread", &one),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                Backtest::new(SuperTrend::default(), black_box(&prices), &grid, config)
                    .pool(pool)
                    .engine(Engine::Scalar)
                    .run()
                    .unwrap()
            })
        });
    }
    group.bench_function("fused/one_pass", |b| {
        b.iter(|| {
            Backtest::new(SuperTrend::default(), black_box(&prices), &grid, config)
                .pool(&all)
                .variance(Variance::OnePass)
                .run()
                .unwrap()
        })
    });
    let directions: &[&str] = &["superd"];
    group.bench_function("supertrend/reduce", |b| {
        b.iter(|| {
            Sweep::new(SuperTrend::default(), black_box(&prices), &grid)
                .pool(&all)
                .outputs(directions)
                .reduce(|c| c.get::<i8>("superd").unwrap()[bars - 1])
                .unwrap()
        })
    });
    group.bench_function("materialising", |b| {
        b.iter_with_large_drop(|| all.install(|| materialising(&prices, &data, &grid, &config)))
    });
    group.finish();
}

criterion_group!(benches, tutorial);
criterion_main!(benches);
