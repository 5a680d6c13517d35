//! vectorbt's README flagship, the dual moving-average crossover (`docs/STRATEGIES.md`): every
//! pair of windows 2..=100 with fast < slow (4,851 combinations) over 2 symbols, 9,702 columns,
//! simple and exponential averages, fees 0.001, backtested on
//!
//! - `ma_crossover_daily`: the bundled daily MSFT and IBM closes (`examples/data/`, 3,270
//!   bars, annualisation 365), the data of the golden grids;
//! - `ma_crossover_hourly`: 2 x 17,544 synthetic hourly closes (`common::random_walk`, seeds 7
//!   and 8 as in the other benches, annualisation 8760).
//!
//! Rows, per kind (`sma`, `ema`), in one group per data set so that ratios come from one run
//! (throughput per bar-column):
//!
//! - `fused/1_thread`, `fused/2_threads`: `Backtest::run` of `MaCrossover`, on a rayon pool of
//!   that many threads (the lane engine, four columns per AVX2 vector).
//! - `fused/scalar_engine/2_threads`: the same with `Engine::Scalar`, one column at a time,
//!   the baseline of the lane engine (the same bits).
//! - `averages/reduce/2_threads`: the two averages alone, on the same reduce path, each column
//!   reduced to one value: the floor the crossings, simulation and metrics add to.
//! - `ema/fused/recomputed/2_threads`, `ema/averages/reduce/recomputed/2_threads`: the same
//!   with every exponential window recomputed in every group (`Ma::with_cache_bytes(0)`), the
//!   baseline of the kept averages.
//! - `materialising/2_threads` (daily only): the route the fused pipeline replaces: both
//!   averages as (bars, columns) matrices from `Sweep::run` of a `Pair` of `Ma`s, entry and
//!   exit matrices from the crossings, a simulation per column writing value and returns
//!   matrices, and the metrics from those. Its results are checked against the fused
//!   pipeline's before timing. On the hourly data it would allocate 5.8 GB per run, so it is
//!   left out there.
//!
//! Before timing, the sum of every column's trades is printed per data set and kind, a checksum
//! to compare with `benches/reference/numba_ma_crossover.py`, which runs the same grids on the
//! same closes.
//!
//! `cargo bench --bench ma_crossover`

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::materialising::{same_metrics, simulate_matrices};
use common::{bundled_close, random_walk, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use rayon::ThreadPool;
use ta_sweep::backtest::{Crossover, Engine};
use ta_sweep::{
    Backtest, BacktestConfig, ColumnMetrics, Grid, Ma, MaCrossover, MaKind, Pair, Prices, Sweep,
};

/// One data set: its closes, annualisation, and whether the materialising route fits.
struct Workload {
    name: &'static str,
    closes: Vec<Vec<f64>>,
    config: BacktestConfig,
    materialise: bool,
}

/// STRATEGIES.md 4.2, vectorbt's `crossed_above_nb` with `wait = 0`, into `out`.
fn crossed_above(a: &[f64], b: &[f64], out: &mut [bool]) {
    let (mut seen, mut armed) = (false, false);
    for ((&a, &b), out) in a.iter().zip(b).zip(out) {
        *out = false;
        if a.is_nan() || b.is_nan() {
            (seen, armed) = (false, false);
        } else if a > b {
            *out = armed && seen;
            armed = false;
        } else if a == b {
            armed = true;
        } else {
            (seen, armed) = (true, true);
        }
    }
}

/// The materialising route: both averages' matrices, entry and exit matrices, then value and
/// returns matrices and the metrics, on every thread of the current pool.
fn materialising(
    prices: &Prices<'_>,
    closes: &[&[f64]],
    grid: &Grid<(usize, usize)>,
    kind: MaKind,
    config: &BacktestConfig,
) -> (Vec<ColumnMetrics>, [Array2<f64>; 4], [Array2<bool>; 2]) {
    let mut averages = Sweep::new(Pair::new(Ma::new(kind), Ma::new(kind)), prices, grid)
        .run()
        .unwrap();
    let fast = averages.take::<f64>("fast_ma").unwrap();
    let slow = averages.take::<f64>("slow_ma").unwrap();
    let (bars, columns) = fast.dim();
    let mut entries = Array2::from_elem((bars, columns).f(), false);
    let mut exits = Array2::from_elem((bars, columns).f(), false);
    let (fast_columns, slow_columns) = (
        fast.as_slice_memory_order().unwrap().par_chunks(bars),
        slow.as_slice_memory_order().unwrap().par_chunks(bars),
    );
    entries
        .as_slice_memory_order_mut()
        .unwrap()
        .par_chunks_mut(bars)
        .zip(
            exits
                .as_slice_memory_order_mut()
                .unwrap()
                .par_chunks_mut(bars),
        )
        .zip(fast_columns.zip(slow_columns))
        .for_each(|((entry, exit), (fast, slow))| {
            crossed_above(fast, slow, entry);
            crossed_above(slow, fast, exit);
        });
    let (metrics, [value, returns]) = simulate_matrices(closes, &entries, &exits, config);
    (metrics, [fast, slow, value, returns], [entries, exits])
}

fn thread_label(threads: usize) -> String {
    if threads == 1 {
        "1_thread".to_string()
    } else {
        format!("{threads}_threads")
    }
}

fn ma_crossover(c: &mut Criterion) {
    let windows: Vec<usize> = (2..=100).collect();
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    let pools: Vec<(usize, ThreadPool)> = [1, 2]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            (threads, pool)
        })
        .collect();
    let (wide_threads, wide) = (pools[1].0, &pools[1].1);
    let workloads = [
        Workload {
            name: "daily",
            closes: ["MSFT_bokeh", "IBM_bokeh"].map(bundled_close).to_vec(),
            config: BacktestConfig::default(),
            materialise: true,
        },
        Workload {
            name: "hourly",
            closes: (0..2)
                .map(|s| random_walk(TUTORIAL_BARS, 7 + s).close)
                .collect(),
            config: BacktestConfig::default()
                .with_bar_interval(Duration::from_secs(3600))
                .unwrap(),
            materialise: false,
        },
    ];

    for workload in &workloads {
        let closes: Vec<&[f64]> = workload.closes.iter().map(Vec::as_slice).collect();
        let prices = Prices::from_close_series(closes.iter().copied()).unwrap();
        let config = workload.config;
        let (bars, columns) = (prices.bars(), grid.len() * prices.symbols());
        eprintln!(
            "ma_crossover {}: {bars} bars x {columns} columns, last closes {:?}",
            workload.name,
            closes.iter().map(|c| c[bars - 1]).collect::<Vec<_>>()
        );

        // Rows of up to a second per run: flat sampling, 10 samples, a short warm-up, so that
        // the whole bench stays under two minutes.
        let mut group = c.benchmark_group(format!("ma_crossover_{}", workload.name));
        group
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        group.throughput(Throughput::Elements((bars * columns) as u64));

        for kind in MaKind::ALL {
            let tag = match kind {
                MaKind::Simple => "sma",
                MaKind::Exponential => "ema",
            };
            let strategy = MaCrossover::new(kind);
            let fused = wide.install(|| {
                Backtest::new(strategy.clone(), &prices, &grid, config)
                    .run()
                    .unwrap()
            });
            let trades: usize = fused.metrics.iter().map(|m| m.trades).sum();
            eprintln!("  {tag}: sum of trades {trades}");
            if workload.materialise {
                // The baseline computes what the fused pipeline does (its plain arithmetic
                // gives the same bits on this data), so the comparison is of the same work.
                let (baseline, _, _) =
                    wide.install(|| materialising(&prices, &closes, &grid, kind, &config));
                assert!(
                    same_metrics(&fused.metrics, &baseline),
                    "the materialising baseline must compute the same metrics"
                );
            }

            for (threads, pool) in &pools {
                group.bench_function(format!("{tag}/fused/{}", thread_label(*threads)), |b| {
                    b.iter(|| {
                        Backtest::new(strategy.clone(), black_box(&prices), &grid, config)
                            .pool(pool)
                            .run()
                            .unwrap()
                    })
                });
            }
            // The baseline of the lane engine: the scalar engine, one column at a time.
            group.bench_function(
                format!("{tag}/fused/scalar_engine/{}", thread_label(wide_threads)),
                |b| {
                    b.iter(|| {
                        Backtest::new(strategy.clone(), black_box(&prices), &grid, config)
                            .pool(wide)
                            .engine(Engine::Scalar)
                            .run()
                            .unwrap()
                    })
                },
            );
            // The averages alone, each column reduced to its last two values.
            let reduce_averages = |averages: &Pair<Ma, Ma>| {
                Sweep::new(averages.clone(), black_box(&prices), &grid)
                    .pool(wide)
                    .reduce(|c| {
                        c.get::<f64>("fast_ma").unwrap()[bars - 1]
                            + c.get::<f64>("slow_ma").unwrap()[bars - 1]
                    })
                    .unwrap()
            };
            let averages = Pair::new(Ma::new(kind), Ma::new(kind));
            group.bench_function(
                format!("{tag}/averages/reduce/{}", thread_label(wide_threads)),
                |b| b.iter(|| reduce_averages(&averages)),
            );
            if kind == MaKind::Exponential {
                // The baseline of the kept exponential averages: every window recomputed in
                // every group, the sweep as it ran before they were kept.
                let recomputed = Ma::exponential().with_cache_bytes(0);
                let averages = Pair::new(recomputed, recomputed);
                let strategy = (averages.clone(), Crossover::new("fast_ma", "slow_ma"));
                group.bench_function(
                    format!("{tag}/fused/recomputed/{}", thread_label(wide_threads)),
                    |b| {
                        b.iter(|| {
                            Backtest::new(strategy.clone(), black_box(&prices), &grid, config)
                                .pool(wide)
                                .run()
                                .unwrap()
                        })
                    },
                );
                group.bench_function(
                    format!(
                        "{tag}/averages/reduce/recomputed/{}",
                        thread_label(wide_threads)
                    ),
                    |b| b.iter(|| reduce_averages(&averages)),
                );
            }
            if workload.materialise {
                group.bench_function(
                    format!("{tag}/materialising/{}", thread_label(wide_threads)),
                    |b| {
                        b.iter_with_large_drop(|| {
                            wide.install(|| materialising(&prices, &closes, &grid, kind, &config))
                        })
                    },
                );
            }
        }
        group.finish();
    }
}

criterion_group!(benches, ma_crossover);
criterion_main!(benches);
