//! The `custom_indicator` example: its RSI (`examples/custom_indicator/rsi.rs`, written only
//! against the public API) equals a naive loop of its definition bit for bit, in a sweep of
//! any grid and symbols; its threshold backtest equals the naive pipeline; and the example runs
//! on the bundled data, writes the library's metrics and refuses out-of-bounds arguments.

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;
#[path = "../examples/custom_indicator/rsi.rs"]
#[allow(dead_code)]
mod rsi;

use std::ffi::OsStr;

use proptest::prelude::*;

use common::examples::{refused, refuses_out_of_bounds_arguments, TempFile};
use common::strategies::{close_series, naive_level, naive_pipeline, two_close_series};
use common::{assert_same_bits, random_symbols, same_bits, NaiveCosts};
use example_common::bounds::memory_limit;
use example_common::ohlc::read_close;
use example_common::synthetic::SyntheticSpec;
use rsi::Rsi;
use ta_sweep::backtest::{trace, Level, Threshold};
use ta_sweep::{Backtest, BacktestConfig, Error, Grid, Prices, Sweep};

// ---------------------------------------------------------------------------------------------
// The indicator against its definition
// ---------------------------------------------------------------------------------------------

/// The RSI of `period` as `rsi.rs` defines it, recomputed from scratch at every bar: the
/// changes since the last missing one, the simple means of the first `period` of them, Wilder's
/// smoothing over the rest, and `100 * gain / (gain + loss)` (50 when both are 0).
fn naive_rsi(close: &[f64], period: usize) -> Vec<f64> {
    let p = period as f64;
    (0..close.len())
        .map(|i| {
            // The changes of bars 1..=i, back to the last bar without one.
            let mut run = Vec::new();
            for k in (1..=i).rev() {
                let change = close[k] - close[k - 1];
                if change.is_nan() {
                    break;
                }
                run.push(change);
            }
            if i == 0 || close[i].is_nan() || run.len() < period {
                return f64::NAN;
            }
            run.reverse();
            let gain = |c: f64| if c > 0.0 { c } else { 0.0 };
            let loss = |c: f64| if c < 0.0 { -c } else { 0.0 };
            let (mut g, mut l) = (0.0, 0.0);
            for &c in &run[..period] {
                g += gain(c);
                l += loss(c);
            }
            (g, l) = (g / p, l / p);
            for &c in &run[period..] {
                g = (g * (p - 1.0) + gain(c)) / p;
                l = (l * (p - 1.0) + loss(c)) / p;
            }
            if g + l == 0.0 {
                50.0
            } else {
                100.0 * g / (g + l)
            }
        })
        .collect()
}

/// Every column of an RSI sweep of `periods` over `closes` against [`naive_rsi`].
fn check_sweep(closes: &[Vec<f64>], periods: &[usize]) {
    let prices = Prices::from_close_series(closes.iter().map(|c| &c[..])).unwrap();
    let grid = Grid::axis(&["period"], periods).unwrap();
    let out = Sweep::new(Rsi, &prices, &grid).run().unwrap();
    let values = out.get::<f64>("rsi").expect("the rsi output");
    assert_eq!(values.dim(), (prices.bars(), periods.len() * closes.len()));
    for (j, key) in out.columns.keys().enumerate() {
        let expected = naive_rsi(&closes[key.symbol], key.params);
        let label = out.columns.label(j).unwrap();
        assert_same_bits(&label, &expected, values.column(j).as_slice().unwrap());
    }
}

#[test]
fn the_rsi_equals_its_definition_on_clean_and_gapped_data() {
    for (seed, nan_every) in [(1, 0), (2, 7), (3, 31)] {
        let closes: Vec<Vec<f64>> = random_symbols(400, 3, seed, nan_every)
            .into_iter()
            .map(|d| d.close)
            .collect();
        check_sweep(&closes, &[1, 2, 3, 5, 14, 50, 399, 400, 1000]);
    }
}

#[test]
fn the_rsi_of_known_series() {
    let rsi = |close: &[f64], period: usize| {
        let prices = Prices::from_close_series([close]).unwrap();
        let grid = Grid::axis(&["period"], &[period]).unwrap();
        let out = Sweep::new(Rsi, &prices, &grid).run().unwrap();
        out.get::<f64>("rsi").unwrap().column(0).to_vec()
    };
    // Rises only: 100 once warmed up; falls only: 0; flat: 50.
    let up = rsi(&[1.0, 2.0, 3.0, 4.0], 2);
    assert!(up[..2].iter().all(|x| x.is_nan()), "{up:?}");
    assert_eq!(up[2..], [100.0, 100.0]);
    assert_eq!(rsi(&[4.0, 3.0, 2.0, 1.0], 3)[3], 0.0);
    assert_eq!(rsi(&[5.0; 6], 2)[2..], [50.0; 4]);
    // Gains 2 and 0, losses 0 and 1 over two bars: 100 * 1 / (1 + 0.5).
    assert_eq!(rsi(&[1.0, 3.0, 2.0], 2)[2], 100.0 * 1.0 / 1.5);
    // A NaN close: NaN there and at the next bar, the averages start again after it.
    let gapped = rsi(&[1.0, 2.0, 3.0, f64::NAN, 4.0, 5.0, 6.0], 2);
    assert!(same_bits(gapped[2], 100.0));
    assert!(gapped[3..=5].iter().all(|x| x.is_nan()), "{gapped:?}");
    assert_eq!(gapped[6], 100.0);
    // Empty and short series, and a period of 0.
    assert!(rsi(&[], 3).is_empty());
    assert!(rsi(&[1.0, 2.0], 3).iter().all(|x| x.is_nan()));
    let prices = Prices::from_close_series([&[1.0, 2.0][..]]).unwrap();
    let grid = Grid::axis(&["period"], &[0]).unwrap();
    let e = Sweep::new(Rsi, &prices, &grid).run().unwrap_err();
    assert!(matches!(e, Error::InvalidParams { .. }), "{e:?}");
}

#[test]
fn the_rsi_needs_closes_only() {
    let close = [1.0, 2.0, 1.5, 3.0];
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["period"], &[2]).unwrap();
    let out = Sweep::new(Rsi, &prices, &grid).run().unwrap();
    assert_same_bits(
        "closes only",
        &naive_rsi(&close, 2),
        out.get::<f64>("rsi").unwrap().column(0).as_slice().unwrap(),
    );
}

/// `BacktestConfig` as the naive pipeline takes it.
fn costs(config: &BacktestConfig) -> NaiveCosts {
    NaiveCosts {
        fees: config.fees(),
        init_cash: config.init_cash(),
        annualisation: config.annualisation(),
    }
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    /// Any closes (ties, flat runs, NaN gaps), any periods: every column is the definition.
    #[test]
    fn any_sweep_equals_the_definition(
        (a, b) in two_close_series(300),
        periods in prop::collection::btree_set(1usize..40, 1..6),
    ) {
        let periods: Vec<usize> = periods.into_iter().collect();
        check_sweep(&[a, b], &periods);
    }

    /// The example's strategy, the RSI with held levels, backtests as the naive pipeline does
    /// on the naive RSI's signals.
    #[test]
    fn the_threshold_backtest_equals_the_naive_pipeline(
        close in close_series(300),
        periods in prop::collection::btree_set(1usize..30, 1..4),
        (lower, upper) in (0.0..60.0f64, 40.0..100.0f64),
    ) {
        let periods: Vec<usize> = periods.into_iter().collect();
        let prices = Prices::from_close_series([&close[..]]).unwrap();
        let grid = Grid::axis(&["period"], &periods).unwrap();
        let config = BacktestConfig::default();
        let (entry, exit) = (Level::Below(lower), Level::Above(upper));
        let backtest = Backtest::new((Rsi, Threshold::new("rsi", entry, exit)), &prices, &grid, config);
        let out = backtest.run().unwrap();
        for (key, m) in out.columns.keys().zip(&out.metrics) {
            let values = naive_rsi(&close, key.params);
            let (e, x) = (naive_level(&values, entry), naive_level(&values, exit));
            let naive = naive_pipeline(&close, &e, &x, costs(&config)).metrics;
            let what = format!("period {} on {close:?}", key.params);
            prop_assert!(same_bits(naive.sharpe, m.sharpe), "{}: sharpe {:?} {:?}", what, naive.sharpe, m.sharpe);
            prop_assert!(same_bits(naive.total_return, m.total_return), "{}: total return", what);
            prop_assert!(same_bits(naive.max_drawdown, m.max_drawdown), "{}: max drawdown", what);
            prop_assert_eq!((naive.trades, naive.closed_trades), (m.trades, m.closed_trades));
            // The trace of the column: the same RSI and signals.
            let bars = trace(backtest.strategy(), &prices, key.params, &config).unwrap();
            assert_same_bits(&what, &values, bars.get::<f64>("rsi").unwrap());
            prop_assert_eq!(&bars.entry, &e);
            prop_assert_eq!(&bars.exit, &x);
            let t = bars.metrics;
            prop_assert!(same_bits(t.sharpe, m.sharpe) && same_bits(t.total_return, m.total_return));
            prop_assert!(same_bits(t.max_drawdown, m.max_drawdown));
            prop_assert_eq!((t.trades, t.closed_trades), (m.trades, m.closed_trades));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The example
// ---------------------------------------------------------------------------------------------

const HEADER: &str = "period,symbol,sharpe,total_return,max_drawdown,trades,closed_trades";

fn succeed(args: &[&OsStr]) -> String {
    common::examples::succeed("custom_indicator", args)
}

/// Checks the example's CSV against the library's backtest of the same grid and levels.
fn check_csv(path: &std::path::Path, names: &[&str], closes: &[Vec<f64>], expected: Expected) {
    let prices = Prices::from_close_series(closes.iter().map(|c| &c[..])).unwrap();
    let grid = Grid::axis(&["period"], expected.periods).unwrap();
    let rule = Threshold::new(
        "rsi",
        Level::Below(expected.lower),
        Level::Above(expected.upper),
    );
    let out = Backtest::new((Rsi, rule), &prices, &grid, expected.config)
        .run()
        .unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), out.metrics.len());
    for ((row, key), m) in rows.iter().zip(out.columns.keys()).zip(&out.metrics) {
        let period = key.params.to_string();
        assert_eq!(row[..2], [period.as_str(), names[key.symbol]]);
        let floats = [m.sharpe, m.total_return, m.max_drawdown].map(|x| x.to_string());
        assert_eq!(row[2..5], floats, "{row:?} vs {m:?}");
        assert_eq!(
            row[5..],
            [m.trades.to_string(), m.closed_trades.to_string()]
        );
    }
}

#[derive(Debug, Clone, Copy)]
struct Expected<'a> {
    periods: &'a [usize],
    lower: f64,
    upper: f64,
    config: BacktestConfig,
}

#[test]
fn the_example_runs_on_the_bundled_data() {
    let out = TempFile::new("rsi.csv");
    let stdout = succeed(&[
        "--threads".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--json".as_ref(),
    ]);
    let names = ["MSFT_bokeh", "IBM_bokeh"];
    let closes: Vec<Vec<f64>> = names
        .iter()
        .map(|n| read_close(&common::examples::bundled_file(&format!("{n}.csv"))).unwrap())
        .collect();
    let periods: Vec<usize> = (2..=50).collect();
    let expected = Expected {
        periods: &periods,
        lower: 30.0,
        upper: 70.0,
        config: BacktestConfig::default(),
    };
    check_csv(&out.0, &names, &closes, expected);

    assert!(stdout.contains("buy below 30, sell above 70"), "{stdout}");
    assert!(
        stdout.contains("49 periods (2, 3, ..., 50), 98 columns"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the same metrics as the sweep: true"),
        "{stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["bars"], 3270);
    assert_eq!(json["symbols"], 2);
    assert_eq!(json["columns"], 98);
    assert_eq!(json["threads"], 2);
    assert_eq!(json["runs"], 1);
    assert!(json["ms_min"].as_f64().is_some_and(|ms| ms > 0.0));
}

#[test]
fn the_example_takes_other_data_levels_and_costs() {
    let out = TempFile::new("rsi_syn.csv");
    succeed(&[
        "--synthetic".as_ref(),
        "2:500".as_ref(),
        "--periods".as_ref(),
        "3,5..=25:10".as_ref(),
        "--lower".as_ref(),
        "40".as_ref(),
        "--upper".as_ref(),
        "55.5".as_ref(),
        "--fees".as_ref(),
        "0.002".as_ref(),
        "--freq".as_ref(),
        "1h".as_ref(),
        "--repeat".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
    ]);
    let closes: Vec<Vec<f64>> = SyntheticSpec {
        symbols: 2,
        bars: 500,
    }
    .generate()
    .unwrap()
    .into_iter()
    .map(|d| d.close)
    .collect();
    let expected = Expected {
        periods: &[3, 5, 15, 25],
        lower: 40.0,
        upper: 55.5,
        config: BacktestConfig::new(0.002, 100.0, 8760.0).unwrap(),
    };
    check_csv(&out.0, &["S0", "S1"], &closes, expected);
}

#[test]
fn out_of_bounds_arguments_are_refused_before_any_work() {
    refuses_out_of_bounds_arguments("custom_indicator", memory_limit(), &[]);
    let cases: [(&[&str], &str); 8] = [
        (&["--periods", "0"], "at least 1"),
        (&["--periods", "5,5"], "twice"),
        (&["--periods", "1..=2000000"], "more than 100000"),
        (
            &["--periods", "1..=100000", "--synthetic", "100000:10"],
            "over the memory limit",
        ),
        (&["--lower", "80", "--upper", "70"], "lower < upper"),
        (&["--lower", "nan"], "lower < upper"),
        (&["--upper", "101"], "upper <= 100"),
        (&["--lower=-5"], "0 <= lower"),
    ];
    for (args, phrase) in cases {
        let message = refused("custom_indicator", args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
}
