//! The overfitting report of the tutorial workload (2 symbols x 17,544 hourly bars x 336
//! combinations = 672 columns) against the plain fused backtest of the same grid, in one
//! group so that ratios come from one run.
//!
//! - `backtest`: `Backtest::run`, the plain fused backtest (the lane engine).
//! - `report`: `Backtest::validate` with the DSR, the PBO with S = 16 (12,870 combinations per
//!   symbol) and walk-forward 4380 / 1460 / 1460 (9 splits): the whole report.
//! - `dsr_pbo`: the same without walk-forward.
//!
//! The materialising route (a per-bar returns matrix, then CSCV in numpy) is
//! `benches/reference/numpy_validation.py`, run by hand. `cargo bench --bench validation`;
//! the README's "Is the winner real?" figures come from its medians.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{random_walk, Series, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ta_sweep::validation::{Validation, WalkForward};
use ta_sweep::{supertrend, Backtest, BacktestConfig, Prices, SuperTrend};

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .build()
        .unwrap();
    eprintln!("tutorial workload: {bars} bars x {columns} columns on {cores} physical cores");
    let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, config).pool(&pool);
    let whole = Validation::new().walk_forward(WalkForward::new(4380, 1460, 1460));
    let report = backtest.validate(&whole).unwrap();
    // The report's metrics are the plain backtest's.
    assert_eq!(report.metrics, backtest.run().unwrap().metrics);

    let mut group = c.benchmark_group("validation");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements((bars * columns) as u64));
    group.bench_function("backtest", |b| {
        b.iter(|| black_box(&backtest).run().unwrap())
    });
    group.bench_function("report", |b| {
        b.iter(|| black_box(&backtest).validate(&whole).unwrap())
    });
    group.bench_function("dsr_pbo", |b| {
        b.iter(|| black_box(&backtest).validate(&Validation::new()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, tutorial);
criterion_main!(benches);
