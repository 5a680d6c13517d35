//! The `validate` example end to end, against its contract: with no grid arguments it is the
//! golden validation (the tutorial SuperTrend grid over the bundled MSFT and IBM prices, 16
//! CSCV blocks, walk-forward 756 / 252 / 252), and its `--out-dir` files have the headers of
//! `tests/data/golden-validation/` and its values within `docs/VALIDATION.md` 6; its JSON
//! line, its pictures, the ma-crossover grid (equal to the library's report), and its errors.

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use common::examples::{json_line, refused, refuses_out_of_bounds_arguments, TempFile};
use common::{data_dir, read_columns, Columns};
use example_common::bounds::memory_limit;
use example_common::ohlc::Ohlc;
use example_common::synthetic::SyntheticSpec;
use ta_sweep::validation::{Validation, WalkForward};
use ta_sweep::{Backtest, BacktestConfig, Grid, MaCrossover, MaKind, Prices};

const SYMBOLS: [&str; 2] = ["MSFT_bokeh", "IBM_bokeh"];

/// The files of the golden directory the example writes (not `pbo_block_sums.csv` and
/// `walk_forward_columns.csv`, which are for debugging the library).
fn golden_files() -> Vec<String> {
    let mut files: Vec<String> = [
        "dsr.csv",
        "pbo.csv",
        "walk_forward.csv",
        "walk_forward_summary.csv",
    ]
    .map(String::from)
    .to_vec();
    files.extend(SYMBOLS.iter().map(|s| format!("pbo_logits_{s}.csv")));
    files
}

/// A directory in the temporary directory, removed with its files when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        let dir = TempFile::new(label).0.clone();
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Where [`succeed_in`] has the example write: its `--out-dir`, `--logits-svg` and
    /// `--degradation-svg`.
    fn outputs(&self) -> (PathBuf, PathBuf, PathBuf) {
        (
            self.join("out"),
            self.join("logits.svg"),
            self.join("degradation.svg"),
        )
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn succeed(args: &[&OsStr]) -> String {
    common::examples::succeed("validate", args)
}

/// Runs the example with the space-separated `args`, writing its files and pictures to
/// [`TempDir::outputs`].
fn succeed_in(dir: &TempDir, args: &str) -> String {
    let (out, logits, degradation) = dir.outputs();
    let mut all: Vec<&OsStr> = args.split_whitespace().map(OsStr::new).collect();
    for (flag, path) in [
        ("--out-dir", &out),
        ("--logits-svg", &logits),
        ("--degradation-svg", &degradation),
    ] {
        all.extend([OsStr::new(flag), path.as_os_str()]);
    }
    succeed(&all)
}

/// The example's JSON line, checked to have the [`expected_json_fields`].
fn checked_json(stdout: &str) -> serde_json::Value {
    let json = json_line(stdout);
    let fields: BTreeSet<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, expected_json_fields(), "{json}");
    json
}

/// The fields of the JSON line: on Linux, where the peak of memory is measured, all eight.
fn expected_json_fields() -> BTreeSet<&'static str> {
    let mut fields: BTreeSet<&str> = [
        "bars",
        "symbols",
        "columns",
        "threads",
        "runs",
        "ms_min",
        "ms_median",
    ]
    .into();
    if cfg!(target_os = "linux") {
        fields.insert("peak_extra_bytes");
    }
    fields
}

fn header(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines().next().unwrap_or_default().to_owned()
}

/// How a golden column compares (VALIDATION.md 6).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Names and integers: the same text.
    Text,
    /// Exact floats: the same bits (and NaN matches NaN).
    Exact,
    /// Logits: within 1e-12.
    Logit,
    /// Every other float: within 1e-9 relative or 1e-12 absolute.
    Float,
}

fn kind(column: &str) -> Kind {
    match column {
        "symbol" | "bars" | "trials" | "param_index" | "period" | "bars_used" | "block_len"
        | "S" | "combinations" | "undefined" | "overfit" | "combination" | "train_mask"
        | "split" | "train_start" | "train_end" | "test_start" | "test_end" | "candidates"
        | "oos_trades" | "splits" | "chosen" | "oos_bars" => Kind::Text,
        "multiplier" | "pbo" | "rank" => Kind::Exact,
        "logit" => Kind::Logit,
        _ => Kind::Float,
    }
}

fn number(text: &str, what: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|e| panic!("{what}: `{text}` is no f64: {e}"))
}

/// Checks every cell of `got` against `golden`, column by column.
fn assert_matches(file: &str, golden: &Columns, got: &Columns) {
    let names = |c: &Columns| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(golden), "{file}: columns");
    for ((name, expected), (_, actual)) in golden.iter().zip(got) {
        assert_eq!(actual.len(), expected.len(), "{file}: rows of {name}");
        let kind = kind(name);
        for (row, (e, a)) in expected.iter().zip(actual).enumerate() {
            let what = format!("{file} row {row} {name}");
            match kind {
                Kind::Text => assert_eq!(a, e, "{what}"),
                Kind::Exact => {
                    let (e, a) = (number(e, &what), number(a, &what));
                    assert!(
                        (e.is_nan() && a.is_nan()) || e.to_bits() == a.to_bits(),
                        "{what}: expected {e:?}, got {a:?}"
                    );
                }
                Kind::Logit => {
                    let (e, a) = (number(e, &what), number(a, &what));
                    assert!((e - a).abs() <= 1e-12, "{what}: expected {e:?}, got {a:?}");
                }
                Kind::Float => {
                    let (e, a) = (number(e, &what), number(a, &what));
                    let ok = (e.is_nan() && a.is_nan())
                        || e == a
                        || (e - a).abs() <= (1e-9 * e.abs()).max(1e-12);
                    assert!(ok, "{what}: expected {e:?}, got {a:?}");
                }
            }
            // Shortest round trip, Rust's `{:?}`: reading and writing again is the same text.
            if kind != Kind::Text {
                assert_eq!(&format!("{:?}", number(a, &what)), a, "{what}");
            }
        }
    }
}

#[test]
fn the_default_run_writes_the_golden_files() {
    let dir = TempDir::new("validate_default");
    let (out, logits, degradation) = dir.outputs();
    let stdout = succeed_in(&dir, "--threads 2 --json");

    let golden_dir = data_dir().join("golden-validation");
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    let mut expected = golden_files();
    expected.sort();
    assert_eq!(written, expected);
    for file in golden_files() {
        let (golden, got) = (golden_dir.join(&file), out.join(&file));
        assert_eq!(header(&got), header(&golden), "{file}: header");
        assert_matches(&file, &read_columns(&golden), &read_columns(&got));
    }

    let json = checked_json(&stdout);
    assert_eq!(json["bars"], 3270);
    assert_eq!(json["symbols"], 2);
    assert_eq!(json["columns"], 672);
    assert_eq!(json["threads"], 2);
    assert_eq!(json["runs"], 1);
    assert!(json["ms_min"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(json["ms_min"], json["ms_median"]);

    for path in [&logits, &degradation] {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"), "{path:?}");
        for symbol in SYMBOLS {
            assert!(svg.contains(symbol), "{path:?}: no panel {symbol}");
        }
    }
    let logits_svg = std::fs::read_to_string(&logits).unwrap();
    assert!(logits_svg.contains("PBO 0.679") && logits_svg.contains("PBO 0.170"));
    // Every one of the 2 x 12,870 winners is a point.
    let points = std::fs::read_to_string(&degradation)
        .unwrap()
        .matches("<circle")
        .count();
    assert_eq!(points, 2 * 12_870);

    // What a person reads: the golden values, rounded (the lines are wrapped, so spaces and
    // line breaks compare as one space).
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = words(&stdout);
    for phrase in [
        "16 blocks of 204 bars (the last 6 bars unused), 12,870 combinations",
        "9 splits of 756 training + 252 test bars, every 252 bars",
        "period   6, multiplier 3.9: Sharpe 0.167",
        "deflated Sharpe: 0.350: consistent with luck",
        "period   8, multiplier 2.1: Sharpe 0.746",
        "deflated Sharpe: 0.624: consistent with luck",
        "PBO:             0.679",
        "PBO:             0.170",
        "    split  train bars  test bars   chosen",
        "        0  0..756      756..1008   period   4, multiplier 2.0      0.069       0.716      9.18 %       6",
        "Sharpe -0.195, compound return -36.95 %, max drawdown -59.05 %, 42 trades",
        "Sharpe 0.394, compound return 40.33 %, max drawdown -22.31 %, 45 trades",
    ] {
        assert!(text.contains(&words(phrase)), "no `{phrase}` in:\n{stdout}");
    }
}

#[test]
fn the_ma_crossover_grid_is_the_librarys_report() {
    let dir = TempDir::new("validate_ma");
    let (out, logits, degradation) = dir.outputs();
    let stdout = succeed_in(
        &dir,
        "--strategy ma-crossover --windows 5,10,20,40 --ma exponential --synthetic 2:1500 \
         --blocks 8 --train 500 --test 250 --step 250",
    );
    assert!(
        stdout.contains("crossover (exponential averages)"),
        "{stdout}"
    );

    // The golden headers, with the crossover's parameters.
    let golden_dir = data_dir().join("golden-validation");
    let files = [
        ("dsr.csv", "dsr.csv"),
        ("pbo.csv", "pbo.csv"),
        ("pbo_logits_S0.csv", "pbo_logits_MSFT_bokeh.csv"),
        ("pbo_logits_S1.csv", "pbo_logits_MSFT_bokeh.csv"),
        ("walk_forward.csv", "walk_forward.csv"),
        ("walk_forward_summary.csv", "walk_forward_summary.csv"),
    ];
    for (file, golden) in files {
        let expected = header(&golden_dir.join(golden)).replace("period,multiplier", "fast,slow");
        assert_eq!(header(&out.join(file)), expected, "{file}");
    }

    assert!(header(&out.join("dsr.csv")).contains(",param_index,fast,slow,sharpe,"));

    // The same validation, straight from the library.
    let data = SyntheticSpec {
        symbols: 2,
        bars: 1500,
    }
    .generate()
    .unwrap();
    let prices = Prices::from_close_series(data.iter().map(|d: &Ohlc| &d.close[..])).unwrap();
    let grid = Grid::combinations(&["fast", "slow"], &[5, 10, 20, 40]).unwrap();
    let validation = Validation::new()
        .blocks(8)
        .walk_forward(WalkForward::new(500, 250, 250));
    let report = Backtest::new(
        MaCrossover::new(MaKind::Exponential),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .validate(&validation)
    .unwrap();
    let params = |row: Option<usize>| match row {
        Some(r) => {
            let (f, s) = grid.get(r).unwrap();
            [r.to_string(), f.to_string(), s.to_string()]
        }
        None => ["-1".into(), "-1".into(), "-1".into()],
    };
    let text = |c: &Columns, name: &str| -> Vec<String> {
        c.iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .1
            .clone()
    };

    let dsr = read_columns(&out.join("dsr.csv"));
    assert_eq!(text(&dsr, "symbol"), ["S0", "S1"]);
    for (k, d) in report.dsr.iter().enumerate() {
        let [index, fast, slow] = params(d.best);
        assert_eq!(text(&dsr, "param_index")[k], index);
        assert_eq!(text(&dsr, "fast")[k], fast);
        assert_eq!(text(&dsr, "slow")[k], slow);
        for (name, value) in [("sharpe", d.sharpe), ("sr0", d.sr0), ("dsr", d.dsr)] {
            assert_eq!(text(&dsr, name)[k], format!("{value:?}"), "{name}");
        }
    }
    let pbo = read_columns(&out.join("pbo.csv"));
    for (k, p) in report.pbo.iter().enumerate() {
        assert_eq!(text(&pbo, "combinations")[k], "70");
        assert_eq!(text(&pbo, "overfit")[k], p.overfit.to_string());
        assert_eq!(text(&pbo, "pbo")[k], format!("{:?}", p.pbo));
        let logits = read_columns(&out.join(format!("pbo_logits_S{k}.csv")));
        assert_eq!(text(&logits, "logit").len(), 70);
        for (c, x) in p.logits.iter().enumerate() {
            assert_eq!(text(&logits, "train_mask")[c], x.train_mask.to_string());
            assert_eq!(text(&logits, "param_index")[c], params(x.winner)[0]);
            assert_eq!(text(&logits, "rank")[c], format!("{:?}", x.rank));
            assert_eq!(text(&logits, "logit")[c], format!("{:?}", x.logit));
        }
    }
    let wf = report.walk_forward.as_ref().unwrap();
    let rows = read_columns(&out.join("walk_forward.csv"));
    assert_eq!(text(&rows, "split").len(), 4 * 2);
    for (i, c) in wf.choices.iter().enumerate() {
        assert_eq!(text(&rows, "symbol")[i], format!("S{}", c.symbol));
        assert_eq!(text(&rows, "slow")[i], params(c.chosen)[2]);
        let oos = c.oos.unwrap();
        assert_eq!(text(&rows, "oos_sharpe")[i], format!("{:?}", oos.sharpe));
        assert_eq!(text(&rows, "oos_trades")[i], oos.trades.to_string());
    }
    let summary = read_columns(&out.join("walk_forward_summary.csv"));
    for (k, s) in wf.summary.iter().enumerate() {
        assert_eq!(
            text(&summary, "oos_compound_return")[k],
            format!("{:?}", s.oos_compound_return)
        );
    }
    for path in [&logits, &degradation] {
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("S0") && svg.contains("S1"));
    }
}

#[test]
fn repeats_are_timed_and_counted() {
    let dir = TempDir::new("validate_repeat");
    let stdout = succeed_in(
        &dir,
        "--synthetic 1:800 --periods 5,10 --multipliers 2,3 --blocks 4 --train 300 --test 100 \
         --step 100 --repeat 3 --json",
    );
    let json = json_line(&stdout);
    let fields: BTreeSet<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, expected_json_fields());
    assert_eq!(json["runs"], 3);
    assert_eq!(
        (json["bars"].as_u64(), json["columns"].as_u64()),
        (Some(800), Some(4))
    );
    assert!(json["ms_min"].as_f64().unwrap() <= json["ms_median"].as_f64().unwrap());
    // 300 + 100 bars, every 100: splits start at 0, 100, ..., 400.
    assert!(
        stdout.contains("5 splits of 300 training + 100 test bars"),
        "{stdout}"
    );
    assert!(stdout.contains("6 combinations"), "{stdout}");
}

#[test]
fn bad_arguments_are_refused_with_a_message_before_any_work() {
    let dir = TempDir::new("validate_bad");
    let (_, logits, degradation) = dir.outputs();
    let (logits, degradation) = (logits.to_str().unwrap(), degradation.to_str().unwrap());
    let file = dir.join("a_file");
    std::fs::write(&file, "not a directory").unwrap();
    let short = dir.join("short.csv");
    let mut csv = String::from("high,low,close\n");
    for i in 0..10 {
        let c = 100.0 + i as f64;
        csv.push_str(&format!("{},{},{c}\n", c + 1.0, c - 1.0));
    }
    std::fs::write(&short, csv).unwrap();
    let (file, short, dir_path) = (
        file.to_str().unwrap(),
        short.to_str().unwrap(),
        dir.0.to_str().unwrap(),
    );
    let svgs = ["--logits-svg", logits, "--degradation-svg", degradation];

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--blocks", "0"], "even number"),
        (vec!["--blocks", "15"], "even number"),
        (vec!["--blocks", "26"], "from 2 to 24"),
        (vec!["--blocks", "x"], "not a whole number"),
        (vec!["--blocks", "-2"], "error"),
        (
            vec!["--synthetic", "1:10"],
            "CSCV blocks need at least 16 bars",
        ),
        (vec!["--csv", short], "CSCV blocks need at least 16 bars"),
        (
            vec![
                "--csv", short, "--blocks", "2", "--train", "8", "--test", "4",
            ],
            "walk-forward split takes 12 bars",
        ),
        (
            vec!["--synthetic", "1:500"],
            "walk-forward split takes 1,008 bars",
        ),
        (vec!["--train", "1"], "at least 2 bars"),
        (vec!["--test", "0"], "at least 2 bars"),
        (vec!["--step", "0"], "at least 1 bar"),
        (vec!["--train", "abc"], "not a whole number"),
        (
            vec!["--test", "99999999999999999999999999"],
            "more than any data",
        ),
        (vec!["--fees", "1.5"], "fees"),
        (vec!["--freq", "1M"], "1M"),
        (vec!["--periods", "0"], "period"),
        (vec!["--strategy", "macd"], "invalid value"),
        (vec!["--windows", "5,10"], "--strategy ma-crossover"),
        (vec!["--ma", "exponential"], "--strategy ma-crossover"),
        (
            vec!["--strategy", "ma-crossover", "--periods", "5"],
            "--strategy supertrend",
        ),
        (
            vec!["--strategy", "ma-crossover", "--windows", "5"],
            "two windows",
        ),
        (vec!["--out-dir", file], "not a directory"),
        (vec!["--csv", "/nonexistent/prices.csv"], "error"),
    ];
    for (mut args, phrase) in cases {
        args.extend(svgs);
        let message = refused("validate", &args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
    let path_cases: [(&[&str], &str); 4] = [
        (
            &[
                "--logits-svg",
                "/nonexistent/l.svg",
                "--degradation-svg",
                degradation,
            ],
            "does not exist",
        ),
        (
            &["--logits-svg", logits, "--degradation-svg", dir_path],
            "a directory",
        ),
        (
            &["--logits-svg", logits, "--degradation-svg", logits],
            "the same file",
        ),
        (
            &[
                "--logits-svg",
                logits,
                "--degradation-svg",
                "/nonexistent/d.svg",
            ],
            "does not exist",
        ),
    ];
    for (args, phrase) in path_cases {
        let message = refused("validate", args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
    refuses_out_of_bounds_arguments("validate", memory_limit(), &svgs);
    assert!(
        !Path::new(logits).exists() && !Path::new(degradation).exists(),
        "a refused run drew its pictures"
    );
}

#[test]
fn a_validation_over_the_memory_limit_is_refused_before_any_work() {
    let dir = TempDir::new("validate_memory");
    let (_, logits, degradation) = dir.outputs();
    // Combinations whose backtest results (256 bytes each) fit in the limit, and whose
    // validation statistics (over 1,000 bytes each with 16 blocks) do not.
    let combinations = (memory_limit() / 500) as usize;
    let multipliers = 10_000;
    let periods = combinations / multipliers + 1;
    assert!(periods <= 100_000, "a machine of over 1 TB");
    let periods = format!("1..={periods}");
    let message = refused(
        "validate",
        &[
            "--synthetic",
            "1:1100",
            "--train",
            "500",
            "--test",
            "500",
            "--step",
            "1000",
            "--periods",
            &periods,
            "--multipliers",
            "0.0001..=1:0.0001",
            "--logits-svg",
            logits.to_str().unwrap(),
            "--degradation-svg",
            degradation.to_str().unwrap(),
        ],
    );
    assert!(
        message.contains("the validation of") && message.contains("over the memory limit"),
        "{message}"
    );
}
