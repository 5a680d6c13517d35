//! Properties of the open factory's moving-average parts on random closes with NaN gaps, flat
//! runs and ties on a price grid: sweep columns equal the single-series functions, results do
//! not depend on threads or chunk lengths, streaming equals batch, the closure adapter equals
//! the trait implementation, the fused crossover backtest and the threshold rule equal a naive
//! transcription of `docs/STRATEGIES.md` and `docs/PIPELINE.md` (`tests/common/strategies.rs`),
//! and grids keep their documented order.

mod common;

use std::sync::OnceLock;

use common::strategies::{
    close_series, distinct_windows, ma_kind, naive_crossed_above, naive_crossover, naive_level,
    naive_ma, naive_pipeline, two_close_series, NaivePipeline,
};
use common::{ohlc, proptest_config, random_symbols, same_bits, variant, NaiveCosts, NaiveMetrics};
use ndarray::Array2;
use proptest::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use ta_sweep::atr::Atr;
use ta_sweep::backtest::{trace, Crossover, Level, Threshold};
use ta_sweep::ma::moving_average;
use ta_sweep::{
    Backtest, BacktestConfig, BacktestTrace, ColumnMetrics, Error, FnIndicator, Grid, Inputs, Ma,
    MaCrossover, MaKind, OutputSpec, Pair, Prices, Side, Sweep, SweepState,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Pools of 1, 2 and 3 threads, built once for every case.
fn pools() -> &'static [ThreadPool] {
    static POOLS: OnceLock<Vec<ThreadPool>> = OnceLock::new();
    POOLS.get_or_init(|| {
        (1..=3)
            .map(|n| ThreadPoolBuilder::new().num_threads(n).build().unwrap())
            .collect()
    })
}

fn costs_of(config: &BacktestConfig) -> NaiveCosts {
    NaiveCosts {
        fees: config.fees(),
        init_cash: config.init_cash(),
        annualisation: config.annualisation(),
    }
}

fn config() -> impl Strategy<Value = BacktestConfig> {
    prop_oneof![
        2 => Just(BacktestConfig::default()),
        1 => (
            prop_oneof![Just(0.0), 0.0f64..0.05],
            prop_oneof![Just(100.0), 1.0f64..1e6],
            prop_oneof![Just(365.0), Just(8760.0), 1.0f64..1e5],
        )
            .prop_map(|(fees, cash, annualisation)| {
                BacktestConfig::new(fees, cash, annualisation).unwrap()
            }),
    ]
}

/// A level of any of the four kinds, at a value the series takes (so that it ties) or any
/// value in its range.
fn level(close: &[f64], pick: prop::sample::Index, kind: u8, offset: f64) -> Level {
    let valid: Vec<f64> = close.iter().copied().filter(|c| !c.is_nan()).collect();
    let x = if valid.is_empty() {
        1.0
    } else {
        valid[pick.index(valid.len())] * offset
    };
    match kind % 4 {
        0 => Level::Above(x),
        1 => Level::Below(x),
        2 => Level::CrossedAbove(x),
        _ => Level::CrossedBelow(x),
    }
}

fn level_strategy() -> impl Strategy<Value = (prop::sample::Index, u8, f64)> {
    (
        any::<prop::sample::Index>(),
        0u8..4,
        prop_oneof![3 => Just(1.0), 1 => 0.97f64..1.03],
    )
}

fn same_array(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.dim() == b.dim() && a.iter().zip(b.iter()).all(|(x, y)| same_bits(*x, *y))
}

fn same_metrics(a: &ColumnMetrics, b: &ColumnMetrics) -> bool {
    same_bits(a.sharpe, b.sharpe)
        && same_bits(a.total_return, b.total_return)
        && same_bits(a.max_drawdown, b.max_drawdown)
        && (a.trades, a.closed_trades) == (b.trades, b.closed_trades)
}

fn same_all_metrics(a: &[ColumnMetrics], b: &[ColumnMetrics]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_metrics(a, b))
}

#[track_caller]
fn assert_metrics(what: &str, expected: &NaiveMetrics, actual: &ColumnMetrics) {
    for (name, e, a) in [
        ("sharpe", expected.sharpe, actual.sharpe),
        ("total_return", expected.total_return, actual.total_return),
        ("max_drawdown", expected.max_drawdown, actual.max_drawdown),
    ] {
        assert!(
            same_bits(e, a),
            "{what}: {name}: expected {e:?} ({:#018x}), got {a:?} ({:#018x})",
            e.to_bits(),
            a.to_bits()
        );
    }
    assert_eq!(
        (expected.trades, expected.closed_trades),
        (actual.trades, actual.closed_trades),
        "{what}: trades"
    );
}

#[track_caller]
fn assert_bits(what: &str, expected: &[f64], actual: &[f64]) {
    common::assert_same_bits(what, expected, actual);
}

/// A trace's simulation, bar for bar, against the naive one.
#[track_caller]
fn assert_trace(what: &str, naive: &NaivePipeline, t: &BacktestTrace) {
    assert_bits(&format!("{what}: position"), &naive.position, &t.position);
    assert_bits(&format!("{what}: cash"), &naive.cash, &t.cash);
    assert_bits(&format!("{what}: value"), &naive.value, &t.value);
    assert_bits(&format!("{what}: returns"), &naive.returns, &t.returns);
    let orders: Vec<(usize, ta_sweep::Order)> = t
        .orders
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.map(|o| (i, o)))
        .collect();
    assert_eq!(orders.len(), naive.orders.len(), "{what}: orders");
    for ((bar, a), e) in orders.iter().zip(&naive.orders) {
        assert_eq!((*bar, a.side == Side::Buy), (e.bar, e.buy), "{what}: order");
        assert!(
            same_bits(a.size, e.size) && same_bits(a.price, e.price) && same_bits(a.fees, e.fee),
            "{what}: order at bar {bar}: expected {e:?}, got {a:?}"
        );
    }
    assert_metrics(
        &format!("{what}: trace metrics"),
        &naive.metrics,
        &t.metrics,
    );
}

fn closes<'a>(a: &'a [f64], b: &'a [f64]) -> Prices<'a> {
    Prices::from_close_series([a, b]).unwrap()
}

/// The grid of every pair of `windows` (at least two of them).
fn pairs(windows: &[usize]) -> Grid<(usize, usize)> {
    Grid::combinations(&["fast", "slow"], windows).unwrap()
}

/// A simple or exponential average through the closure adapter, computed with
/// `moving_average_into`.
fn closure_ma(
    kind: MaKind,
) -> FnIndicator<
    usize,
    impl Fn(&ta_sweep::SymbolPrices<'_>, &usize, &mut ta_sweep::factory::FnOutputs<'_>) + Sync,
> {
    FnIndicator::new(
        [OutputSpec::f64("ma")],
        move |prices: &ta_sweep::SymbolPrices<'_>,
              &w: &usize,
              out: &mut ta_sweep::factory::FnOutputs<'_>| {
            ta_sweep::ma::moving_average_into(prices.close(), w, kind, out.get::<f64>(0)).unwrap();
        },
    )
    .inputs(Inputs::Close)
    .check(|&w: &usize| {
        if w == 0 {
            Err(Error::InvalidParams {
                params: format!("w{w}"),
                reason: "a window of 0".into(),
            })
        } else {
            Ok(())
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Sweep columns, threads and chunks, streaming
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(64))]

    /// Every column of a Ma sweep over two symbols is `moving_average` of its window on its
    /// symbol, and that is the naive definition, bit for bit.
    #[test]
    fn ma_sweep_columns_equal_moving_average(
        (a, b) in two_close_series(200),
        windows in distinct_windows(40, 1..7),
        kind in ma_kind(),
    ) {
        let prices = closes(&a, &b);
        let grid = Grid::axis(&["window"], &windows).unwrap();
        let out = Sweep::new(Ma::new(kind), &prices, &grid).run().unwrap();
        let values = out.get::<f64>("ma").unwrap();
        prop_assert_eq!(values.dim(), (a.len(), 2 * windows.len()));
        let reduced = Sweep::new(Ma::new(kind), &prices, &grid)
            .reduce(|view| view.get::<f64>("ma").unwrap().to_vec())
            .unwrap();
        for (j, key) in out.columns.keys().enumerate() {
            let close = if key.symbol == 0 { &a } else { &b };
            let expected = moving_average(close, key.params, kind).unwrap();
            assert_bits(&format!("{kind} w{} symbol {}: spec", key.params, key.symbol),
                &naive_ma(close, key.params, kind), &expected);
            assert_bits(&format!("{kind} column {j}"), &expected, &values.column(j).to_vec());
            assert_bits(&format!("{kind} reduced column {j}"), &expected, &reduced[j]);
        }
    }

    /// Every column of a `Pair<Ma, Ma>` sweep over every pair of some windows has the fast and
    /// the slow `moving_average`, whichever the kinds and whatever room the exponential
    /// averages have to be kept (none, a few windows, all), and a selection of one output
    /// gives the same bits.
    #[test]
    fn pair_sweep_columns_equal_moving_average(
        (a, b) in two_close_series(200),
        windows in distinct_windows(40, 2..7),
        kinds in (ma_kind(), ma_kind()),
        windows_kept in prop_oneof![Just(0usize), 1usize..4, Just(usize::MAX / 8 / 200)],
        chunk_len in 1usize..8,
    ) {
        let prices = closes(&a, &b);
        let grid = pairs(&windows);
        let room = windows_kept * 8 * a.len();
        let ma = |kind| Ma::new(kind).with_cache_bytes(room);
        let pair = Pair::new(ma(kinds.0), ma(kinds.1));
        let out = Sweep::new(pair.clone(), &prices, &grid).chunk_len(chunk_len).run().unwrap();
        let slow_only = Sweep::new(pair, &prices, &grid)
            .outputs(&["slow_ma"])
            .run()
            .unwrap();
        prop_assert!(slow_only.get::<f64>("fast_ma").is_none());
        let (fast, slow) = (out.get::<f64>("fast_ma").unwrap(), out.get::<f64>("slow_ma").unwrap());
        prop_assert!(same_array(slow, slow_only.get::<f64>("slow_ma").unwrap()));
        for (j, key) in out.columns.keys().enumerate() {
            let close = if key.symbol == 0 { &a } else { &b };
            let (f, s) = key.params;
            assert_bits(&format!("column {j} fast"), &moving_average(close, f, kinds.0).unwrap(),
                &fast.column(j).to_vec());
            assert_bits(&format!("column {j} slow"), &moving_average(close, s, kinds.1).unwrap(),
                &slow.column(j).to_vec());
        }
    }

    /// Sweeps and backtests give the same bits on 1, 2 and 3 threads and for every chunk
    /// length.
    #[test]
    fn threads_and_chunk_lengths_give_the_same_bits(
        (a, b) in two_close_series(160),
        windows in distinct_windows(30, 2..6),
        kind in ma_kind(),
        chunk_len in 1usize..12,
    ) {
        let prices = closes(&a, &b);
        let axis = Grid::axis(&["window"], &windows).unwrap();
        let grid = pairs(&windows);
        let config = BacktestConfig::default();
        let ma = Sweep::new(Ma::new(kind), &prices, &axis).run().unwrap();
        let pair_sweep = || Sweep::new(Pair::new(Ma::new(kind), Ma::simple()), &prices, &grid);
        let pair = pair_sweep().run().unwrap();
        let simple = Backtest::new(MaCrossover::simple(), &prices, &grid, config).run().unwrap();
        let exponential = Backtest::new(MaCrossover::exponential(), &prices, &grid, config)
            .run()
            .unwrap();
        let columns = 2 * grid.len();
        for pool in pools() {
            for chunk in [1, chunk_len, columns, columns + 3] {
                let m = Sweep::new(Ma::new(kind), &prices, &axis).pool(pool).chunk_len(chunk).run().unwrap();
                prop_assert!(same_array(ma.get("ma").unwrap(), m.get("ma").unwrap()));
                let p = pair_sweep().pool(pool).chunk_len(chunk).run().unwrap();
                for name in ["fast_ma", "slow_ma"] {
                    prop_assert!(same_array(pair.get(name).unwrap(), p.get(name).unwrap()),
                        "{} on {} threads, chunk {}", name, pool.current_num_threads(), chunk);
                }
                let s = Backtest::new(MaCrossover::simple(), &prices, &grid, config)
                    .pool(pool).chunk_len(chunk).run().unwrap();
                prop_assert!(same_all_metrics(&simple.metrics, &s.metrics));
                let e = Backtest::new(MaCrossover::exponential(), &prices, &grid, config)
                    .pool(pool).chunk_len(chunk).run().unwrap();
                prop_assert!(same_all_metrics(&exponential.metrics, &e.metrics));
            }
        }
    }

    /// `run_with_states` on a prefix, then `update_closes` bar by bar, equals the batch sweep
    /// of the whole series, for Ma of either kind and a pair of them; so do fresh states.
    #[test]
    fn streaming_ma_and_pair_equal_the_batch(
        (a, b) in two_close_series(150),
        windows in distinct_windows(30, 2..5),
        kinds in (ma_kind(), ma_kind()),
        cut in any::<prop::sample::Index>(),
    ) {
        let n = a.len();
        let cut = cut.index(n + 1);
        let full = closes(&a, &b);
        let prefix = closes(&a[..cut], &b[..cut]);

        let axis = Grid::axis(&["window"], &windows).unwrap();
        let ma = Ma::new(kinds.0);
        let batch = Sweep::new(ma, &full, &axis).run().unwrap();
        let batch = batch.get::<f64>("ma").unwrap();
        let (_, mut live) = Sweep::new(ma, &prefix, &axis).run_with_states().unwrap();
        let mut fresh = SweepState::new(ma, &axis, 2).unwrap();
        for i in 0..n {
            let bar = fresh.update_closes(&[a[i], b[i]]).unwrap();
            assert_bits(&format!("fresh ma bar {i}"), &batch.row(i).to_vec(), bar.get::<f64>("ma").unwrap());
            if i >= cut {
                let bar = live.update_closes(&[a[i], b[i]]).unwrap();
                assert_bits(&format!("ma bar {i} after {cut}"), &batch.row(i).to_vec(), bar.get::<f64>("ma").unwrap());
            }
        }

        let grid = pairs(&windows);
        let pair = Pair::new(Ma::new(kinds.0), Ma::new(kinds.1));
        let batch = Sweep::new(pair.clone(), &full, &grid).run().unwrap();
        let (_, mut live) = Sweep::new(pair, &prefix, &grid).run_with_states().unwrap();
        for i in cut..n {
            let bar = live.update_closes(&[a[i], b[i]]).unwrap();
            for name in ["fast_ma", "slow_ma"] {
                assert_bits(&format!("{name} bar {i} after {cut}"),
                    &batch.get::<f64>(name).unwrap().row(i).to_vec(), bar.get::<f64>(name).unwrap());
            }
        }
    }

    /// The same for the ATR, which reads highs and lows: `update` bar by bar.
    #[test]
    fn streaming_atr_equals_the_batch(
        data in ohlc(150),
        periods in distinct_windows(20, 1..5),
        variant in variant(),
        cut in any::<prop::sample::Index>(),
    ) {
        let n = data.len();
        let cut = cut.index(n + 1);
        let full = Prices::single(&data.high, &data.low, &data.close).unwrap();
        let prefix = Prices::single(&data.high[..cut], &data.low[..cut], &data.close[..cut]).unwrap();
        let grid = Grid::axis(&["period"], &periods).unwrap();
        let atr = Atr::new(variant);
        let batch = Sweep::new(atr, &full, &grid).run().unwrap();
        let batch = batch.get::<f64>("atr").unwrap();
        let (_, mut live) = Sweep::new(atr, &prefix, &grid).run_with_states().unwrap();
        for i in cut..n {
            let bar = live.update(&[data.high[i]], &[data.low[i]], &[data.close[i]]).unwrap();
            assert_bits(&format!("{variant:?} atr bar {i} after {cut}"), &batch.row(i).to_vec(),
                bar.get::<f64>("atr").unwrap());
        }
    }

    /// An `FnIndicator` computing the average with `moving_average_into` sweeps to the bits
    /// of `Ma`, and a threshold backtest over either gives identical metrics.
    #[test]
    fn the_closure_adapter_equals_ma(
        (a, b) in two_close_series(200),
        windows in distinct_windows(30, 1..5),
        kind in ma_kind(),
        entry in level_strategy(),
        exit in level_strategy(),
    ) {
        let prices = closes(&a, &b);
        let grid = Grid::axis(&["window"], &windows).unwrap();
        let ours = Sweep::new(closure_ma(kind), &prices, &grid).run().unwrap();
        let theirs = Sweep::new(Ma::new(kind), &prices, &grid).run().unwrap();
        prop_assert_eq!(&ours.columns, &theirs.columns);
        prop_assert!(same_array(ours.get("ma").unwrap(), theirs.get("ma").unwrap()));

        let (entry, exit) = (level(&a, entry.0, entry.1, entry.2), level(&a, exit.0, exit.1, exit.2));
        let rule = Threshold::new("ma", entry, exit);
        let config = BacktestConfig::default();
        let ours = Backtest::new((closure_ma(kind), rule.clone()), &prices, &grid, config).run().unwrap();
        let theirs = Backtest::new((Ma::new(kind), rule), &prices, &grid, config).run().unwrap();
        prop_assert!(same_all_metrics(&ours.metrics, &theirs.metrics),
            "{:?} vs {:?}", ours.metrics, theirs.metrics);
    }
}

// ---------------------------------------------------------------------------------------------
// The fused pipelines against the naive transcription
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(128))]

    /// Every column of a crossover backtest over every pair of some windows, and its trace bar
    /// for bar, equal the naive transcription of STRATEGIES.md and PIPELINE.md.
    #[test]
    fn the_fused_crossover_equals_the_naive_transcription(
        (a, b) in two_close_series(200),
        windows in distinct_windows(25, 2..5),
        kind in ma_kind(),
        config in config(),
    ) {
        let prices = closes(&a, &b);
        let grid = pairs(&windows);
        let out = Backtest::new(MaCrossover::new(kind), &prices, &grid, config).run().unwrap();
        let costs = costs_of(&config);
        for (j, key) in out.columns.keys().enumerate() {
            let close = if key.symbol == 0 { &a } else { &b };
            let (fast, slow) = key.params;
            let naive = naive_crossover(close, fast, slow, kind, costs);
            let what = format!("{kind} {fast}/{slow} symbol {}", key.symbol);
            assert_metrics(&format!("{what} (column {j})"), &naive.pipeline.metrics, &out.metrics[j]);

            let one = Prices::from_close_series([&close[..]]).unwrap();
            let t = trace(&MaCrossover::new(kind), &one, (fast, slow), &config).unwrap();
            assert_bits(&format!("{what}: fast"), &naive.fast, t.get::<f64>("fast_ma").unwrap());
            assert_bits(&format!("{what}: slow"), &naive.slow, t.get::<f64>("slow_ma").unwrap());
            prop_assert_eq!(&t.entry, &naive.entry, "{}: entry", what);
            prop_assert_eq!(&t.exit, &naive.exit, "{}: exit", what);
            assert_trace(&what, &naive.pipeline, &t);
        }
    }

    /// The threshold rule's four levels bar by bar against a naive loop over the naive
    /// average, and its backtest against the naive simulation of those signals.
    #[test]
    fn the_threshold_rule_equals_a_naive_loop(
        close in close_series(250),
        windows in distinct_windows(20, 1..4),
        kind in ma_kind(),
        entry in level_strategy(),
        exit in level_strategy(),
        config in config(),
    ) {
        let (entry, exit) = (level(&close, entry.0, entry.1, entry.2), level(&close, exit.0, exit.1, exit.2));
        let prices = Prices::from_close_series([&close[..]]).unwrap();
        let grid = Grid::axis(&["window"], &windows).unwrap();
        let strategy = (Ma::new(kind), Threshold::new("ma", entry, exit));
        let out = Backtest::new(strategy.clone(), &prices, &grid, config).run().unwrap();
        let costs = costs_of(&config);
        for (j, &w) in windows.iter().enumerate() {
            let ma = naive_ma(&close, w, kind);
            let (e, x) = (naive_level(&ma, entry), naive_level(&ma, exit));
            let naive = naive_pipeline(&close, &e, &x, costs);
            let what = format!("{kind} w{w} {entry:?}/{exit:?}");
            let t = trace(&strategy, &prices, w, &config).unwrap();
            prop_assert_eq!(&t.entry, &e, "{}: entry", what);
            prop_assert_eq!(&t.exit, &x, "{}: exit", what);
            assert_trace(&what, &naive, &t);
            assert_metrics(&what, &naive.metrics, &out.metrics[j]);
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(48))]

    /// A crossover of any two averages through the generic `(indicator, rule)` strategy equals
    /// the naive transcription, and equals `MaCrossover` when the kinds agree.
    #[test]
    fn a_generic_crossover_of_mixed_kinds_equals_the_naive_transcription(
        (a, b) in two_close_series(200),
        windows in distinct_windows(25, 2..5),
        kinds in (ma_kind(), ma_kind()),
        config in config(),
    ) {
        let prices = closes(&a, &b);
        let grid = pairs(&windows);
        let strategy = (
            Pair::new(Ma::new(kinds.0), Ma::new(kinds.1)),
            Crossover::new("fast_ma", "slow_ma"),
        );
        let out = Backtest::new(strategy, &prices, &grid, config).run().unwrap();
        for (j, key) in out.columns.keys().enumerate() {
            let close = if key.symbol == 0 { &a } else { &b };
            let (fast, slow) = (naive_ma(close, key.params.0, kinds.0), naive_ma(close, key.params.1, kinds.1));
            let (entry, exit) = (naive_crossed_above(&fast, &slow), naive_crossed_above(&slow, &fast));
            let naive = naive_pipeline(close, &entry, &exit, costs_of(&config));
            assert_metrics(&format!("{kinds:?} column {j}"), &naive.metrics, &out.metrics[j]);
        }
        if kinds.0 == kinds.1 {
            let fused = Backtest::new(MaCrossover::new(kinds.0), &prices, &grid, config).run().unwrap();
            prop_assert!(same_all_metrics(&fused.metrics, &out.metrics));
        }
    }

    /// Rolling windows of a crossover backtest are the backtests of their slices alone.
    #[test]
    fn rolling_crossover_windows_equal_their_slices(
        (a, b) in two_close_series(150),
        windows in distinct_windows(15, 2..4),
        kind in ma_kind(),
        window_len in 1usize..80,
        step in 1usize..40,
    ) {
        prop_assume!(!a.is_empty());
        let window_len = window_len.min(a.len());
        let prices = closes(&a, &b);
        let grid = pairs(&windows);
        let config = BacktestConfig::default();
        let rolling = Backtest::new(MaCrossover::new(kind), &prices, &grid, config)
            .rolling(window_len, step)
            .unwrap();
        for (w, range) in rolling.windows.iter().enumerate() {
            let slice = closes(&a[range.clone()], &b[range.clone()]);
            let alone = Backtest::new(MaCrossover::new(kind), &slice, &grid, config).run().unwrap();
            prop_assert!(same_all_metrics(rolling.window(w).unwrap(), &alone.metrics), "window {:?}", range);
        }
    }

    /// Streaming continues the batch whichever outputs the batch computed: none, one of a
    /// pair's, or into a caller's buffer.
    #[test]
    fn streaming_after_a_partial_selection_equals_the_batch(
        (a, b) in two_close_series(120),
        windows in distinct_windows(20, 2..5),
        kinds in (ma_kind(), ma_kind()),
        cut in any::<prop::sample::Index>(),
        selection in 0usize..4,
    ) {
        let n = a.len();
        let cut = cut.index(n + 1);
        let full = closes(&a, &b);
        let prefix = closes(&a[..cut], &b[..cut]);
        let grid = pairs(&windows);
        let pair = Pair::new(Ma::new(kinds.0), Ma::new(kinds.1));
        let batch = Sweep::new(pair.clone(), &full, &grid).run().unwrap();
        let names: &[&[&str]] = &[&[], &["fast_ma"], &["slow_ma"]];
        let mut live = if selection < 3 {
            let (out, live) = Sweep::new(pair.clone(), &prefix, &grid)
                .outputs(names[selection])
                .run_with_states()
                .unwrap();
            for name in ["fast_ma", "slow_ma"] {
                prop_assert_eq!(out.get::<f64>(name).is_some(), names[selection].contains(&name));
            }
            live
        } else {
            let mut buffer = ta_sweep::output_matrix::<f64>(cut, 2 * grid.len());
            let live = Sweep::new(pair.clone(), &prefix, &grid)
                .run_into_with_states(ta_sweep::SweepBuffers::new().with("slow_ma", &mut buffer))
                .unwrap();
            let expected = batch.get::<f64>("slow_ma").unwrap();
            for j in 0..buffer.ncols() {
                assert_bits(&format!("buffer column {j}"),
                    &expected.column(j).to_vec()[..cut], &buffer.column(j).to_vec());
            }
            live
        };
        for i in cut..n {
            let bar = live.update_closes(&[a[i], b[i]]).unwrap();
            for name in ["fast_ma", "slow_ma"] {
                assert_bits(&format!("{name} bar {i} after {cut}"),
                    &batch.get::<f64>(name).unwrap().row(i).to_vec(), bar.get::<f64>(name).unwrap());
            }
        }
    }

    /// A pair nested in a pair, as the second or the first indicator, has the outputs of its
    /// parts, in batch and streaming.
    #[test]
    fn a_pair_nested_in_a_pair_equals_its_parts(
        data in ohlc(120),
        windows in distinct_windows(15, 3..6),
        kinds in (ma_kind(), ma_kind(), ma_kind()),
        cut in any::<prop::sample::Index>(),
    ) {
        let n = data.len();
        let cut = cut.index(n + 1);
        let close = &data.close;
        let series = Prices::from_close_series([&close[..]]).unwrap();
        let rows: Vec<((usize, usize), usize)> = windows
            .iter()
            .zip(windows.iter().rev())
            .zip(windows.iter().skip(1))
            .map(|((&x, &y), &z)| ((x, y), z))
            .collect();
        let mut unique = Vec::new();
        for row in rows {
            if !unique.contains(&row) {
                unique.push(row);
            }
        }
        // Nested as the second indicator.
        let flipped: Vec<(usize, (usize, usize))> = unique.iter().map(|&((x, y), z)| (x, (y, z))).collect();
        let grid = Grid::tuples(&["a", "b", "c"], &flipped).unwrap();
        let nested = Pair::new(Ma::new(kinds.0), Pair::new(Ma::new(kinds.1), Ma::new(kinds.2)));
        let out = Sweep::new(nested, &series, &grid).run().unwrap();
        for (j, (x, (y, z))) in grid.iter().enumerate() {
            for (name, (w, kind)) in ["fast_ma", "slow_fast_ma", "slow_slow_ma"].iter().zip([(x, kinds.0), (y, kinds.1), (z, kinds.2)]) {
                assert_bits(&format!("{name} column {j}"), &moving_average(close, w, kind).unwrap(),
                    &out.get::<f64>(name).unwrap().column(j).to_vec());
            }
        }
        // Nested as the first indicator.
        let grid = Grid::tuples(&["a", "b", "c"], &unique).unwrap();
        let nested = Pair::new(
            Pair::new(Ma::new(kinds.0), Ma::new(kinds.1)),
            Ma::new(kinds.2),
        );
        let out = Sweep::new(nested.clone(), &series, &grid).run().unwrap();
        let prefix = Prices::from_close_series([&close[..cut]]).unwrap();
        let (_, mut live) = Sweep::new(nested, &prefix, &grid).run_with_states().unwrap();
        let names = ["fast_fast_ma", "fast_slow_ma", "slow_ma"];
        for (j, ((x, y), z)) in grid.iter().enumerate() {
            for (name, (w, kind)) in names.iter().zip([(x, kinds.0), (y, kinds.1), (z, kinds.2)]) {
                assert_bits(&format!("{name} column {j}"), &moving_average(close, w, kind).unwrap(),
                    &out.get::<f64>(name).unwrap().column(j).to_vec());
            }
        }
        for (i, &c) in close.iter().enumerate().skip(cut) {
            let bar = live.update_closes(&[c]).unwrap();
            for name in names {
                assert_bits(&format!("nested {name} bar {i}"), &out.get::<f64>(name).unwrap().row(i).to_vec(),
                    bar.get::<f64>(name).unwrap());
            }
        }
    }

    /// A named pair of an ATR and an average has the outputs of its parts, in batch and
    /// streaming.
    #[test]
    fn a_named_pair_of_an_atr_and_an_average_equals_its_parts(
        data in ohlc(120),
        windows in distinct_windows(15, 2..5),
        kind in ma_kind(),
        cut in any::<prop::sample::Index>(),
    ) {
        let n = data.len();
        let cut = cut.index(n + 1);
        let close = &data.close;
        let prices = Prices::single(&data.high, &data.low, close).unwrap();
        let named = Pair::named(Atr::default(), "range", Ma::new(kind), "trend");
        prop_assert_eq!(named.names(), ["range", "trend"]);
        let rows: Vec<(usize, usize)> = windows.iter().flat_map(|&p| windows.iter().map(move |&w| (p, w))).collect();
        let grid = Grid::tuples(&["period", "window"], &rows).unwrap();
        let out = Sweep::new(named.clone(), &prices, &grid).run().unwrap();
        let axis = Grid::axis(&["period"], &windows).unwrap();
        let atr = Sweep::new(Atr::default(), &prices, &axis).run().unwrap();
        for (j, (p, w)) in grid.iter().enumerate() {
            let k = axis.position(&p).unwrap();
            assert_bits(&format!("range_atr column {j}"), &atr.get::<f64>("atr").unwrap().column(k).to_vec(),
                &out.get::<f64>("range_atr").unwrap().column(j).to_vec());
            assert_bits(&format!("trend_ma column {j}"), &moving_average(close, w, kind).unwrap(),
                &out.get::<f64>("trend_ma").unwrap().column(j).to_vec());
        }
        let prefix = Prices::single(&data.high[..cut], &data.low[..cut], &close[..cut]).unwrap();
        let (_, mut live) = Sweep::new(named, &prefix, &grid).run_with_states().unwrap();
        for (i, &c) in close.iter().enumerate().skip(cut) {
            let bar = live.update(&[data.high[i]], &[data.low[i]], &[c]).unwrap();
            for name in ["range_atr", "trend_ma"] {
                assert_bits(&format!("named {name} bar {i}"), &out.get::<f64>(name).unwrap().row(i).to_vec(),
                    bar.get::<f64>(name).unwrap());
            }
        }
    }
}

/// Long series (gaps, flat runs) through every pair of 2..=12, both kinds, against the naive
/// transcription: thousands of bars, where the prefix sums' last bits matter.
#[test]
fn long_series_with_gaps_and_flat_runs_equal_the_naive_transcription() {
    let symbols = random_symbols(3000, 2, 7, 40);
    let (a, b) = (&symbols[0].close, &symbols[1].close);
    assert!(a.iter().any(|c| c.is_nan()));
    let prices = closes(a, b);
    let windows: Vec<usize> = (2..=12).collect();
    let grid = pairs(&windows);
    let config = BacktestConfig::default();
    for kind in MaKind::ALL {
        let out = Backtest::new(MaCrossover::new(kind), &prices, &grid, config)
            .run()
            .unwrap();
        let mut trades = 0;
        for (j, key) in out.columns.keys().enumerate() {
            let close = if key.symbol == 0 { a } else { b };
            let naive = naive_crossover(close, key.params.0, key.params.1, kind, costs_of(&config));
            assert_metrics(
                &format!("{kind} column {j}"),
                &naive.pipeline.metrics,
                &out.metrics[j],
            );
            trades += out.metrics[j].trades;
        }
        assert!(trades > 1000, "{kind}: {trades} trades");
    }
}

// ---------------------------------------------------------------------------------------------
// Grids
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(proptest_config(256))]

    /// `Grid::combinations` is `itertools.combinations(values, 2)`: a naive double loop, with
    /// positions, rows and labels that round-trip.
    #[test]
    fn combinations_follow_a_naive_double_loop(values in distinct_windows(1000, 2..30)) {
        let grid = Grid::combinations(&["fast", "slow"], &values).unwrap();
        let mut expected = Vec::new();
        for i in 0..values.len() {
            for j in i + 1..values.len() {
                expected.push((values[i], values[j]));
            }
        }
        prop_assert_eq!(grid.len(), values.len() * (values.len() - 1) / 2);
        prop_assert_eq!(grid.iter().collect::<Vec<_>>(), expected.clone());
        for (k, &(f, s)) in expected.iter().enumerate() {
            prop_assert_eq!(grid.get(k), Some((f, s)));
            prop_assert_eq!(grid.position(&(f, s)), Some(k));
            prop_assert_eq!(grid.position(&(s, f)), None);
            prop_assert_eq!(grid.position(&(f, f)), None);
            prop_assert_eq!(grid.label(k), Some(format!("fast{f}_slow{s}")));
        }
        prop_assert_eq!(grid.get(expected.len()), None);
        prop_assert_eq!(grid.position(&(values[0], 1001)), None);
        prop_assert_eq!(grid.names(), &["fast".to_string(), "slow".to_string()][..]);
    }

    /// `filter` keeps the rows its condition holds for, in order, with their names; positions
    /// round-trip in the filtered grid; a filter that keeps nothing is `EmptyGrid`.
    #[test]
    fn filter_keeps_the_matching_rows_in_order(
        values in distinct_windows(100, 2..20),
        modulus in 1usize..6,
        remainder in 0usize..6,
        ratio in 1usize..4,
    ) {
        let grid = Grid::combinations(&["fast", "slow"], &values).unwrap();
        let keep = |&(f, s): &(usize, usize)| (f + 2 * s) % modulus == remainder % modulus && s * ratio >= f;
        let expected: Vec<(usize, usize)> = grid.iter().filter(keep).collect();
        match grid.filter(keep) {
            Ok(filtered) => {
                prop_assert!(!expected.is_empty());
                prop_assert_eq!(filtered.iter().collect::<Vec<_>>(), expected.clone());
                prop_assert_eq!(filtered.names(), grid.names());
                for (k, row) in expected.iter().enumerate() {
                    prop_assert_eq!(filtered.position(row), Some(k));
                    prop_assert_eq!(filtered.label(k), grid.label(grid.position(row).unwrap()));
                }
                for row in grid.iter().filter(|r| !keep(r)) {
                    prop_assert_eq!(filtered.position(&row), None);
                }
                // Filtering again with the same condition changes nothing.
                prop_assert_eq!(filtered.filter(keep).unwrap(), filtered);
            }
            Err(e) => {
                prop_assert!(expected.is_empty());
                prop_assert_eq!(e, Error::EmptyGrid);
            }
        }
    }

    /// A product of three axes of different types is a naive triple loop, the last axis
    /// fastest; `get`, `position` and `label` round-trip.
    #[test]
    fn a_product_of_three_axes_varies_the_last_axis_fastest(
        xs in distinct_windows(50, 1..5),
        tenths in distinct_windows(60, 1..5),
        zs in prop::collection::btree_set(0u32..20, 1..4),
    ) {
        let ys: Vec<f64> = tenths.iter().map(|&k| k as f64 / 10.0).collect();
        let zs: Vec<u32> = zs.into_iter().rev().collect();
        let grid = Grid::product(&["a", "b", "c"], (&xs[..], &ys[..], &zs[..])).unwrap();
        let mut expected = Vec::new();
        for &x in &xs {
            for &y in &ys {
                for &z in &zs {
                    expected.push((x, y, z));
                }
            }
        }
        prop_assert_eq!(grid.len(), expected.len());
        prop_assert_eq!(grid.iter().collect::<Vec<_>>(), expected.clone());
        for (k, row) in expected.iter().enumerate() {
            prop_assert_eq!(grid.get(k), Some(*row));
            prop_assert_eq!(grid.position(row), Some(k));
            prop_assert_eq!(grid.label(k), Some(format!("a{}_b{}_c{}", row.0, row.1, row.2)));
        }
        prop_assert_eq!(grid.get(expected.len()), None);
        prop_assert_eq!(grid.position(&(xs[0], ys[0], 99)), None);
        prop_assert_eq!(grid.position(&(xs[0], 0.05, zs[0])), None);
        prop_assert_eq!(grid.position(&(1000, ys[0], zs[0])), None);
        // The same rows as explicit tuples are the same grid, found at the same positions.
        let tuples = Grid::tuples(&["a", "b", "c"], &expected).unwrap();
        prop_assert_eq!(&tuples, &grid);
        for (k, row) in expected.iter().enumerate() {
            prop_assert_eq!(tuples.position(row), Some(k));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal cases of the failures the properties found
// ---------------------------------------------------------------------------------------------

/// PIPELINE.md 6.3: the running maximum of `c` starts at `c_0` (NaN-aware), not at the
/// initial 100, so a buy on bar 0 (its fee makes `c_0 < 100`) followed by an unchanged value
/// has no drawdown. A threshold rule can buy on bar 0.
#[test]
fn a_buy_on_bar_0_has_no_drawdown_while_the_value_holds() {
    let close = [10.0, 10.0];
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let config = BacktestConfig::default();
    let strategy = (
        Ma::simple(),
        Threshold::new("ma", Level::Above(5.0), Level::Below(5.0)),
    );
    let naive = naive_pipeline(&close, &[true, true], &[false, false], costs_of(&config));
    assert_eq!(naive.orders.len(), 1);
    assert_eq!(naive.metrics.max_drawdown.to_bits(), 0.0f64.to_bits());
    let t = trace(&strategy, &prices, 1, &config).unwrap();
    assert_trace("bar-0 buy", &naive, &t);
    let grid = Grid::axis(&["window"], &[1usize]).unwrap();
    let out = Backtest::new(strategy, &prices, &grid, config)
        .run()
        .unwrap();
    assert_metrics("bar-0 buy, run", &naive.metrics, &out.metrics[0]);
}

/// The inner pair's second output of `Pair<Pair<Ma, Ma>, Ma>` (`fast_slow_ma`) is computed.
/// (`Pair<Ma, Pair<Ma, Ma>>` is right; with the pair first, `Pair::start_group` hands the
/// inner pair a group column whose slots the inner `start_group` then takes out, so the inner
/// pair's `run_batch` gets a column without `fast_slow_ma`, which stays zero.)
#[test]
fn a_pair_nested_in_a_pair_writes_every_output() {
    let close = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::tuples(&["a", "b", "c"], &[((2usize, 3usize), 4usize)]).unwrap();
    let nested = Pair::new(Pair::new(Ma::simple(), Ma::simple()), Ma::simple());
    let out = Sweep::new(nested, &prices, &grid).run().unwrap();
    for (name, window) in [("fast_fast_ma", 2), ("fast_slow_ma", 3), ("slow_ma", 4)] {
        assert_bits(
            name,
            &moving_average(&close, window, MaKind::Simple).unwrap(),
            &out.get::<f64>(name).unwrap().column(0).to_vec(),
        );
    }
}
