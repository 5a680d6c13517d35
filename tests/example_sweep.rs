//! The `sweep` example end to end (its CSV output read back equals the library's result bit for
//! bit, its JSON line, its errors), and the input helpers it shares with other examples.

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use std::io::Read;
use std::process::Output;

use common::examples::{bundled_file, refused, refuses_out_of_bounds_arguments, TempFile};
use example_common::bounds::memory_limit;
use example_common::list::{parse_multipliers, parse_periods, MAX_VALUES};
use example_common::ohlc::{read_ohlc, read_ohlc_from, CsvError, CsvErrorKind, Ohlc};
use example_common::synthetic::{random_walk, SyntheticSpec};
use ta_sweep::{fraction_range, supertrend, Prices, SuperTrend, Sweep};

// ---------------------------------------------------------------------------------------------
// Running the example
// ---------------------------------------------------------------------------------------------

fn run_example(args: &[&std::ffi::OsStr]) -> Output {
    common::examples::run_example("sweep", args)
}

// ---------------------------------------------------------------------------------------------
// The example's output against the library
// ---------------------------------------------------------------------------------------------

#[test]
fn csv_output_equals_the_library_bit_for_bit() {
    let out_file = TempFile::new("out.csv");
    let (msft, ibm) = (
        bundled_file("MSFT_bokeh.csv"),
        bundled_file("IBM_bokeh.csv"),
    );
    let output = run_example(&[
        "--csv".as_ref(),
        msft.as_os_str(),
        "--csv".as_ref(),
        ibm.as_os_str(),
        "--periods".as_ref(),
        "4,7,10".as_ref(),
        "--multipliers".as_ref(),
        "2.0..=3.0:0.5".as_ref(),
        "--threads".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out_file.0.as_os_str(),
        "--json".as_ref(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the example failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The same sweep, straight from the library.
    let data = [read_ohlc(&msft).unwrap(), read_ohlc(&ibm).unwrap()];
    let prices = Prices::from_symbols(data.iter().map(Ohlc::as_slices)).unwrap();
    let grid = supertrend::grid(&[4, 7, 10], &[2.0, 2.5, 3.0]).unwrap();
    let sweep = Sweep::new(SuperTrend::default(), &prices, &grid);
    let expected = sweep.run().unwrap();
    let columns = expected.columns.len();
    assert_eq!(columns, 3 * 3 * 2);

    let json: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("some output")).unwrap();
    assert_eq!(json["bars"], 3270);
    assert_eq!(json["symbols"], 2);
    assert_eq!(json["columns"], columns);
    assert_eq!(json["threads"], 2);
    assert_eq!(json["runs"], 1);
    assert_eq!(
        json["output_bytes"].as_u64().map(u128::from),
        Some(sweep.output_bytes().unwrap())
    );
    assert!(json["ms_min"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(json["ms_min"], json["ms_median"]);

    let mut reader = csv::Reader::from_path(&out_file.0).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let expected_header: Vec<String> = ["supert", "superd", "superl", "supers"]
        .iter()
        .flat_map(|output| {
            let labels = &expected.columns;
            (0..columns).map(move |j| format!("{output}_{}", labels.label(j).unwrap()))
        })
        .collect();
    assert_eq!(header, expected_header);
    assert_eq!(header[0], "supert_p4_m2_c0");
    assert_eq!(header[3], "supert_p4_m2.5_c1");

    let superd = expected.superd().unwrap();
    let float_blocks = [
        (0, expected.supert().unwrap()),
        (2, expected.superl().unwrap()),
        (3, expected.supers().unwrap()),
    ];
    let mut bars = 0;
    for (bar, row) in reader.records().enumerate() {
        let row = row.unwrap();
        assert_eq!(row.len(), 4 * columns, "row {bar}");
        for &(block, array) in &float_blocks {
            for j in 0..columns {
                let text = &row[block * columns + j];
                let got: f64 = text.parse().unwrap();
                let want = array[[bar, j]];
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{} at bar {bar}: wrote {text}, the library has {want:?}",
                    header[block * columns + j]
                );
            }
        }
        for j in 0..columns {
            let got: i8 = row[columns + j].parse().unwrap();
            assert_eq!(
                got,
                superd[[bar, j]],
                "{} at bar {bar}",
                header[columns + j]
            );
        }
        bars += 1;
    }
    assert_eq!(bars, 3270);
}

#[test]
fn a_malformed_csv_fails_naming_file_line_and_column() {
    let bad = TempFile::new("bad.csv");
    std::fs::write(
        &bad.0,
        "time,open,high,low,close\n2020-01-01,1,2,0.5,1.5\n2020-01-02,1,2,0.5,1.x5\n",
    )
    .unwrap();
    let output = run_example(&["--csv".as_ref(), bad.0.as_os_str()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = bad.0.display().to_string();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(&format!("{file}:3:")), "{stderr}");
    assert!(stderr.contains("`close`"), "{stderr}");
    assert!(stderr.contains("1.x5"), "{stderr}");
}

#[test]
fn bad_arguments_fail_with_a_message_not_a_panic() {
    let missing = std::env::temp_dir().join("ta_sweep_example_no_such_file.csv");
    let cases: [&[&str]; 6] = [
        &["--periods", "0"],
        &["--multipliers=-1"],
        &["--multipliers", "2.0..=4.0"],
        &["--periods", "4..19"],
        &["--synthetic", "2x10"],
        &["--csv", missing.to_str().unwrap()],
    ];
    for args in cases {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        let output = run_example(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn out_of_bounds_arguments_are_refused_before_any_work() {
    refuses_out_of_bounds_arguments("sweep", memory_limit(), &[]);
    // 10,000,000,000 combinations: generated prices are refused by the example's own count,
    // files by the library's guard once their bars are known, before anything is allocated.
    let huge = [
        "--periods",
        "1..=100000",
        "--multipliers",
        "0..=999.99:0.01",
    ];
    let cases: [(&[&str], &str); 5] = [
        (
            &[&huge[..], &["--synthetic", "1:10"]].concat(),
            "over the memory limit",
        ),
        (&huge, "memory limit"),
        (
            &["--periods", "1..=3000", "--synthetic", "1:10000000"],
            "over the memory limit",
        ),
        (&["--periods", "5,5"], "appears twice"),
        (&["--multipliers", "inf"], "invalid multiplier"),
    ];
    for (args, phrase) in cases {
        let message = refused("sweep", args);
        assert!(message.contains(phrase), "{args:?}: {message}");
    }
}

// ---------------------------------------------------------------------------------------------
// The CSV loader
// ---------------------------------------------------------------------------------------------

fn load(text: &[u8]) -> Result<Ohlc, CsvError> {
    read_ohlc_from(text, "test.csv")
}

fn load_err(text: &[u8]) -> CsvError {
    match load(text) {
        Ok(ohlc) => panic!("loaded {ohlc:?}"),
        Err(e) => e,
    }
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

#[test]
fn loader_reads_the_columns_it_needs_in_any_case_and_order() {
    let ohlc = load(b"Close,volume,LOW,time,High\n1.5,100,1,x,2\n2.5,200,2,y,3\n").unwrap();
    assert_eq!(ohlc.high, [2.0, 3.0]);
    assert_eq!(ohlc.low, [1.0, 2.0]);
    assert_eq!(ohlc.close, [1.5, 2.5]);
}

#[test]
fn loader_accepts_bom_crlf_blank_lines_and_quotes() {
    let text = b"\xEF\xBB\xBFhigh,low,close\r\n\r\n2,1,1.5\r\n   \r\n\n\"3\",2,2.5\r\n\r\n";
    let ohlc = load(text).unwrap();
    assert_eq!(ohlc.high, [2.0, 3.0]);
    assert_eq!(ohlc.close, [1.5, 2.5]);
    // A last line without its line end.
    assert_eq!(load(b"high,low,close\n2,1,1.5").unwrap().bars(), 1);
    // Only the header: no bars.
    assert_eq!(load(b"high,low,close\n").unwrap().bars(), 0);
}

/// A reader that hands out one byte per call, as a pipe or a fuzzer may.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some((&first, rest)) = self.0.split_first() else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        buf[0] = first;
        self.0 = rest;
        Ok(1)
    }
}

#[test]
fn loader_accepts_a_bom_that_arrives_byte_by_byte() {
    let ohlc = read_ohlc_from(Trickle(b"\xEF\xBB\xBFhigh,low,close\n2,1,1.5\n"), "t").unwrap();
    assert_eq!(ohlc.high, [2.0]);
}

/// A reader that hands out at most `piece` bytes per call and, if `fail_at` is set, fails once
/// it has handed out that many bytes.
struct Pieces<'a> {
    data: &'a [u8],
    piece: usize,
    fail_at: Option<usize>,
    given: usize,
}

impl<'a> Pieces<'a> {
    fn new(data: &'a [u8], piece: usize) -> Self {
        Pieces {
            data,
            piece,
            fail_at: None,
            given: 0,
        }
    }
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_at.is_some_and(|at| self.given >= at) {
            return Err(std::io::Error::other("the connection dropped"));
        }
        let room = self.fail_at.map_or(usize::MAX, |at| at - self.given);
        let n = self.data.len().min(self.piece).min(buf.len()).min(room);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.given += n;
        Ok(n)
    }
}

#[test]
fn loader_accepts_a_bom_that_arrives_alone_in_the_first_read() {
    // csv-core strips a BOM from the start of what it is handed and took the empty remainder
    // for the end of the data: a file whose BOM arrived alone read as empty. Found by the
    // `csv_loader` fuzz target (its two crashes are the last two inputs).
    let inputs: [&[u8]; 3] = [
        b"\xEF\xBB\xBFhigh,low,close\n2,1,1.5\n",
        b"\xEF\xBB\xBFhigf,lo,",
        b"\xEF\xBB\xBFhigh,low,close=\n\r\n2\x08\0\0\0\0\0\0\0\0\"3\",2,x\rA",
    ];
    for text in inputs {
        let whole = load(text).map(|o| o.close).map_err(|e| e.to_string());
        for piece in 1..=7 {
            let pieces = read_ohlc_from(Pieces::new(text, piece), "test.csv");
            let pieces = pieces.map(|o| o.close).map_err(|e| e.to_string());
            assert_eq!(pieces, whole, "pieces of {piece} bytes");
        }
    }
    let ohlc = read_ohlc_from(Pieces::new(inputs[0], 3), "t").unwrap();
    assert_eq!(ohlc.high, [2.0]);
}

#[test]
fn loader_reports_a_read_error_after_some_data_instead_of_stopping_there() {
    // Rows that arrived before the failure must not pass for the whole file.
    let text = b"high,low,close\n2,1,1.5\n3,2,2.5\n4,3,3.5\n";
    for fail_at in [5, 20, 30, text.len() - 1] {
        for piece in [1, 4, 64] {
            let mut reader = Pieces::new(text, piece);
            reader.fail_at = Some(fail_at);
            let e = read_ohlc_from(reader, "test.csv").unwrap_err();
            assert!(matches!(e.kind, CsvErrorKind::Io(_)), "{e:?}");
            assert!(e.to_string().contains("the connection dropped"), "{e}");
        }
    }
}

#[test]
fn loader_reads_empty_fields_and_nan_in_any_case_as_nan() {
    let ohlc = load(b"high,low,close\n,nan,NaN\nNAN, 1 ,\n").unwrap();
    assert!(same(&ohlc.high, &[f64::NAN, f64::NAN]));
    assert!(same(&ohlc.low, &[f64::NAN, 1.0]));
    assert!(same(&ohlc.close, &[f64::NAN, f64::NAN]));
}

#[test]
fn loader_reads_numbers_as_rust_does() {
    let ohlc = load(b"high,low,close\n0.1,1e3,-0\n").unwrap();
    assert_eq!(ohlc.high[0].to_bits(), 0.1f64.to_bits());
    assert_eq!(ohlc.low, [1000.0]);
    assert_eq!(ohlc.close[0].to_bits(), (-0.0f64).to_bits());
}

#[test]
fn loader_errors_name_file_line_and_column() {
    let e = load_err(b"high,low,close\n2,1,1.5\n\n\n3,oops,2\n");
    assert!(
        matches!(e.kind, CsvErrorKind::BadNumber { column: "low", .. }),
        "{e:?}"
    );
    assert_eq!(e.line, Some(5));
    assert_eq!(
        e.to_string(),
        "test.csv:5: column `low`: \"oops\" is not a number"
    );

    // CRLF and a leading blank line do not shift the count.
    let e = load_err(b"\r\nhigh,low,close\r\n2,1,1.5\r\n\r\n3,2,x\r\n");
    assert_eq!((e.line, e.to_string().contains("`close`")), (Some(5), true));

    // A quoted field spanning lines: the line the bad field starts on.
    let e = load_err(b"note,high,low,close\n\"a\nb\",2,1,1.5\n\"c\nd\ne\",x,1,1.5\n");
    assert_eq!(e.line, Some(6), "{e}");
}

#[test]
fn loader_rejects_a_missing_or_ambiguous_column() {
    let e = load_err(b"time,high,close\n1,2,3\n");
    assert!(
        matches!(e.kind, CsvErrorKind::MissingColumn("low")),
        "{e:?}"
    );
    assert_eq!(e.line, Some(1));
    assert!(e.to_string().starts_with("test.csv:1: column `low`"), "{e}");

    let e = load_err(b"high,low,close,Close\n1,2,3,4\n");
    assert!(
        matches!(e.kind, CsvErrorKind::DuplicateColumn("close")),
        "{e:?}"
    );

    let e = load_err(b"");
    assert!(matches!(e.kind, CsvErrorKind::Empty { .. }), "{e:?}");
    let e = load_err(b"\n\r\n  \n");
    assert!(matches!(e.kind, CsvErrorKind::Empty { .. }), "{e:?}");
}

#[test]
fn loader_rejects_ragged_rows() {
    let e = load_err(b"high,low,close,volume\n2,1,1.5,9\n2,1\n");
    assert!(
        matches!(&e.kind, CsvErrorKind::FieldCount { expected: 4, found: 2, column: Some(c) } if c == "close"),
        "{e:?}"
    );
    assert_eq!(e.line, Some(3));
    assert!(
        e.to_string().starts_with("test.csv:3: column `close`"),
        "{e}"
    );

    let e = load_err(b"high,low,close\n2,1,1.5,7\n");
    assert!(
        matches!(
            e.kind,
            CsvErrorKind::FieldCount {
                expected: 3,
                found: 4,
                column: None
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.line, Some(2));
}

#[test]
fn loader_rejects_non_utf8_bytes() {
    let e = load_err(b"high,low,close\n2,1,1\xFF5\n");
    assert!(
        matches!(e.kind, CsvErrorKind::NotUtf8 { column: "close" }),
        "{e:?}"
    );
    assert_eq!(e.line, Some(2));

    let e = load_err(b"high,low,close,n\xE9e\n2,1,1.5,x\n");
    assert!(
        matches!(e.kind, CsvErrorKind::HeaderNotUtf8 { index: 4 }),
        "{e:?}"
    );
    assert_eq!(e.line, Some(1));
}

#[test]
fn loader_quotes_only_a_short_excerpt_of_a_bad_value() {
    let mut text = b"high,low,close\n2,1,".to_vec();
    text.extend(std::iter::repeat_n(b'z', 100_000));
    let message = load_err(&text).to_string();
    assert!(message.len() < 200, "{message}");
}

#[test]
fn loader_quotes_only_a_short_excerpt_of_a_long_column_name() {
    // A short row names the first missing column; a garbage header can make that name as long
    // as the file.
    let mut text = b"high,low,close,".to_vec();
    text.extend(std::iter::repeat_n(b'n', 100_000));
    text.extend(b"\n2,1,1.5\n");
    let e = load_err(&text);
    assert!(
        matches!(&e.kind, CsvErrorKind::FieldCount { column: Some(c), .. } if c.starts_with("nnn")),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(message.len() < 200, "{} bytes", message.len());
}

#[test]
fn loader_reports_a_missing_file_by_name() {
    let path = std::env::temp_dir().join("ta_sweep_example_no_such_file.csv");
    let e = read_ohlc(&path).unwrap_err();
    assert!(matches!(e.kind, CsvErrorKind::Io(_)), "{e:?}");
    assert_eq!(e.line, None);
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
}

#[test]
fn loader_reads_the_bundled_files() {
    for name in ["MSFT_bokeh.csv", "IBM_bokeh.csv"] {
        let ohlc = read_ohlc(&bundled_file(name)).unwrap();
        assert_eq!(
            (ohlc.high.len(), ohlc.low.len(), ohlc.bars()),
            (3270, 3270, 3270)
        );
        assert!(ohlc.high.iter().zip(&ohlc.low).all(|(h, l)| h >= l));
    }
}

/// An endless CSV stream: a header, then rows forever, with a bad value on row `bad_row`.
/// Panics if more than `limit` bytes are asked of it, so a loader that slurped its input
/// fails instead of hanging.
struct Endless {
    pending: Vec<u8>,
    row: usize,
    bad_row: usize,
    given: usize,
    limit: usize,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            let price = 100.0 + (self.row % 17) as f64 / 8.0;
            let close = if self.row == self.bad_row {
                "oops".to_string()
            } else {
                price.to_string()
            };
            self.pending = format!("{},{},{close},1000\n", price + 1.0, price - 1.0).into_bytes();
            self.row += 1;
        }
        let n = self.pending.len().min(buf.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.given += n;
        assert!(
            self.given <= self.limit,
            "the loader read {} bytes",
            self.given
        );
        Ok(n)
    }
}

#[test]
fn loader_streams_its_input_and_stops_at_the_first_error() {
    // 200,000 rows (4.6 MB) before the bad one, then data without end: only a loader that
    // streams returns, having read little past the bad row.
    let bad_row = 200_000;
    let header = b"high,low,close,volume\n".to_vec();
    let reader = std::io::Cursor::new(header).chain(Endless {
        pending: Vec::new(),
        row: 0,
        bad_row,
        given: 0,
        limit: 16 << 20,
    });
    let e = read_ohlc_from(reader, "endless.csv").unwrap_err();
    assert!(
        matches!(
            e.kind,
            CsvErrorKind::BadNumber {
                column: "close",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.line, Some(bad_row as u64 + 2));
    assert!(
        e.to_string()
            .starts_with("endless.csv:200002: column `close`"),
        "{e}"
    );
}

mod loader_properties {
    use super::*;
    use proptest::prelude::*;

    /// A table the loader must read: the needed columns in any order and case among others,
    /// values in any notation, and any of the accepted dress (BOM, CRLF, blank lines, quotes,
    /// a missing final line end).
    #[derive(Debug, Clone)]
    struct Table {
        /// Header names; `needed[k]` is the position of high, low, close.
        names: Vec<String>,
        needed: [usize; 3],
        /// Rows of (high, low, close) values and how each field is written.
        rows: Vec<[f64; 3]>,
        notation: Vec<[u8; 3]>,
        bom: bool,
        crlf: bool,
        /// Blank lines before the header and after each row.
        blank_before: usize,
        blank_after: Vec<u8>,
        final_newline: bool,
    }

    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => (-1_000_000i64..1_000_000).prop_map(|c| c as f64 / 100.0),
            2 => prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
            1 => Just(f64::NAN),
            1 => prop::sample::select(vec![f64::INFINITY, f64::NEG_INFINITY, f64::MAX, 5e-324]),
        ]
    }

    fn table() -> impl Strategy<Value = Table> {
        (
            0usize..3,
            prop::collection::vec((value(), value(), value(), any::<[u8; 3]>(), 0u8..3), 0..30),
            any::<(bool, bool, bool)>(),
            0usize..3,
            any::<prop::sample::Index>(),
            any::<[bool; 5]>(),
        )
            .prop_map(
                |(extra, rows, (bom, crlf, final_newline), blank_before, order, upper)| {
                    let mut names: Vec<String> = ["high", "low", "close", "volume", "time"]
                        [..3 + extra]
                        .iter()
                        .zip(upper)
                        .map(|(n, up)| if up { n.to_uppercase() } else { n.to_string() })
                        .collect();
                    // Rotate the header so the needed columns move around.
                    let shift = order.index(names.len());
                    names.rotate_left(shift);
                    let position = |name: &str| {
                        names
                            .iter()
                            .position(|n| n.eq_ignore_ascii_case(name))
                            .unwrap()
                    };
                    let needed = [position("high"), position("low"), position("close")];
                    Table {
                        needed,
                        rows: rows.iter().map(|r| [r.0, r.1, r.2]).collect(),
                        notation: rows.iter().map(|r| r.3).collect(),
                        blank_after: rows.iter().map(|r| r.4).collect(),
                        names,
                        bom,
                        crlf,
                        blank_before,
                        final_newline,
                    }
                },
            )
    }

    /// A value as a file may write it: shortest form, exponent form, quoted, padded, or, for
    /// NaN, empty or `nan` in any case.
    fn write_value(x: f64, notation: u8) -> String {
        if x.is_nan() {
            return ["", "nan", "NaN", "NAN", " nan "][usize::from(notation) % 5].to_string();
        }
        match notation % 4 {
            0 => format!("{x}"),
            1 => format!("{x:e}"),
            2 => format!("\"{x}\""),
            _ => format!(" {x} "),
        }
    }

    /// The file's bytes, and the line each row is on.
    fn write(table: &Table, corrupt: Option<(usize, usize, &[u8])>) -> (Vec<u8>, Vec<u64>) {
        let end: &[u8] = if table.crlf { b"\r\n" } else { b"\n" };
        let mut text = Vec::new();
        if table.bom {
            text.extend(b"\xEF\xBB\xBF");
        }
        let mut line = 1;
        for _ in 0..table.blank_before {
            text.extend(end);
            line += 1;
        }
        text.extend(table.names.join(",").as_bytes());
        let mut lines = Vec::new();
        for (r, row) in table.rows.iter().enumerate() {
            text.extend(end);
            line += 1;
            lines.push(line);
            let fields: Vec<Vec<u8>> = (0..table.names.len())
                .map(|c| match table.needed.iter().position(|&n| n == c) {
                    Some(k) => match corrupt {
                        Some((cr, ck, bad)) if cr == r && ck == k => bad.to_vec(),
                        _ => write_value(row[k], table.notation[r][k]).into_bytes(),
                    },
                    None => b"x".to_vec(),
                })
                .collect();
            text.extend(fields.join(&b","[..]));
            for _ in 0..table.blank_after[r] {
                text.extend(end);
                line += 1;
            }
        }
        if table.final_newline {
            text.extend(end);
        }
        (text, lines)
    }

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
    }

    proptest! {
        #![proptest_config(common::proptest_config(256))]

        /// Whatever the bytes, the loader returns prices or an error that names the file and a
        /// line of the input and quotes at most a short excerpt; and it reads the same
        /// however the bytes arrive.
        #[test]
        fn any_bytes_give_prices_or_an_error_naming_a_line_of_the_input(
            bytes in prop::collection::vec(
                prop_oneof![
                    6 => prop::sample::select(b"high,low,close\r\n\"\n1.5 nan-e9,,".to_vec()),
                    1 => any::<u8>(),
                ],
                0..300,
            ),
            head in prop::sample::select(vec![&b""[..], b"high,low,close\n", b"\xEF\xBB\xBFClose,LOW,high\r\n"]),
            piece in 1usize..8,
        ) {
            let data: Vec<u8> = head.iter().chain(&bytes).copied().collect();
            let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let whole = load(&data);
            let pieces = read_ohlc_from(Pieces::new(&data, piece), "test.csv");
            match (whole, pieces) {
                (Ok(a), Ok(b)) => {
                    prop_assert!(a.high.len() == a.bars() && a.low.len() == a.bars());
                    prop_assert!(same_bits(&a.high, &b.high) && same_bits(&a.low, &b.low) && same_bits(&a.close, &b.close));
                }
                (Err(a), Err(b)) => {
                    let message = a.to_string();
                    prop_assert_eq!(&message, &b.to_string());
                    let line = a.line.unwrap();
                    prop_assert!((1..=lines).contains(&line), "line {} of {}: {}", line, lines, message);
                    let prefix = format!("test.csv:{line}: ");
                    prop_assert!(message.starts_with(&prefix), "{}", message);
                    prop_assert!(message.len() < 300, "{}", message);
                }
                (a, b) => prop_assert!(false, "whole {:?}, in pieces {:?}", a, b),
            }
        }

        /// Any well-formed table, in any accepted dress, reads back bit for bit.
        #[test]
        fn any_well_formed_table_reads_back_bit_for_bit(table in table(), piece in 1usize..64) {
            let (text, _) = write(&table, None);
            let ohlc = read_ohlc_from(Pieces::new(&text, piece), "test.csv").unwrap();
            let column = |k: usize| table.rows.iter().map(|r| r[k]).collect::<Vec<_>>();
            prop_assert!(same_bits(&ohlc.high, &column(0)), "{:?}", ohlc.high);
            prop_assert!(same_bits(&ohlc.low, &column(1)), "{:?}", ohlc.low);
            prop_assert!(same_bits(&ohlc.close, &column(2)), "{:?}", ohlc.close);
        }

        /// One bad value anywhere (not a number, not UTF-8, a field missing from the row) is
        /// reported at its line and column; a missing column at the header's line.
        #[test]
        fn one_bad_value_is_reported_at_its_line_and_column(
            table in table().prop_filter("a row to spoil", |t| !t.rows.is_empty()),
            at in any::<prop::sample::Index>(),
            which in 0usize..3,
            bad in prop::sample::select(vec![&b"1.x5"[..], b"12,5", b"\xFF1", b"--1", b"1e", b"\"\"\"1\""]),
        ) {
            let row = at.index(table.rows.len());
            let (text, lines) = write(&table, Some((row, which, bad)));
            let e = load(&text).unwrap_err();
            let name = ["high", "low", "close"][which];
            prop_assert_eq!(e.line, Some(lines[row]), "{}", e);
            let message = e.to_string();
            let prefix = format!("test.csv:{}: ", lines[row]);
            prop_assert!(message.starts_with(&prefix), "{}", message);
            match &e.kind {
                CsvErrorKind::BadNumber { column, .. } | CsvErrorKind::NotUtf8 { column } => {
                    prop_assert_eq!(*column, name);
                    prop_assert!(message.contains(&format!("`{name}`")), "{}", message);
                }
                // A comma inside the value makes the row one field too long.
                CsvErrorKind::FieldCount { expected, found, column: None } => {
                    prop_assert!(bad.contains(&b','));
                    prop_assert_eq!(*found, *expected + 1);
                }
                other => prop_assert!(false, "{:?}", other),
            }

            // The same row cut short: the first missing column is named.
            let (text, lines) = write(&table, None);
            let header = table.names.join(",");
            let at = text.windows(header.len()).position(|w| w == header.as_bytes()).unwrap();
            let mut text = text;
            text.splice(at + header.len()..at + header.len(), *b",extra");
            let e = load(&text).unwrap_err();
            prop_assert_eq!(e.line, Some(lines[0]));
            prop_assert!(matches!(&e.kind, CsvErrorKind::FieldCount { column: Some(c), .. } if c == "extra"), "{:?}", e);

            // A needed column missing from the header.
            let mut missing = table.clone();
            let position = missing.needed[which];
            missing.names[position] = "other".into();
            let (text, _) = write(&missing, None);
            let e = load(&text).unwrap_err();
            prop_assert!(matches!(e.kind, CsvErrorKind::MissingColumn(c) if c == name), "{:?}", e);
            prop_assert_eq!(e.line, Some(1 + missing.blank_before as u64));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parameter lists
// ---------------------------------------------------------------------------------------------

#[test]
fn multiplier_ranges_are_exact() {
    let expected: Vec<f64> = (20..=40).map(|k| k as f64 / 10.0).collect();
    let got = parse_multipliers("2.0..=4.0:0.1").unwrap();
    assert_eq!(got.len(), 21);
    assert!(same(&got, &expected));
    assert!(same(&got, &fraction_range(20..=40, 10)));
    assert_eq!(got[3].to_bits(), 2.3f64.to_bits());
    // The same values however the bounds are written.
    assert!(same(&parse_multipliers("2..=4:0.10").unwrap(), &expected));
    assert!(same(
        &parse_multipliers("2.0..=3.0:0.5").unwrap(),
        &[2.0, 2.5, 3.0]
    ));
    // The end is included only when a step lands on it.
    assert!(same(
        &parse_multipliers("1..=2:0.3").unwrap(),
        &[1.0, 1.3, 1.6, 1.9]
    ));
    assert!(same(
        &parse_multipliers("0.25..=0.75:0.25").unwrap(),
        &[0.25, 0.5, 0.75]
    ));
}

#[test]
fn multiplier_lists_parse_each_value_as_rust_does() {
    assert!(same(
        &parse_multipliers("2,2.5,3").unwrap(),
        &[2.0, 2.5, 3.0]
    ));
    assert!(same(
        &parse_multipliers(" 0.1 , 3e0,2.3").unwrap(),
        &[0.1, 3.0, 2.3]
    ));
    // Mixed with a range.
    assert!(same(
        &parse_multipliers("1,2.0..=2.2:0.1").unwrap(),
        &[1.0, 2.0, 2.1, 2.2]
    ));
    // Negative values parse; the library rejects them with its own message.
    assert!(same(&parse_multipliers("-1").unwrap(), &[-1.0]));
}

#[test]
fn periods_parse_as_lists_and_ranges() {
    assert_eq!(
        parse_periods("4..=19").unwrap(),
        (4..=19).collect::<Vec<_>>()
    );
    assert_eq!(parse_periods("5,10,20").unwrap(), [5, 10, 20]);
    assert_eq!(parse_periods("4..=20:4").unwrap(), [4, 8, 12, 16, 20]);
    assert_eq!(parse_periods("3, 7..=9").unwrap(), [3, 7, 8, 9]);
    assert_eq!(parse_periods("7").unwrap(), [7]);
    // 0 parses; the library rejects it with its own message.
    assert_eq!(parse_periods("0").unwrap(), [0]);
}

#[test]
fn malformed_lists_are_errors_that_quote_the_item() {
    for bad in [
        "",
        "4,",
        "4,,5",
        "4..19",
        "4..=x",
        "x",
        "-1",
        "2.5",
        "9..=4",
        "4..=9:0",
        "1..=1000000000",
    ] {
        let e = parse_periods(bad).expect_err(bad);
        assert!(e.to_string().contains('`'), "{bad}: {e}");
    }
    for bad in [
        "2.0..=4.0",
        "2..=4:0",
        "2..=4:-0.1",
        "4..=2:0.1",
        "1e0..=2:0.1",
        "2..=4:0.0000000000000001",
        "0..=1:0.00001",
        "abc",
        "2..4",
    ] {
        let e = parse_multipliers(bad).expect_err(bad);
        assert!(e.to_string().contains('`'), "{bad}: {e}");
    }
    assert!(parse_multipliers("2.0..=4.0")
        .unwrap_err()
        .to_string()
        .contains("needs a step"));
    assert!(parse_periods(&"1,".repeat(MAX_VALUES + 1)[..2 * MAX_VALUES + 1]).is_err());
}

#[test]
fn parsed_lists_make_the_tutorial_grid() {
    let grid = supertrend::grid(
        &parse_periods("4..=19").unwrap(),
        &parse_multipliers("2.0..=4.0:0.1").unwrap(),
    )
    .unwrap();
    assert_eq!(grid, supertrend::tutorial_grid());
}

// ---------------------------------------------------------------------------------------------
// Synthetic prices
// ---------------------------------------------------------------------------------------------

#[test]
fn random_walks_are_deterministic_positive_and_consistent() {
    let spec: SyntheticSpec = "3:5000".parse().unwrap();
    assert_eq!(
        spec,
        SyntheticSpec {
            symbols: 3,
            bars: 5000
        }
    );
    let walks = spec.generate().unwrap();
    let again = spec.generate().unwrap();
    assert_eq!(walks.len(), 3);
    for (walk, other) in walks.iter().zip(&again) {
        assert_eq!(walk.bars(), 5000);
        assert!(same(&walk.close, &other.close) && same(&walk.high, &other.high));
        let mut bars = walk.close.iter().zip(&walk.high).zip(&walk.low);
        assert!(bars.all(|((&c, &h), &l)| l > 0.0 && l <= c && c <= h));
    }
    assert!(!same(&walks[0].close, &walks[1].close));
    // A shorter walk is a prefix of a longer one.
    assert!(same(
        &random_walk(1, 100).unwrap().close,
        &walks[1].close[..100]
    ));
    for bad in ["0:10", "2", "2:x", ":", "-1:5"] {
        assert!(bad.parse::<SyntheticSpec>().is_err(), "{bad}");
    }
}
