//! The fast pipeline against the naive reference of `tests/common` (PIPELINE.md transcribed
//! literally) on random data with NaN gaps, flat runs and degenerate prices and costs; and
//! its invariances: threads and chunk length, rolling windows as slices alone, the one-pass
//! variance within its bound.

mod common;

use common::{
    clean_ohlc, multiplier, naive_backtest, naive_backtest_of, naive_for, naive_metrics, ohlc,
    period, proptest_config, random_symbols, same_bits, two_symbols, valid_closes, variant,
    NaiveCosts, NaiveMetrics, NaiveOrder, Ohlc, ONE_PASS_SHARPE_RELATIVE,
};
use proptest::prelude::*;
use ta_sweep::{
    backtest_trace, supertrend, Backtest, BacktestConfig, BacktestTrace, ColumnKey, ColumnMetrics,
    Error, Grid, Prices, Side, SuperTrend, SuperTrendParams, Variance,
};

fn costs_of(config: &BacktestConfig) -> NaiveCosts {
    NaiveCosts {
        fees: config.fees(),
        init_cash: config.init_cash(),
        annualisation: config.annualisation(),
    }
}

/// A column's label, `p{period}_m{multiplier}_c{symbol}`.
fn label(key: &ColumnKey<(usize, f64)>) -> String {
    let (period, multiplier) = key.params;
    format!("p{period}_m{multiplier}_c{}", key.symbol)
}

/// A SuperTrend output of a trace, one value per bar.
#[track_caller]
fn line<'t>(trace: &'t BacktestTrace, name: &str) -> &'t [f64] {
    trace
        .get::<f64>(name)
        .unwrap_or_else(|| panic!("the trace has no {name}"))
}

#[track_caller]
fn assert_metrics(what: &str, expected: &NaiveMetrics, actual: &ColumnMetrics) {
    let pairs = [
        ("sharpe", expected.sharpe, actual.sharpe),
        ("total_return", expected.total_return, actual.total_return),
        ("max_drawdown", expected.max_drawdown, actual.max_drawdown),
    ];
    for (name, e, a) in pairs {
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

fn same_metrics(a: &[ColumnMetrics], b: &[ColumnMetrics]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            same_bits(a.sharpe, b.sharpe)
                && same_bits(a.total_return, b.total_return)
                && same_bits(a.max_drawdown, b.max_drawdown)
                && (a.trades, a.closed_trades) == (b.trades, b.closed_trades)
        })
}

/// A few distinct (period, multiplier) pairs.
fn grid() -> impl Strategy<Value = Grid<(usize, f64)>> {
    prop::collection::vec((period(), multiplier()), 1..5).prop_map(|mut pairs| {
        pairs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        pairs.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        supertrend::pairs(&pairs).unwrap()
    })
}

fn config() -> impl Strategy<Value = BacktestConfig> {
    prop_oneof![
        Just(BacktestConfig::default()),
        (
            prop_oneof![Just(0.0), 0.0f64..0.05],
            prop_oneof![Just(100.0), 1.0f64..1e6],
            prop_oneof![Just(365.0), Just(8760.0), 1.0f64..1e5],
        )
            .prop_map(|(fees, cash, annualisation)| BacktestConfig::new(
                fees,
                cash,
                annualisation
            )
            .unwrap()),
    ]
}

fn prices<'a>(a: &'a Ohlc, b: &'a Ohlc) -> Prices<'a> {
    Prices::from_symbols([
        (&a.high[..], &a.low[..], &a.close[..]),
        (&b.high[..], &b.low[..], &b.close[..]),
    ])
    .unwrap()
}

proptest! {
    #![proptest_config(proptest_config(96))]

    /// Every column of a grid over two symbols equals the naive pipeline on that column alone.
    #[test]
    fn every_column_equals_the_naive_reference(
        (a, b) in two_symbols(400),
        grid in grid(),
        config in config(),
    ) {
        prop_assume!(valid_closes(&[&a, &b]));
        let prices = prices(&a, &b);
        let out = Backtest::new(SuperTrend::default(), &prices, &grid, config).run().unwrap();
        for (key, m) in out.columns.keys().zip(&out.metrics) {
            let d = if key.symbol == 0 { &a } else { &b };
            let naive = naive_backtest(&d.high, &d.low, &d.close, key.params.0, key.params.1, costs_of(&config));
            assert_metrics(&label(&key), &naive.metrics, m);
        }
    }

    /// The trace equals the naive pipeline bar for bar, and the grid's metrics equal those
    /// derived from the trace by the naive metrics.
    #[test]
    fn the_trace_equals_the_naive_reference_bar_for_bar(
        d in ohlc(400),
        period in period(),
        multiplier in multiplier(),
        config in config(),
    ) {
        prop_assume!(valid_closes(&[&d]));
        let params = SuperTrendParams::new(period, multiplier).unwrap();
        let trace = backtest_trace(&d.high, &d.low, &d.close, params, &config).unwrap();
        let naive = naive_backtest(&d.high, &d.low, &d.close, period, multiplier, costs_of(&config));
        common::assert_same_bits("superl", &naive.superl, line(&trace, "superl"));
        common::assert_same_bits("supers", &naive.supers, line(&trace, "supers"));
        prop_assert_eq!(&naive.entry, &trace.entry);
        prop_assert_eq!(&naive.exit, &trace.exit);
        common::assert_same_bits("position", &naive.position, &trace.position);
        common::assert_same_bits("cash", &naive.cash, &trace.cash);
        common::assert_same_bits("value", &naive.value, &trace.value);
        common::assert_same_bits("returns", &naive.returns, &trace.returns);
        let orders: Vec<NaiveOrder> = trace
            .orders
            .iter()
            .enumerate()
            .filter_map(|(bar, o)| o.map(|o| NaiveOrder {
                bar,
                buy: o.side == Side::Buy,
                size: o.size,
                price: o.price,
                fee: o.fees,
            }))
            .collect();
        prop_assert_eq!(&naive.orders, &orders);
        assert_metrics("trace", &naive.metrics, &trace.metrics);

        // The grid path's column, against metrics derived from the trace's own series.
        let prices = Prices::single(&d.high, &d.low, &d.close).unwrap();
        let grid = supertrend::pairs(&[(period, multiplier)]).unwrap();
        let run = Backtest::new(SuperTrend::default(), &prices, &grid, config).run().unwrap();
        let last_fclose = d.close.iter().rev().copied().find(|c| !c.is_nan()).unwrap_or(f64::NAN);
        let derived = naive_metrics(&trace.returns, &orders, last_fclose, costs_of(&config));
        assert_metrics("run vs trace", &derived, &run.metrics[0]);
    }

    /// Degenerate prices and costs, where vectorbt's tolerances decide: prices so high that
    /// an order is under the minimum size, so low that sizes overflow, initial cash under the
    /// tolerance, fees near 100 %.
    #[test]
    fn degenerate_prices_and_costs_follow_the_reference(
        d in clean_ohlc(200),
        scale in prop_oneof![Just(1.0), Just(1e9), Just(1e11), Just(1e-150), Just(1e-300), Just(1e-320)],
        fees in prop_oneof![Just(0.0), Just(0.001), Just(0.5), Just(0.999_999_999_5), Just(1.0 - 1e-15)],
        init_cash in prop_oneof![Just(100.0), Just(1e-13), Just(5e-12), Just(1e300)],
        period in 1usize..8,
        multiplier in prop_oneof![Just(0.0), Just(1.0), Just(3.0)],
    ) {
        let scaled = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| x * scale).collect() };
        let (high, low, close) = (scaled(&d.high), scaled(&d.low), scaled(&d.close));
        prop_assume!(close.iter().all(|c| c.is_finite() && *c > 0.0));
        let config = BacktestConfig::new(fees, init_cash, 8760.0).unwrap();
        let naive = naive_backtest(&high, &low, &close, period, multiplier, costs_of(&config));
        let params = SuperTrendParams::new(period, multiplier).unwrap();
        let trace = backtest_trace(&high, &low, &close, params, &config).unwrap();
        common::assert_same_bits("value", &naive.value, &trace.value);
        common::assert_same_bits("returns", &naive.returns, &trace.returns);
        assert_metrics("trace", &naive.metrics, &trace.metrics);
        let prices = Prices::single(&high, &low, &close).unwrap();
        let grid = supertrend::pairs(&[(period, multiplier)]).unwrap();
        let run = Backtest::new(SuperTrend::default(), &prices, &grid, config).run().unwrap();
        assert_metrics("run", &naive.metrics, &run.metrics[0]);
    }

    /// Every variant: each column of the grid, and the trace of one, equal the naive pipeline
    /// on that variant's naive SuperTrend; rolling windows equal their slices alone.
    #[test]
    fn every_variant_equals_the_naive_reference(
        (a, b) in two_symbols(300),
        grid in grid(),
        config in config(),
        variant in variant(),
    ) {
        prop_assume!(valid_closes(&[&a, &b]));
        let all = prices(&a, &b);
        let backtest = Backtest::new(SuperTrend::new(variant), &all, &grid, config);
        let out = backtest.run().unwrap();
        for (key, m) in out.columns.keys().zip(&out.metrics) {
            let d = if key.symbol == 0 { &a } else { &b };
            let st = naive_for(variant, d, key.params.0, key.params.1);
            let naive = naive_backtest_of(st, &d.close, costs_of(&config));
            assert_metrics(&format!("{variant:?} {}", label(&key)), &naive.metrics, m);
            if key.symbol == 0 {
                let params = SuperTrendParams::new(key.params.0, key.params.1).unwrap().with_variant(variant);
                let trace = backtest_trace(&d.high, &d.low, &d.close, params, &config).unwrap();
                common::assert_same_bits("superl", &naive.superl, line(&trace, "superl"));
                common::assert_same_bits("supers", &naive.supers, line(&trace, "supers"));
                prop_assert_eq!(&naive.entry, &trace.entry);
                common::assert_same_bits("value", &naive.value, &trace.value);
                assert_metrics("trace", &naive.metrics, &trace.metrics);
            }
        }
        if a.len() >= 2 {
            let window = a.len() / 2;
            let rolling = backtest.rolling(window, window.div_ceil(3)).unwrap();
            for (w, range) in rolling.windows.iter().enumerate() {
                let (sa, sb) = (a.slice(range.clone()), b.slice(range.clone()));
                let alone = Backtest::new(SuperTrend::new(variant), &prices(&sa, &sb), &grid, config).run().unwrap();
                prop_assert!(same_metrics(rolling.window(w).unwrap(), &alone.metrics), "window {}", w);
            }
        }
    }

    /// Each window of a rolling backtest is the backtest of its slice alone.
    #[test]
    fn rolling_windows_equal_their_slices_alone(
        (a, b) in two_symbols(300),
        grid in grid(),
        window in 1usize..200,
        step in 1usize..120,
    ) {
        prop_assume!(valid_closes(&[&a, &b]) && window <= a.len());
        let all = prices(&a, &b);
        let config = BacktestConfig::default();
        let rolling = Backtest::new(SuperTrend::default(), &all, &grid, config).rolling(window, step).unwrap();
        let expected_windows: Vec<_> = (0..=a.len() - window).step_by(step).map(|s| s..s + window).collect();
        prop_assert_eq!(&rolling.windows, &expected_windows);
        prop_assert_eq!(rolling.metrics.len(), rolling.windows.len() * rolling.columns.len());
        for (w, range) in rolling.windows.iter().enumerate() {
            let (sa, sb) = (a.slice(range.clone()), b.slice(range.clone()));
            let alone = Backtest::new(SuperTrend::default(), &prices(&sa, &sb), &grid, config).run().unwrap();
            prop_assert!(same_metrics(rolling.window(w).unwrap(), &alone.metrics), "window {}", w);
        }
    }

    /// The one-pass variance changes the Sharpe ratio only within its bound, and nothing else.
    #[test]
    fn one_pass_variance_is_within_its_bound(
        (a, b) in two_symbols(400),
        grid in grid(),
    ) {
        prop_assume!(valid_closes(&[&a, &b]));
        let prices = prices(&a, &b);
        let config = BacktestConfig::default();
        let exact = Backtest::new(SuperTrend::default(), &prices, &grid, config).run().unwrap();
        let one_pass = Backtest::new(SuperTrend::default(), &prices, &grid, config).variance(Variance::OnePass).run().unwrap();
        for (e, o) in exact.metrics.iter().zip(&one_pass.metrics) {
            let close = same_bits(e.sharpe, o.sharpe)
                || ((e.sharpe - o.sharpe).abs() <= ONE_PASS_SHARPE_RELATIVE * e.sharpe.abs());
            prop_assert!(close, "exact {} one-pass {}", e.sharpe, o.sharpe);
            prop_assert!(same_bits(e.total_return, o.total_return));
            prop_assert!(same_bits(e.max_drawdown, o.max_drawdown));
            prop_assert_eq!((e.trades, e.closed_trades), (o.trades, o.closed_trades));
        }
    }

    /// Any bits at all: an error for untradable closes, never a panic.
    #[test]
    fn wild_data_gives_metrics_or_an_error(d in common::wild_ohlc(60), period in 1usize..6) {
        let prices = Prices::single(&d.high, &d.low, &d.close).unwrap();
        let grid = supertrend::grid(&[period], &[0.0, 2.5]).unwrap();
        let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, BacktestConfig::default());
        match backtest.run() {
            Ok(out) => prop_assert_eq!(out.metrics.len(), 2),
            Err(e) => prop_assert!(matches!(e, Error::InvalidClose { .. }), "{e}"),
        }
        if !d.close.is_empty() {
            let _ = backtest.rolling(d.close.len().div_ceil(2), 3);
        }
        let params = SuperTrendParams::new(period, 1.0).unwrap();
        let _ = backtest_trace(&d.high, &d.low, &d.close, params, &BacktestConfig::default());
    }
}

/// Real-sized columns with NaN gaps and flat runs: the fast paths (long flat and position
/// runs, zero runs in closed form, deferred orders) against the reference, with trades.
#[test]
fn long_columns_with_gaps_equal_the_naive_reference() {
    let data = random_symbols(3000, 2, 11, 40);
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let grid = supertrend::grid(&[3, 10, 17], &[0.5, 2.0, 3.3]).unwrap();
    let config = BacktestConfig::default()
        .with_annualisation(8760.0)
        .unwrap();
    let out = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();
    let mut trades = 0;
    for (key, m) in out.columns.keys().zip(&out.metrics) {
        let d = &data[key.symbol];
        let naive = naive_backtest(
            &d.high,
            &d.low,
            &d.close,
            key.params.0,
            key.params.1,
            costs_of(&config),
        );
        assert_metrics(&label(&key), &naive.metrics, m);
        trades += m.trades;
    }
    assert!(trades > 500, "the data must trade: {trades} trades");
}

/// The same bits on one thread and on two, for every chunk length.
#[test]
fn results_do_not_depend_on_threads_or_chunk_length() {
    let data = random_symbols(2500, 3, 5, 60);
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let grid = supertrend::grid(&[4, 5, 9, 14], &[1.5, 2.0, 2.5, 3.0, 3.5]).unwrap();
    let config = BacktestConfig::default();
    let reference = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for chunk_len in [1, 3, 7, 60, 1000] {
            for variance in [Variance::Exact, Variance::OnePass] {
                let out = Backtest::new(SuperTrend::default(), &prices, &grid, config)
                    .pool(&pool)
                    .chunk_len(chunk_len)
                    .variance(variance)
                    .run()
                    .unwrap();
                let baseline = if variance == Variance::Exact {
                    reference.clone()
                } else {
                    Backtest::new(SuperTrend::default(), &prices, &grid, config)
                        .variance(variance)
                        .run()
                        .unwrap()
                };
                assert!(
                    same_metrics(&out.metrics, &baseline.metrics),
                    "{threads} threads, chunks of {chunk_len}, {variance:?}"
                );
            }
        }
    }
}

/// A sale whose proceeds overflow leaves the cash NaN, and the next buy a NaN position: that
/// buy fills, but opens no trade (PIPELINE.md 6.4 counts a position `> 0`), so there the
/// trades are not the buys. Found by the `backtest_api` fuzz target.
#[test]
fn a_buy_after_an_overflowing_sale_opens_no_trade() {
    let close = [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0, 1e10, 2e10, 3e10, 4e10];
    let config = BacktestConfig::new(0.001, 1e300, 365.0).unwrap();
    let params = SuperTrendParams::new(1, 0.0).unwrap();
    let trace = backtest_trace(&close, &close, &close, params, &config).unwrap();
    let sides: Vec<Side> = trace.orders.iter().flatten().map(|o| o.side).collect();
    assert_eq!(sides, [Side::Buy, Side::Sell, Side::Buy]);
    assert!(trace.cash[7].is_nan() && trace.position[10].is_nan());
    assert_eq!((trace.metrics.trades, trace.metrics.closed_trades), (1, 1));
    let naive = naive_backtest(&close, &close, &close, 1, 0.0, costs_of(&config));
    assert_metrics("trace", &naive.metrics, &trace.metrics);
    let prices = Prices::single(&close, &close, &close).unwrap();
    let grid = supertrend::pairs(&[(1, 0.0)]).unwrap();
    let run = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();
    assert!(same_metrics(&run.metrics, &[trace.metrics]));
}

/// The edge cases of PIPELINE.md 6.5: no bar, one bar, no trade.
#[test]
fn edge_cases_match_the_reference_table() {
    let config = BacktestConfig::default();
    let params = SuperTrendParams::new(3, 2.0).unwrap();
    let empty = backtest_trace(&[], &[], &[], params, &config)
        .unwrap()
        .metrics;
    assert!(empty.sharpe.is_nan() && empty.max_drawdown.is_nan());
    assert_eq!((empty.total_return, empty.trades), (0.0, 0));
    let one = backtest_trace(&[2.0], &[1.0], &[1.5], params, &config)
        .unwrap()
        .metrics;
    // The grid path agrees on both, and on no symbol at all.
    let grid = supertrend::grid(&[3], &[2.0]).unwrap();
    for (high, low, close, expected) in [
        (&[][..], &[][..], &[][..], empty),
        (&[2.0][..], &[1.0][..], &[1.5][..], one),
    ] {
        let prices = Prices::single(high, low, close).unwrap();
        let out = Backtest::new(SuperTrend::default(), &prices, &grid, config)
            .run()
            .unwrap();
        assert!(same_metrics(&out.metrics, &[expected]));
    }
    let nothing = Prices::from_symbols(std::iter::empty()).unwrap();
    let out = Backtest::new(SuperTrend::default(), &nothing, &grid, config)
        .run()
        .unwrap();
    assert!(out.metrics.is_empty() && out.columns.is_empty());
    assert!(one.sharpe.is_nan());
    assert_eq!(
        (one.total_return, one.max_drawdown, one.trades),
        (0.0, 0.0, 0)
    );
    // Too short to trade: the first order could fill at bar `period + 1`.
    let flat = [5.0; 8];
    let params = SuperTrendParams::new(7, 3.0).unwrap();
    let none = backtest_trace(&flat, &flat, &flat, params, &config)
        .unwrap()
        .metrics;
    assert_eq!(none.sharpe, f64::INFINITY);
    assert_eq!(
        (none.total_return, none.max_drawdown, none.trades),
        (0.0, 0.0, 0)
    );
    // The same through the grid path, whose runs skip the flat bars.
    let prices = Prices::single(&flat, &flat, &flat).unwrap();
    let grid = supertrend::pairs(&[(7, 3.0)]).unwrap();
    let out = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();
    assert!(same_metrics(&out.metrics, &[none]));
}
