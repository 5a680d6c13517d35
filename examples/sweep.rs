//! SuperTrend over a whole parameter grid and several symbols at once.
//!
//! With no arguments, sweeps the tutorial grid (periods 4..=19 x multipliers 2.0..=4.0 step
//! 0.1, 336 combinations) over the bundled daily MSFT and IBM prices, and reports what was
//! computed, how long it took and, per symbol, the combinations whose direction changed most
//! and least often.
//!
//! ```text
//! cargo run --release --example sweep -- [OPTIONS]
//!
//!   --csv PATH           a price file, one symbol per file; repeat for more symbols. Needs a
//!                        header with high, low and close columns (any case; others ignored);
//!                        an empty field or `nan` is a missing bar. Replaces the bundled data.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each, instead of files
//!   --periods LIST       ATR periods, e.g. `5,10,20`, `4..=19` or `4..=20:2` [default: 4..=19]
//!   --multipliers LIST   band multipliers, e.g. `2,2.5,3` or `2.0..=4.0:0.1` (a range needs a
//!                        step and is exact: 2.3 is the double nearest 2.3)
//!                        [default: 2.0..=4.0:0.1]
//!   --variant NAME       the SuperTrend definition: vectorbt, tradingview or talib
//!                        [default: vectorbt]
//!   --threads N          worker threads [default: the number of physical cores]
//!   --out PATH           write every column to a CSV file: one row per bar, one column per
//!                        output and sweep column, labelled like `supert_p7_m3_c0`
//!   --repeat N           run the sweep N times and report the fastest and median time
//!                        [default: 1]
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median (sweep time only) and output_bytes
//! ```
//!
//! For example:
//! `cargo run --release --example sweep -- --synthetic 2:17544 --repeat 5 --json`.

mod common;

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use ndarray::Array2;
use serde_json::json;
use ta_sweep::{ColumnKey, Output, ParamGrid, Sweep, SweepOutput, Variant};

use common::cli::{exit_code, named_prices};
use common::list::{parse_multipliers, parse_periods};
use common::ohlc::{read_ohlc, Ohlc};
use common::synthetic::SyntheticSpec;

/// SuperTrend over a parameter grid and several symbols. With no arguments: the tutorial grid
/// over the bundled daily MSFT and IBM prices.
#[derive(Debug, Parser)]
struct Args {
    /// A price file (one symbol per file; repeatable) with high, low and close columns.
    #[arg(long = "csv", value_name = "PATH", conflicts_with = "synthetic")]
    csv: Vec<PathBuf>,
    /// S seeded random-walk symbols of N bars each, instead of files.
    #[arg(long, value_name = "S:N")]
    synthetic: Option<SyntheticSpec>,
    /// ATR periods: `5,10,20`, `4..=19` or `4..=20:2`.
    // A fully qualified `Vec` keeps clap from reading the option as repeatable: one value
    // holds the whole list. Hyphen values let `--multipliers=-1` reach the library's check.
    #[arg(long, value_name = "LIST", default_value = "4..=19")]
    #[arg(value_parser = parse_periods, allow_hyphen_values = true)]
    periods: ::std::vec::Vec<usize>,
    /// Band multipliers: `2,2.5,3` or `2.0..=4.0:0.1` (a range needs a step, and is exact).
    #[arg(long, value_name = "LIST", default_value = "2.0..=4.0:0.1")]
    #[arg(value_parser = parse_multipliers, allow_hyphen_values = true)]
    multipliers: ::std::vec::Vec<f64>,
    /// The SuperTrend definition: vectorbt, tradingview or talib.
    #[arg(long, value_name = "NAME", default_value = "vectorbt")]
    variant: Variant,
    /// Worker threads [default: the number of physical cores].
    #[arg(long, value_name = "N")]
    threads: Option<NonZeroUsize>,
    /// Write every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Run the sweep N times; report the fastest and the median time.
    #[arg(long, value_name = "N", default_value = "1")]
    repeat: NonZeroUsize,
    /// End with one JSON line of the sizes and times.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let mut stdout = io::stdout().lock();
    let (names, data) = load(args)?;
    let prices = named_prices(&names, &data)?;
    let grid = ParamGrid::product(&args.periods, &args.multipliers)?;
    let threads = args
        .threads
        .map_or_else(num_cpus::get_physical, NonZeroUsize::get);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let sweep = Sweep::new(&prices, &grid).pool(&pool).variant(args.variant);
    let columns = sweep.columns()?.len();
    let output_bytes = sweep.output_bytes();

    writeln!(stdout, "SuperTrend sweep ({} definition)", args.variant)?;
    writeln!(
        stdout,
        "  prices:       {} x {} ({})",
        counted(prices.bars(), "bar"),
        counted(names.len(), "symbol"),
        abridged(&names)
    )?;
    writeln!(
        stdout,
        "  grid:         {} ({}) x {} ({}) = {}",
        counted(args.periods.len(), "period"),
        abridged(&args.periods),
        counted(args.multipliers.len(), "multiplier"),
        abridged(&args.multipliers),
        counted(grid.len(), "combination")
    )?;
    writeln!(
        stdout,
        "  columns:      {} (combinations x symbols)",
        thousands(columns)
    )?;
    writeln!(stdout, "  threads:      {}", pool.current_num_threads())?;
    writeln!(
        stdout,
        "  outputs:      supert, superd, superl, supers: {} bytes ({:.1} MiB)",
        thousands(output_bytes),
        output_bytes as f64 / (1u64 << 20) as f64
    )?;

    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..args.repeat.get() {
        // Free the previous result first, so that repeats need no more memory than one run.
        drop(out.take());
        let start = Instant::now();
        out = Some(sweep.run()?);
        times.push(start.elapsed());
    }
    let out = out.ok_or("the sweep did not run")?;
    times.sort();
    let (fastest, median) = (times[0], median(&times));
    if times.len() == 1 {
        writeln!(stdout, "  sweep time:   {:.3} ms", ms(fastest))?;
    } else {
        writeln!(
            stdout,
            "  sweep time:   {:.3} ms fastest, {:.3} ms median of {} runs",
            ms(fastest),
            ms(median),
            times.len()
        )?;
    }

    print_flip_summary(&mut stdout, &out, &names)?;
    if let Some(path) = &args.out {
        write_csv(path, &out).map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(stdout, "wrote every column to {}", path.display())?;
    }
    if args.json {
        let line = json!({
            "bars": prices.bars(),
            "symbols": prices.symbols(),
            "columns": columns,
            "threads": pool.current_num_threads(),
            "runs": times.len(),
            "ms_min": ms(fastest),
            "ms_median": ms(median),
            "output_bytes": u64::try_from(output_bytes)?,
        });
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// The symbols' names and prices: the `--csv` files, the `--synthetic` walks or the bundled
/// data.
fn load(args: &Args) -> Result<(Vec<String>, Vec<Ohlc>), Box<dyn Error>> {
    if let Some(spec) = args.synthetic {
        let data = spec.generate().map_err(|e| {
            format!(
                "{} symbols x {} bars do not fit in memory: {e}",
                spec.symbols, spec.bars
            )
        })?;
        let names = (0..spec.symbols)
            .map(|s| format!("random walk {s}"))
            .collect();
        return Ok((names, data));
    }
    let files: Vec<(String, PathBuf)> = if args.csv.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
        ["MSFT", "IBM"]
            .map(|symbol| (symbol.to_owned(), dir.join(format!("{symbol}_bokeh.csv"))))
            .into()
    } else {
        args.csv
            .iter()
            .map(|path| {
                let stem = path.file_stem().unwrap_or(path.as_os_str());
                (stem.to_string_lossy().into_owned(), path.clone())
            })
            .collect()
    };
    let mut names = Vec::with_capacity(files.len());
    let mut data = Vec::with_capacity(files.len());
    for (name, path) in files {
        data.push(read_ohlc(&path)?);
        names.push(name);
    }
    Ok((names, data))
}

/// Per symbol, the combinations whose direction changed most and least often: a quick look at
/// how the parameters trade responsiveness against noise.
fn print_flip_summary(
    stdout: &mut impl Write,
    out: &SweepOutput,
    names: &[String],
) -> Result<(), Box<dyn Error>> {
    let superd = out
        .superd
        .as_ref()
        .ok_or("the sweep computed no directions")?;
    // Per symbol, (fewest, most) as (flips, column key); the first column wins a tie.
    let mut extremes = vec![None::<((usize, ColumnKey), (usize, ColumnKey))>; names.len()];
    for (j, key) in out.columns.keys().enumerate() {
        let column = superd.column(j);
        let flips = column
            .iter()
            .zip(column.iter().skip(1))
            .filter(|(a, b)| a != b)
            .count();
        let (fewest, most) = extremes[key.symbol].get_or_insert(((flips, key), (flips, key)));
        if flips < fewest.0 {
            *fewest = (flips, key);
        }
        if flips > most.0 {
            *most = (flips, key);
        }
    }
    writeln!(
        stdout,
        "Direction changes per symbol (flips of superd over all bars):"
    )?;
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let label = |key: ColumnKey| format!("period {}, multiplier {}", key.period, key.multiplier);
    for (name, extreme) in names.iter().zip(extremes) {
        if let Some(((fewest, least), (most, busiest))) = extreme {
            writeln!(
                stdout,
                "  {name:width$}  most {most:>4} ({}), fewest {fewest:>4} ({})",
                label(busiest),
                label(least)
            )?;
        }
    }
    Ok(())
}

/// Writes every computed output as CSV: a header of `{output}_{column key}` labels, then one
/// row per bar. `{}` prints the shortest text that reads back as the same `f64`, and `NaN`.
fn write_csv(path: &Path, out: &SweepOutput) -> io::Result<()> {
    enum Matrix<'a> {
        F64(&'a Array2<f64>),
        I8(&'a Array2<i8>),
    }
    let matrices: Vec<(Output, Matrix)> = [
        (Output::Supert, out.supert.as_ref().map(Matrix::F64)),
        (Output::Superd, out.superd.as_ref().map(Matrix::I8)),
        (Output::Superl, out.superl.as_ref().map(Matrix::F64)),
        (Output::Supers, out.supers.as_ref().map(Matrix::F64)),
    ]
    .into_iter()
    .filter_map(|(output, matrix)| Some((output, matrix?)))
    .collect();

    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut sep = "";
    for (output, _) in &matrices {
        for key in out.columns.keys() {
            write!(w, "{sep}{output}_{key}")?;
            sep = ",";
        }
    }
    for bar in 0..out.bars {
        writeln!(w)?;
        let mut sep = "";
        for (_, matrix) in &matrices {
            match matrix {
                Matrix::F64(m) => {
                    for x in m.row(bar) {
                        write!(w, "{sep}{x}")?;
                        sep = ",";
                    }
                }
                Matrix::I8(m) => {
                    for x in m.row(bar) {
                        write!(w, "{sep}{x}")?;
                        sep = ",";
                    }
                }
            }
        }
    }
    writeln!(w)?;
    w.flush()
}

/// Milliseconds, as the double nearest to the exact decimal (`as_secs_f64() * 1e3` is not).
fn ms(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1e6
}

/// The median of sorted durations (the mean of the middle two for an even count).
fn median(sorted: &[Duration]) -> Duration {
    let mid = sorted.len() / 2;
    match sorted.len() % 2 {
        0 => (sorted[mid - 1] + sorted[mid]) / 2,
        _ => sorted[mid],
    }
}

/// A list short enough for one line: `4, 5, ..., 19`.
fn abridged<T: ToString>(values: &[T]) -> String {
    let text: Vec<String> = match values {
        [first, second, .., last] if values.len() > 4 => {
            vec![
                first.to_string(),
                second.to_string(),
                "...".into(),
                last.to_string(),
            ]
        }
        _ => values.iter().map(T::to_string).collect(),
    };
    text.join(", ")
}

/// `3 periods`, `1 period`, `3,270 bars`.
fn counted(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", thousands(n))
}

/// `1234567` as `1,234,567`.
fn thousands(n: impl ToString) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}
