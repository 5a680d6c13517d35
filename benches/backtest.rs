//! The fused backtest on the tutorial workload (2 symbols x 17,544 hourly bars x 336
//! combinations = 672 columns) against the materialising route, in one group so that ratios
//! come from one run; throughput is reported per bar-column.
//!
//! - `fused/exact` and `fused/exact/1_thread`: `Backtest::run`, the default, bit-exact.
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

use common::{random_walk, Series, TUTORIAL_BARS};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use ta_sweep::{
    Backtest, BacktestConfig, ColumnMetrics, Output, OutputSet, ParamGrid, Prices, Sweep, Variance,
};

/// One column's simulation from materialised signals, writing the value and returns columns,
/// in the plain form of PIPELINE.md 4.7 (which reproduces every golden column).
fn simulate_column(
    close: &[f64],
    entries: &[bool],
    exits: &[bool],
    config: &BacktestConfig,
    value: &mut [f64],
    returns: &mut [f64],
) -> (f64, usize, usize, f64) {
    let fees = config.fees();
    let (mut cash, mut position, mut last_close) = (config.init_cash(), 0.0f64, f64::NAN);
    let (mut flow_cash, mut flow_units, mut sells, mut orders) = (0.0, 0.0, 0, 0);
    let mut previous = config.init_cash();
    for i in 0..close.len() {
        let c = close[i];
        if !c.is_nan() {
            if position > 0.0 && exits[i] && !entries[i] {
                let proceeds = position * c;
                let fee = proceeds * fees;
                cash = proceeds - fee;
                flow_units -= position;
                flow_cash += proceeds - fee;
                position = 0.0;
                sells += 1;
                orders += 1;
            } else if position == 0.0 && entries[i] && !exits[i] {
                let spendable = cash / (1.0 + fees);
                let size = spendable / c;
                let fee = cash - spendable;
                flow_units += size;
                flow_cash -= size * c + fee;
                position = size;
                cash = 0.0;
                orders += 1;
            }
            last_close = c;
        }
        let v = cash
            + if position == 0.0 {
                0.0
            } else {
                last_close * position
            };
        value[i] = v;
        returns[i] = (v - previous) / previous;
        previous = v;
    }
    let total_return = if orders == 0 {
        0.0
    } else {
        (flow_cash + flow_units * last_close) / config.init_cash()
    };
    (total_return, sells, usize::from(position > 0.0), flow_units)
}

/// The metrics of one column from its materialised returns.
fn column_metrics(returns: &[f64], annualisation: f64) -> (f64, f64) {
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let ssd = returns.iter().fold(0.0, |s, r| s + (r - mean) * (r - mean));
    let std = (ssd / n * n / (n - 1.0)).sqrt();
    let sharpe = if std == 0.0 {
        f64::INFINITY
    } else {
        mean / std * annualisation.sqrt()
    };
    let (mut growth, mut peak, mut worst) = (1.0, f64::NAN, 0.0f64);
    for r in returns {
        growth *= r + 1.0;
        let c = growth * 100.0;
        if peak.is_nan() || c > peak {
            peak = c;
        }
        worst = worst.min(c / peak - 1.0);
    }
    (sharpe, worst)
}

/// Every matrix the materialising route allocates, and its metrics.
fn materialising(
    prices: &Prices<'_>,
    data: &[Series],
    grid: &ParamGrid,
    config: &BacktestConfig,
) -> (Vec<ColumnMetrics>, [Array2<f64>; 2], [Array2<bool>; 2]) {
    let st = Sweep::new(prices, grid).run().unwrap();
    let (bars, columns) = (prices.bars(), st.columns.len());
    let (superl, supers) = (st.superl.as_ref().unwrap(), st.supers.as_ref().unwrap());
    let mut entries = Array2::from_elem((bars, columns).f(), false);
    let mut exits = Array2::from_elem((bars, columns).f(), false);
    let symbols = data.len();
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
    let mut value = Array2::<f64>::zeros((bars, columns).f());
    let mut returns = Array2::<f64>::zeros((bars, columns).f());
    let metrics = value
        .as_slice_memory_order_mut()
        .unwrap()
        .par_chunks_mut(bars)
        .zip(
            returns
                .as_slice_memory_order_mut()
                .unwrap()
                .par_chunks_mut(bars),
        )
        .enumerate()
        .map(|(j, (value, returns))| {
            let close = &data[j % symbols].close;
            let (total_return, sells, open, _) = simulate_column(
                close,
                entries.column(j).to_slice().unwrap(),
                exits.column(j).to_slice().unwrap(),
                config,
                value,
                returns,
            );
            let (sharpe, max_drawdown) = column_metrics(returns, config.annualisation());
            ColumnMetrics {
                sharpe,
                total_return,
                max_drawdown,
                trades: sells + open,
                closed_trades: sells,
            }
        })
        .collect();
    (metrics, [value, returns], [entries, exits])
}

fn tutorial(c: &mut Criterion) {
    let data: Vec<Series> = (0..2).map(|s| random_walk(TUTORIAL_BARS, 7 + s)).collect();
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let grid = ParamGrid::tutorial();
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
    let fused = all.install(|| Backtest::new(&prices, &grid, config).run().unwrap());
    let (baseline, _, _) = all.install(|| materialising(&prices, &data, &grid, &config));
    let same = fused.metrics.iter().zip(&baseline).all(|(a, b)| {
        a.sharpe.to_bits() == b.sharpe.to_bits()
            && a.total_return.to_bits() == b.total_return.to_bits()
            && a.max_drawdown.to_bits() == b.max_drawdown.to_bits()
            && (a.trades, a.closed_trades) == (b.trades, b.closed_trades)
    });
    assert!(
        same,
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
            Backtest::new(black_box(&prices), &grid, config)
                .pool(&all)
                .run()
                .unwrap()
        })
    });
    group.bench_function("fused/exact/1_thread", |b| {
        b.iter(|| {
            Backtest::new(black_box(&prices), &grid, config)
                .pool(&one)
                .run()
                .unwrap()
        })
    });
    group.bench_function("fused/one_pass", |b| {
        b.iter(|| {
            Backtest::new(black_box(&prices), &grid, config)
                .pool(&all)
                .variance(Variance::OnePass)
                .run()
                .unwrap()
        })
    });
    let directions = OutputSet::only(Output::Superd);
    group.bench_function("supertrend/reduce", |b| {
        b.iter(|| {
            Sweep::new(black_box(&prices), &grid)
                .pool(&all)
                .outputs(directions)
                .reduce(|c| c.superd.unwrap()[bars - 1])
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
