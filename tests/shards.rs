//! Shards: a column range of a sweep or a backtest holds the same bits as those columns of the
//! whole run, on every path (fresh outputs, caller buffers, reductions, states, both backtest
//! engines, any chunk length), and the shards of `shard(columns, i, n)` concatenated in order
//! are the whole run. Ranges beyond the columns, impossible shards and computations that need
//! every column are refused with their errors.

mod common;

use std::ops::Range;

use common::{assert_same_metrics, proptest_config, random_symbols, same_bits, Ohlc};
use ndarray::{s, Array2, ShapeBuilder};
use proptest::prelude::*;
use ta_sweep::backtest::Engine;
use ta_sweep::validation::Validation;
use ta_sweep::{
    shard, supertrend, Backtest, BacktestConfig, Error, Grid, Ma, MaCrossover, Prices, SuperTrend,
    SuperTrendBar, Sweep, SweepBuffers, Variant,
};

fn prices(data: &[Ohlc]) -> Prices<'_> {
    Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap()
}

fn closes(data: &[Ohlc]) -> Prices<'_> {
    Prices::from_close_series(data.iter().map(|d| &d.close[..])).unwrap()
}

/// Every bit of two float matrices, NaN payloads included.
#[track_caller]
fn assert_same_matrix(what: &str, expected: ndarray::ArrayView2<f64>, actual: &Array2<f64>) {
    assert_eq!(expected.dim(), actual.dim(), "{what}: shape");
    for ((i, j), e) in expected.indexed_iter() {
        let a = actual[(i, j)];
        assert!(same_bits(*e, a), "{what}: bar {i} column {j}: {e} != {a}");
    }
}

/// A range within `0..columns`, empty ones included.
fn range_in(columns: usize) -> impl Strategy<Value = Range<usize>> {
    (0..=columns).prop_flat_map(move |start| (Just(start), start..=columns).prop_map(|(a, b)| a..b))
}

fn variant() -> impl Strategy<Value = Variant> {
    prop_oneof![
        Just(Variant::Vectorbt),
        Just(Variant::TradingView),
        Just(Variant::TaLib)
    ]
}

/// Periods 2..=9 by 7 multipliers, over 3 symbols: 168 columns, a partial lane batch at the
/// end of each period, and ranges that start and end inside a period's group.
fn supertrend_grid() -> Grid<(usize, f64)> {
    supertrend::grid(&[2, 3, 5, 9], &[0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]).unwrap()
}

proptest! {
    #![proptest_config(proptest_config(48))]

    /// SuperTrend: fresh outputs, caller buffers, a reduction and the final states of a range
    /// are the whole sweep's columns of that range.
    #[test]
    fn a_supertrend_range_is_the_whole_sweeps_columns(
        seed in any::<u64>(),
        nan_every in prop_oneof![Just(0usize), 3usize..40],
        variant in variant(),
        chunk_len in prop::option::of(1usize..20),
        range in range_in(4 * 7 * 3),
    ) {
        let data = random_symbols(120, 3, seed, nan_every);
        let prices = prices(&data);
        let grid = supertrend_grid();
        let mut sweep = Sweep::new(SuperTrend::new(variant), &prices, &grid);
        if let Some(len) = chunk_len {
            sweep = sweep.chunk_len(len);
        }
        let (whole, whole_states) = sweep.run_with_states().unwrap();
        let part = sweep.column_range(range.clone());

        let (out, mut states) = part.run_with_states().unwrap();
        prop_assert_eq!(out.columns.range(), range.clone());
        let keys: Vec<_> = out.columns.keys().collect();
        let whole_keys: Vec<_> = whole.columns.keys().collect();
        prop_assert_eq!(&keys[..], &whole_keys[range.clone()]);
        for name in ["supert", "superl", "supers"] {
            let expected = whole.get::<f64>(name).unwrap().slice(s![.., range.clone()]);
            assert_same_matrix(name, expected, out.get::<f64>(name).unwrap());
        }
        prop_assert_eq!(
            out.superd().unwrap(),
            &whole.superd().unwrap().slice(s![.., range.clone()])
        );

        // Caller-owned buffers of the range's width.
        let mut line = Array2::<f64>::from_elem((120, range.len()).f(), 7.0);
        let mut direction = Array2::<i8>::zeros((120, range.len()).f());
        let outputs = ["supert", "superd"];
        part.outputs(&outputs)
            .run_into(SweepBuffers::new().with("supert", &mut line).with("superd", &mut direction))
            .unwrap();
        assert_same_matrix("run_into supert", whole.supert().unwrap().slice(s![.., range.clone()]), &line);
        prop_assert_eq!(&direction, &whole.superd().unwrap().slice(s![.., range.clone()]));

        // A reduction sees the range's columns, in order.
        let last = |c: ta_sweep::ColumnView<'_, (usize, f64)>| c.get::<f64>("supert").unwrap().last().copied();
        let reduced = part.reduce(last).unwrap();
        let whole_reduced = sweep.reduce(last).unwrap();
        prop_assert_eq!(reduced.len(), range.len());
        for (a, b) in reduced.iter().zip(&whole_reduced[range.clone()]) {
            prop_assert!(a.zip(*b).is_none_or(|(a, b)| same_bits(a, b)) && a.is_some() == b.is_some());
        }

        // The states continue like the whole sweep's: each on its own column's symbol.
        let mut whole_states = whole_states;
        let (high, low, close) = ([101.0, 55.0, 80.0], [99.0, 54.0, 78.0], [100.0, 54.5, 79.0]);
        let bar = states.update(&high, &low, &close).unwrap();
        let whole_bar = whole_states.update(&high, &low, &close).unwrap();
        let line = bar.get::<f64>("supert").unwrap();
        let whole_line = &whole_bar.get::<f64>("supert").unwrap()[range.clone()];
        prop_assert!(line.iter().zip(whole_line).all(|(a, b)| same_bits(*a, *b)));
        let firsts: Vec<SuperTrendBar> = states.states().iter().map(|s| { let mut s = *s; s.update(1.0, 1.0, 1.0) }).collect();
        let whole_firsts: Vec<SuperTrendBar> = whole_states.states()[range.clone()].iter().map(|s| { let mut s = *s; s.update(1.0, 1.0, 1.0) }).collect();
        for (a, b) in firsts.iter().zip(&whole_firsts) {
            prop_assert!(same_bits(a.supert, b.supert) && a.superd == b.superd);
        }
    }

    /// The shards of `shard(columns, i, n)` are contiguous, cover the columns in order, differ
    /// in length by at most one, and their sweeps concatenated are the whole sweep.
    #[test]
    fn shards_concatenated_are_the_whole_sweep(
        seed in any::<u64>(),
        count in 1usize..9,
        symbols in 1usize..4,
    ) {
        let data = random_symbols(80, symbols, seed, 7);
        let prices = closes(&data);
        let windows: Vec<usize> = (1..=12).collect();
        let grid = Grid::axis(&["window"], &windows).unwrap();
        let sweep = Sweep::new(Ma::exponential(), &prices, &grid);
        let whole = sweep.run().unwrap();
        let columns = whole.columns.len();
        let mut next = 0;
        let mut parts = vec![];
        for index in 0..count {
            let range = shard(columns, index, count).unwrap();
            prop_assert_eq!(range.start, next);
            prop_assert!(range.len().abs_diff(columns / count) <= 1);
            next = range.end;
            parts.push(sweep.column_range(range).run().unwrap());
        }
        prop_assert_eq!(next, columns);
        let views: Vec<_> = parts.iter().map(|p| p.get::<f64>("ma").unwrap().view()).collect();
        let joined = ndarray::concatenate(ndarray::Axis(1), &views).unwrap();
        assert_same_matrix("ma", whole.get::<f64>("ma").unwrap().view(), &joined);
    }

    /// The backtest of a range, on either engine and any chunk length, holds the whole
    /// backtest's metrics of those columns: SuperTrend in every variant and both crossovers.
    #[test]
    fn a_backtest_range_is_the_whole_backtests_columns(
        seed in any::<u64>(),
        nan_every in prop_oneof![Just(0usize), 5usize..40],
        variant in variant(),
        engine in prop_oneof![Just(Engine::Scalar), Just(Engine::Lanes)],
        chunk_len in 1usize..13,
        range in range_in(4 * 7 * 3),
        cross_range in range_in(45 * 3),
        exponential in any::<bool>(),
    ) {
        let data = random_symbols(150, 3, seed, nan_every);
        let prices = prices(&data);
        let grid = supertrend_grid();
        let backtest = Backtest::new(SuperTrend::new(variant), &prices, &grid, BacktestConfig::default())
            .engine(engine)
            .chunk_len(chunk_len);
        let whole = backtest.run().unwrap();
        let part = backtest.column_range(range.clone()).run().unwrap();
        prop_assert_eq!(part.columns.range(), range.clone());
        assert_same_metrics("supertrend", &whole.metrics[range.clone()], &part.metrics);

        let windows: Vec<usize> = (2..=11).collect();
        let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
        let strategy = if exponential { MaCrossover::exponential() } else { MaCrossover::simple() };
        let backtest = Backtest::new(strategy, &prices, &grid, BacktestConfig::default())
            .engine(engine)
            .chunk_len(chunk_len);
        let whole = backtest.run().unwrap();
        let part = backtest.column_range(cross_range.clone()).run().unwrap();
        assert_same_metrics("crossover", &whole.metrics[cross_range.clone()], &part.metrics);
        let keys: Vec<_> = part.columns.keys().collect();
        let whole_keys: Vec<_> = whole.columns.keys().collect();
        prop_assert_eq!(&keys[..], &whole_keys[cross_range]);
    }
}

/// The tutorial's grid over two symbols, in shards on a two-thread pool: the fused backtest
/// scored shard by shard is the whole backtest.
#[test]
fn tutorial_backtest_in_shards_is_the_whole_backtest() {
    let data = random_symbols(2000, 2, 11, 97);
    let prices = prices(&data);
    let grid = supertrend::tutorial_grid();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .pool(&pool);
    let whole = backtest.run().unwrap();
    let mut joined = vec![];
    for index in 0..5 {
        let range = shard(whole.columns.len(), index, 5).unwrap();
        joined.extend(backtest.column_range(range).run().unwrap().metrics);
    }
    assert_same_metrics("tutorial shards", &whole.metrics, &joined);
}

#[test]
fn ranges_beyond_the_columns_are_refused_before_any_work() {
    let data = random_symbols(50, 2, 3, 0);
    let prices = prices(&data);
    let grid = supertrend_grid(); // 28 rows x 2 symbols = 56 columns
    let refused = Error::InvalidColumnRange {
        start: 50,
        end: 57,
        columns: 56,
    };
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid).column_range(50..57);
    assert_eq!(sweep.columns().unwrap_err(), refused);
    assert_eq!(sweep.output_bytes().unwrap_err(), refused);
    assert_eq!(sweep.run().unwrap_err(), refused);
    assert_eq!(sweep.run_with_states().unwrap_err(), refused);
    assert_eq!(sweep.reduce(|_| ()).unwrap_err(), refused);
    let mut line = Array2::<f64>::zeros((50, 7).f());
    assert_eq!(
        sweep
            .outputs(&["supert"])
            .run_into(SweepBuffers::new().with("supert", &mut line))
            .unwrap_err(),
        refused
    );
    // A range whose start is past its end, as `Range` allows.
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = 9..3;
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    );
    assert_eq!(
        backtest.column_range(backwards).run().unwrap_err(),
        Error::InvalidColumnRange {
            start: 9,
            end: 3,
            columns: 56
        }
    );
    assert_eq!(backtest.column_range(50..57).run().unwrap_err(), refused);
    // The last column and the empty range at the end are fine.
    assert_eq!(
        backtest.column_range(55..56).run().unwrap().metrics.len(),
        1
    );
    assert!(backtest
        .column_range(56..56)
        .run()
        .unwrap()
        .metrics
        .is_empty());
}

#[test]
fn impossible_shards_are_refused() {
    assert_eq!(
        shard(10, 0, 0).unwrap_err(),
        Error::InvalidShard { index: 0, count: 0 }
    );
    assert_eq!(
        shard(10, 3, 3).unwrap_err(),
        Error::InvalidShard { index: 3, count: 3 }
    );
    assert_eq!(
        shard(10, usize::MAX, 2).unwrap_err(),
        Error::InvalidShard {
            index: usize::MAX,
            count: 2
        }
    );
    // More shards than columns: some are empty, all together still the whole.
    let ranges: Vec<_> = (0..4).map(|i| shard(2, i, 4).unwrap()).collect();
    assert_eq!(ranges, [0..0, 0..1, 1..1, 1..2]);
    // No overflow at the largest layouts.
    assert_eq!(shard(usize::MAX, 1, 2).unwrap().end, usize::MAX);
    assert!(Error::InvalidShard { index: 3, count: 3 }
        .to_string()
        .contains("invalid shard 3 of 3"));
}

#[test]
fn rolling_windows_and_validation_need_every_column() {
    let data = random_symbols(200, 2, 5, 0);
    let prices = closes(&data);
    let windows: Vec<usize> = (2..=6).collect();
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    let backtest = Backtest::new(
        MaCrossover::simple(),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .column_range(0..4);
    assert_eq!(
        backtest.rolling(50, 50).unwrap_err(),
        Error::ColumnRangeUnsupported {
            what: "rolling windows"
        }
    );
    assert_eq!(
        backtest.validate(&Validation::new()).unwrap_err(),
        Error::ColumnRangeUnsupported { what: "validation" }
    );
}
