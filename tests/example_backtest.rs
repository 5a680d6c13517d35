//! The `backtest` example end to end: its CSV read back equals the library's result bit for
//! bit, its JSON line and heatmap, its errors; and the bar-interval parser it uses.

mod common;

#[path = "../examples/common/mod.rs"]
mod example_common;

use std::ffi::OsStr;
use std::time::Duration;

use common::examples::{
    bundled_file, refused, refuses_out_of_bounds_arguments, run_example, TempFile,
};
use common::same_bits;
use example_common::bounds::memory_limit;
use example_common::freq::parse_freq;
use example_common::ohlc::{read_ohlc, Ohlc};
use example_common::synthetic::SyntheticSpec;
use ta_sweep::{supertrend, Backtest, BacktestConfig, Prices, SuperTrend, Variant};

const HEADER: &str =
    "period,multiplier,symbol,sharpe,total_return,max_drawdown,trades,closed_trades";

fn succeed(args: &[&OsStr]) -> String {
    common::examples::succeed("backtest", args)
}

/// The rows of the example's CSV, after checking its header.
fn rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn csv_output_equals_the_library_bit_for_bit() {
    let (out, heatmap) = (TempFile::new("out.csv"), TempFile::new("heatmap.svg"));
    let (msft, ibm) = (
        bundled_file("MSFT_bokeh.csv"),
        bundled_file("IBM_bokeh.csv"),
    );
    let stdout = succeed(&[
        "--csv".as_ref(),
        msft.as_os_str(),
        "--csv".as_ref(),
        ibm.as_os_str(),
        "--threads".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
        "--json".as_ref(),
    ]);

    // The same backtest, straight from the library: the tutorial grid, daily bars.
    let data = [read_ohlc(&msft).unwrap(), read_ohlc(&ibm).unwrap()];
    let prices = Prices::from_symbols(data.iter().map(Ohlc::as_slices)).unwrap();
    let grid = supertrend::tutorial_grid();
    let expected = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .run()
    .unwrap();

    let json: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("some output")).unwrap();
    assert_eq!(json["bars"], 3270);
    assert_eq!(json["symbols"], 2);
    assert_eq!(json["columns"], 672);
    assert_eq!(json["threads"], 2);
    assert_eq!(json["runs"], 1);
    assert!(json["ms_min"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(json["ms_min"], json["ms_median"]);
    if cfg!(target_os = "linux") {
        // A few columns per worker, far below the 55 MB the four outputs would take.
        let materialised = 3270 * 672 * 25;
        let extra = json["peak_extra_bytes"]
            .as_u64()
            .expect("measured on Linux");
        assert!(extra < materialised / 8, "{extra} bytes");
    }

    let rows = rows(&out.0);
    assert_eq!(rows.len(), 672);
    for ((row, key), m) in rows
        .iter()
        .zip(expected.columns.keys())
        .zip(&expected.metrics)
    {
        let number = |i: usize| -> f64 { row[i].parse().unwrap() };
        let (period, multiplier) = key.params;
        assert_eq!(row[0], period.to_string());
        assert!(same_bits(number(1), multiplier), "{row:?}");
        assert_eq!(row[2], ["MSFT_bokeh", "IBM_bokeh"][key.symbol]);
        for (i, value) in [(3, m.sharpe), (4, m.total_return), (5, m.max_drawdown)] {
            assert!(same_bits(number(i), value), "{key:?}: {row:?} vs {m:?}");
            // Shortest round trip: Rust's own `{}` text.
            assert_eq!(row[i], value.to_string());
        }
        assert_eq!(row[6], m.trades.to_string());
        assert_eq!(row[7], m.closed_trades.to_string());
    }
    assert_eq!(rows[0][..3], ["4", "2", "MSFT_bokeh"]);
    assert_eq!(rows[3][..3], ["4", "2.1", "IBM_bokeh"]);

    let svg = std::fs::read_to_string(&heatmap.0).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.contains("MSFT_bokeh") && svg.contains("IBM_bokeh"));
    assert!(stdout.contains("Best combinations per symbol"), "{stdout}");
}

#[test]
fn synthetic_symbols_are_named_by_index_and_infinities_spelled_out() {
    let (out, heatmap) = (TempFile::new("syn.csv"), TempFile::new("syn.svg"));
    succeed(&[
        "--synthetic".as_ref(),
        "2:400".as_ref(),
        "--periods".as_ref(),
        "4,399".as_ref(),
        "--multipliers".as_ref(),
        "2,3".as_ref(),
        "--freq".as_ref(),
        "1h".as_ref(),
        "--fees".as_ref(),
        "0".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
    ]);
    let data = SyntheticSpec {
        symbols: 2,
        bars: 400,
    }
    .generate()
    .unwrap();
    let prices = Prices::from_symbols(data.iter().map(Ohlc::as_slices)).unwrap();
    let grid = supertrend::grid(&[4, 399], &[2.0, 3.0]).unwrap();
    let config = BacktestConfig::new(0.0, 100.0, 8760.0).unwrap();
    let expected = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();
    let rows = rows(&out.0);
    assert_eq!(rows.len(), 8);
    for ((row, key), m) in rows
        .iter()
        .zip(expected.columns.keys())
        .zip(&expected.metrics)
    {
        assert_eq!(row[2], format!("S{}", key.symbol));
        assert_eq!(row[3], m.sharpe.to_string());
    }
    // Period 399 cannot trade in 400 bars: a Sharpe ratio of +inf, written `inf`.
    assert_eq!(rows[4][..4], ["399", "2", "S0", "inf"]);
    assert_eq!(rows[0][3], expected.metrics[0].sharpe.to_string());
}

#[test]
fn variants_are_backtested_as_the_library_does() {
    let data = SyntheticSpec {
        symbols: 2,
        bars: 600,
    }
    .generate()
    .unwrap();
    let prices = Prices::from_symbols(data.iter().map(Ohlc::as_slices)).unwrap();
    let grid = supertrend::grid(&[3, 7, 12], &[1.5, 3.0]).unwrap();
    let mut sharpes = Vec::new();
    for variant in Variant::ALL {
        let (out, heatmap) = (TempFile::new("variant.csv"), TempFile::new("variant.svg"));
        let stdout = succeed(&[
            "--synthetic".as_ref(),
            "2:600".as_ref(),
            "--periods".as_ref(),
            "3,7,12".as_ref(),
            "--multipliers".as_ref(),
            "1.5,3".as_ref(),
            "--variant".as_ref(),
            variant.name().as_ref(),
            "--out".as_ref(),
            out.0.as_os_str(),
            "--heatmap".as_ref(),
            heatmap.0.as_os_str(),
        ]);
        assert!(stdout.contains(variant.name()), "{stdout}");
        let strategy = SuperTrend::new(variant);
        let expected = Backtest::new(strategy, &prices, &grid, BacktestConfig::default())
            .run()
            .unwrap();
        let rows = rows(&out.0);
        assert_eq!(rows.len(), expected.metrics.len());
        for (row, m) in rows.iter().zip(&expected.metrics) {
            assert_eq!(row[3], m.sharpe.to_string());
            assert_eq!(row[4], m.total_return.to_string());
            assert_eq!(row[6], m.trades.to_string());
        }
        sharpes.push(rows.iter().map(|r| r[3].clone()).collect::<Vec<_>>());
    }
    // The definitions differ, and so do their scores.
    assert_ne!(sharpes[0], sharpes[1]);
    assert_ne!(sharpes[0], sharpes[2]);
}

#[test]
fn repeats_are_timed_and_counted() {
    let heatmap = TempFile::new("repeat.svg");
    let stdout = succeed(&[
        "--synthetic".as_ref(),
        "1:500".as_ref(),
        "--repeat".as_ref(),
        "3".as_ref(),
        "--json".as_ref(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
    ]);
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["runs"], 3);
    assert!(json["ms_min"].as_f64().unwrap() <= json["ms_median"].as_f64().unwrap());
}

#[test]
fn bad_arguments_fail_with_a_message_not_a_panic() {
    let heatmap = TempFile::new("bad.svg");
    let cases: [&[&str]; 8] = [
        &["--fees", "1.5"],
        &["--fees", "-0.1"],
        &["--freq", "0h"],
        &["--freq", "1M"],
        &["--freq", "h1"],
        &["--periods", "0"],
        &["--multipliers=-1"],
        &["--synthetic", "1:10", "--csv", "x.csv"],
    ];
    for args in cases {
        let mut args: Vec<&OsStr> = args.iter().map(|a| a.as_ref()).collect();
        args.extend(["--heatmap".as_ref(), heatmap.0.as_os_str()]);
        let output = run_example("backtest", &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn out_of_bounds_arguments_are_refused_before_any_work() {
    let heatmap = TempFile::new("bounds.svg");
    let path = heatmap.0.to_str().unwrap();
    refuses_out_of_bounds_arguments("backtest", memory_limit(), &["--heatmap", path]);
    // 10,000,000,000 combinations: their results alone are over any machine's memory.
    let huge = [
        "--periods",
        "1..=100000",
        "--multipliers",
        "0..=999.99:0.01",
    ];
    let cases: [(&[&str], &str); 4] = [
        (&huge, "over the memory limit"),
        (
            &[&huge[..], &["--synthetic", "1:10"]].concat(),
            "over the memory limit",
        ),
        (&["--periods", "5,5"], "appears twice"),
        (&["--multipliers", "2,2.0"], "appears twice"),
    ];
    for (args, phrase) in cases {
        let mut args = args.to_vec();
        args.extend(["--heatmap", path]);
        let message = refused("backtest", &args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
    assert!(!heatmap.0.exists(), "a refused run wrote its heatmap");
}

#[test]
fn bar_intervals_parse_as_pandas_writes_them() {
    let cases = [
        ("1h", 3600),
        ("h", 3600),
        ("4H", 4 * 3600),
        ("1D", 86_400),
        ("1d", 86_400),
        ("15min", 900),
        ("5T", 300),
        ("30s", 30),
        ("1W", 7 * 86_400),
        (" 2h ", 7200),
    ];
    for (text, seconds) in cases {
        assert_eq!(parse_freq(text), Ok(Duration::from_secs(seconds)), "{text}");
    }
    for bad in [
        "",
        "1",
        "0h",
        "1M",
        "1Y",
        "1.5h",
        "h1",
        "-1h",
        "99999999999999999999h",
    ] {
        let e = parse_freq(bad).expect_err(bad);
        assert!(e.contains('`'), "{bad}: {e}");
    }
    // The annualisation of the common intervals.
    let year = |text| {
        BacktestConfig::default()
            .with_bar_interval(parse_freq(text).unwrap())
            .unwrap()
            .annualisation()
    };
    assert_eq!(year("1h"), 8760.0);
    assert_eq!(year("1D"), 365.0);
    assert_eq!(year("30D"), 365.0 / 30.0);
}
