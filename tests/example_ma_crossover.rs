//! The `ma_crossover` example end to end, against its contract: with no grid arguments it is
//! vectorbt's README sweep (windows 2..=100, 4,851 pairs) over the bundled MSFT and IBM closes,
//! and its `--out` CSV equals vectorbt's golden grids (`tests/data/golden-strategies/`) bit for
//! bit, simple and exponential; its JSON line, its heatmap, other data, and its bounds.

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use std::ffi::OsStr;
use std::path::Path;

use common::examples::{json_line, refused, refuses_out_of_bounds_arguments, TempFile};
use common::{data_dir, same_bits};
use example_common::bounds::memory_limit;
use example_common::synthetic::SyntheticSpec;
use ta_sweep::{Backtest, BacktestConfig, Grid, MaCrossover, MaKind, Prices};

const HEADER: &str = "fast,slow,symbol,sharpe,total_return,max_drawdown,trades,closed_trades";

fn succeed(args: &[&OsStr]) -> String {
    common::examples::succeed("ma_crossover", args)
}

/// The rows of a CSV file as text fields, after its header (which must be [`HEADER`]).
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER), "{path:?}");
    lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

/// The golden file's float field as the example must write it: the same bits, in Rust's
/// shortest round-trip text (`5.408873833825197e-05` is `0.00005408873833825197`, `nan` is
/// `NaN`).
fn rust_text(golden: &str) -> String {
    let value: f64 = golden
        .parse()
        .unwrap_or_else(|e| panic!("golden `{golden}`: {e}"));
    value.to_string()
}

#[test]
fn the_default_sweep_equals_vectorbt_bit_for_bit() {
    for (ma, file) in [
        ("simple", "grid_msft_ibm_1d_sma.csv"),
        ("exponential", "grid_msft_ibm_1d_ema.csv"),
    ] {
        let (out, heatmap) = (TempFile::new("out.csv"), TempFile::new("heatmap.svg"));
        let stdout = succeed(&[
            "--ma".as_ref(),
            ma.as_ref(),
            "--threads".as_ref(),
            "2".as_ref(),
            "--out".as_ref(),
            out.0.as_os_str(),
            "--heatmap".as_ref(),
            heatmap.0.as_os_str(),
            "--json".as_ref(),
        ]);
        let (got, golden) = (
            rows(&out.0),
            rows(&data_dir().join("golden-strategies").join(file)),
        );
        assert_eq!(got.len(), 9702, "{file}");
        assert_eq!(got.len(), golden.len(), "{file}");
        for (j, (row, want)) in got.iter().zip(&golden).enumerate() {
            assert_eq!(row.len(), 8, "{file} row {j}: {row:?}");
            // Windows, symbol (the file stem) and the trade counts as written.
            for i in [0, 1, 2, 6, 7] {
                assert_eq!(row[i], want[i], "{file} row {j}: {row:?} vs {want:?}");
            }
            // The metrics: the golden bits, in Rust's shortest round-trip text.
            for i in 3..=5 {
                assert_eq!(
                    row[i],
                    rust_text(&want[i]),
                    "{file} row {j}: {row:?} vs {want:?}"
                );
            }
        }
        // Sweep order: (fast, slow) in combinations order, the symbol fastest.
        assert_eq!(got[0][..3], ["2", "3", "MSFT_bokeh"]);
        assert_eq!(got[1][..3], ["2", "3", "IBM_bokeh"]);
        assert_eq!(got[2][..3], ["2", "4", "MSFT_bokeh"]);
        assert_eq!(got[9701][..3], ["99", "100", "IBM_bokeh"]);

        assert!(stdout.contains(&format!("({ma} averages)")), "{stdout}");
        assert!(stdout.contains("4,851 pairs"), "{stdout}");
        assert!(stdout.contains("fees 0.001"), "{stdout}");
        assert!(stdout.contains("365 bars a year"), "{stdout}");
        assert!(
            stdout.contains("Best combinations per symbol")
                && stdout.contains("  MSFT_bokeh\n")
                && stdout.contains("  IBM_bokeh\n"),
            "{stdout}"
        );
        check_json(&json_line(&stdout));
        check_heatmap(&heatmap.0, ma);
    }
}

/// The JSON line of the default sweep on two threads, run once.
fn check_json(json: &serde_json::Value) {
    let fields: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "bars",
        "columns",
        "ms_median",
        "ms_min",
        "runs",
        "symbols",
        "threads",
    ];
    if cfg!(target_os = "linux") {
        expected.push("peak_extra_bytes");
    }
    let mut sorted = fields.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "{json}");
    assert_eq!(json["bars"], 3270);
    assert_eq!(json["symbols"], 2);
    assert_eq!(json["columns"], 9702);
    assert_eq!(json["threads"], 2);
    assert_eq!(json["runs"], 1);
    assert!(json["ms_min"].as_f64().is_some_and(|ms| ms > 0.0), "{json}");
    assert_eq!(json["ms_min"], json["ms_median"]);
    if cfg!(target_os = "linux") {
        // Nothing is materialised: the two averages of every column alone would take
        // 3,270 x 9,702 x 16 bytes (508 MB).
        let materialised = 3270 * 9702 * 16;
        let extra = json["peak_extra_bytes"]
            .as_u64()
            .expect("measured on Linux");
        assert!(extra < materialised / 16, "{extra} bytes");
    }
}

/// An SVG picture with a panel per symbol and the axes of the sweep.
fn check_heatmap(path: &Path, ma: &str) {
    let svg = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for text in [
        "MSFT_bokeh",
        "IBM_bokeh",
        "fast window",
        "slow window",
        "total return",
        &format!("Total return of the {ma} MA crossover, fees 0.001"),
    ] {
        assert!(svg.contains(text), "the heatmap has no `{text}`");
    }
    // A cell per pair and symbol, at least.
    assert!(svg.matches("<rect").count() > 9702);
}

#[test]
fn other_data_and_options_are_backtested_as_the_library_does() {
    let (out, heatmap) = (TempFile::new("syn.csv"), TempFile::new("syn.svg"));
    let stdout = succeed(&[
        "--synthetic".as_ref(),
        "3:700".as_ref(),
        // Unsorted, with a range: sorted before the pairs are made.
        "--windows".as_ref(),
        "30,2,5,10..=20:5".as_ref(),
        "--ma".as_ref(),
        "exponential".as_ref(),
        "--fees".as_ref(),
        "0".as_ref(),
        "--freq".as_ref(),
        "1h".as_ref(),
        "--threads".as_ref(),
        "1".as_ref(),
        "--repeat".as_ref(),
        "3".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
        "--json".as_ref(),
    ]);
    let data = SyntheticSpec {
        symbols: 3,
        bars: 700,
    }
    .generate()
    .unwrap();
    let prices = Prices::from_close_series(data.iter().map(|d| &d.close[..])).unwrap();
    let grid = Grid::combinations(&["fast", "slow"], &[2, 5, 10, 15, 20, 30]).unwrap();
    let config = BacktestConfig::new(0.0, 100.0, 8760.0).unwrap();
    let expected = Backtest::new(
        MaCrossover::new(MaKind::Exponential),
        &prices,
        &grid,
        config,
    )
    .run()
    .unwrap();

    let rows = rows(&out.0);
    assert_eq!(rows.len(), 15 * 3);
    for ((row, key), m) in rows
        .iter()
        .zip(expected.columns.keys())
        .zip(&expected.metrics)
    {
        let (fast, slow) = key.params;
        assert_eq!(
            row[..3],
            [
                fast.to_string(),
                slow.to_string(),
                format!("S{}", key.symbol)
            ]
        );
        for (i, value) in [(3, m.sharpe), (4, m.total_return), (5, m.max_drawdown)] {
            assert_eq!(row[i], value.to_string(), "{row:?} vs {m:?}");
            assert!(same_bits(row[i].parse().unwrap(), value));
        }
        assert_eq!(row[6], m.trades.to_string());
        assert_eq!(row[7], m.closed_trades.to_string());
    }
    assert_eq!(rows[0][..3], ["2", "5", "S0"]);

    let json = json_line(&stdout);
    assert_eq!(json["bars"], 700);
    assert_eq!(json["symbols"], 3);
    assert_eq!(json["columns"], 45);
    assert_eq!(json["threads"], 1);
    assert_eq!(json["runs"], 3);
    assert!(json["ms_min"].as_f64().unwrap() <= json["ms_median"].as_f64().unwrap());
    assert!(
        stdout.contains("6 windows (2, 5, ..., 30): 15 pairs"),
        "{stdout}"
    );
    assert!(stdout.contains("8760 bars a year"), "{stdout}");
    let svg = std::fs::read_to_string(&heatmap.0).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("S2"));
}

#[test]
fn closes_only_files_are_named_by_their_stem_and_undefined_metrics_spelled_out() {
    // Two bars: the averages of windows 2 and 3 never cross, so nothing trades (Sharpe +inf);
    // one bar: no return to measure (NaN). A file needs only its close column.
    let dir = std::env::temp_dir().join(format!("ta_sweep_ma_crossover_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (two, one) = (dir.join("TWO.csv"), dir.join("ONE.csv"));
    std::fs::write(&two, "Close\n10\n11\n").unwrap();
    let (out, heatmap) = (TempFile::new("stem.csv"), TempFile::new("stem.svg"));
    succeed(&[
        "--csv".as_ref(),
        two.as_os_str(),
        "--windows".as_ref(),
        "2,3".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
    ]);
    assert_eq!(rows(&out.0), [["2", "3", "TWO", "inf", "0", "0", "0", "0"]]);

    std::fs::write(&one, "time,close\n1,10\n").unwrap();
    succeed(&[
        "--csv".as_ref(),
        one.as_os_str(),
        "--windows".as_ref(),
        "2,3".as_ref(),
        "--out".as_ref(),
        out.0.as_os_str(),
        "--heatmap".as_ref(),
        heatmap.0.as_os_str(),
    ]);
    assert_eq!(rows(&out.0)[0][..4], ["2", "3", "ONE", "NaN"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_of_bounds_arguments_are_refused_before_any_work() {
    let heatmap = TempFile::new("bounds.svg");
    let path = heatmap.0.to_str().unwrap();
    refuses_out_of_bounds_arguments("ma_crossover", memory_limit(), &["--heatmap", path]);

    let cases: [(&[&str], &str); 12] = [
        (&["--windows", "5"], "two windows"),
        (&["--windows", "0,5"], "window 0"),
        (&["--windows", "0..=100"], "window 0"),
        (&["--windows", "5,5"], "listed twice"),
        (&["--windows", "7,3,7"], "listed twice"),
        (&["--windows", "4..=2"], "empty"),
        (&["--windows", "2..100"], "A..=B"),
        (&["--windows", "1..=2000000"], "more than 100000"),
        // 4,999,950,000 pairs: their results alone are over any machine's memory.
        (&["--windows", "1..=100000"], "over the memory limit"),
        (&["--ma", "weighted"], "simple or exponential"),
        (&["--fees", "1"], "fees"),
        (&["--freq", "1M"], "months"),
    ];
    for (args, phrase) in cases {
        let mut args = args.to_vec();
        args.extend(["--heatmap", path]);
        let message = refused("ma_crossover", &args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
    assert!(!heatmap.0.exists(), "a refused run wrote its heatmap");
}
