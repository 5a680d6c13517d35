//! Backtests a whole SuperTrend grid over several symbols without materialising it: every
//! (period, multiplier, symbol) through long-only signals, a simulation with fees and its
//! metrics, in one pass per column.
//!
//! With no arguments, backtests the tutorial grid (periods 4..=19 x multipliers 2.0..=4.0
//! step 0.1, 336 combinations) on the bundled daily MSFT and IBM prices, prints the best
//! combinations per symbol and writes a heatmap of the Sharpe ratio over period x multiplier,
//! one panel per symbol, to `heatmap_sharpe.svg`.
//!
//! ```text
//! cargo run --release --example backtest -- [OPTIONS]
//!
//!   --csv PATH           a price file, one symbol per file; repeat for more symbols. Needs a
//!                        header with high, low and close columns (any case; others ignored);
//!                        an empty field or `nan` is a missing bar. Replaces the bundled data.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each, instead of files
//!   --periods LIST       ATR periods, e.g. `5,10,20`, `4..=19` or `4..=20:2` [default: 4..=19]
//!   --multipliers LIST   band multipliers, e.g. `2,2.5,3` or `2.0..=4.0:0.1`
//!                        [default: 2.0..=4.0:0.1]
//!   --variant NAME       the SuperTrend definition: vectorbt, tradingview or talib
//!                        [default: vectorbt]
//!   --fees F             proportional fees per order [default: 0.001]
//!   --freq FREQ          the bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W`
//!                        (a year is 365 days) [default: 1D]
//!   --threads N          worker threads [default: the number of physical cores]
//!   --out PATH           write the metrics as CSV, one row per column in sweep order
//!   --heatmap PATH       where to write the heatmap [default: heatmap_sharpe.svg]
//!   --repeat N           run the backtest N times and report the fastest and median time
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median and, on Linux, peak_extra_bytes
//! ```
//!
//! For example, the tutorial workload:
//! `cargo run --release --example backtest -- --synthetic 2:17544 --freq 1h --repeat 20 --json`.

mod common;

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;
use ta_sweep::{Backtest, BacktestConfig, BacktestOutput, ColumnMetrics, ParamGrid, Variant};

use common::cli::{exit_code, named_prices};
use common::freq::parse_freq;
use common::heatmap::{write_heatmap, Panel};
use common::list::{parse_multipliers, parse_periods};
use common::ohlc::{read_ohlc, Ohlc};
use common::synthetic::SyntheticSpec;

/// How many combinations per symbol the summary lists.
const BEST_SHOWN: usize = 5;

/// Backtests a SuperTrend grid over several symbols. With no arguments: the tutorial grid over
/// the bundled daily MSFT and IBM prices.
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
    /// Proportional fees per order.
    #[arg(
        long,
        value_name = "F",
        default_value = "0.001",
        allow_hyphen_values = true
    )]
    fees: f64,
    /// The bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W`.
    #[arg(long, value_name = "FREQ", default_value = "1D", value_parser = parse_freq)]
    freq: Duration,
    /// Worker threads [default: the number of physical cores].
    #[arg(long, value_name = "N")]
    threads: Option<NonZeroUsize>,
    /// Write the metrics of every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Where to write the heatmap of the Sharpe ratio.
    #[arg(long, value_name = "PATH", default_value = "heatmap_sharpe.svg")]
    heatmap: PathBuf,
    /// Run the backtest N times; report the fastest and the median time.
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
    let config = BacktestConfig::default()
        .with_fees(args.fees)?
        .with_bar_interval(args.freq)?;
    let threads = args
        .threads
        .map_or_else(num_cpus::get_physical, NonZeroUsize::get);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let backtest = Backtest::new(&prices, &grid, config)
        .variant(args.variant)
        .pool(&pool);
    let columns = grid.len() * prices.symbols();

    writeln!(stdout, "SuperTrend backtest ({} definition)", args.variant)?;
    writeln!(
        stdout,
        "  prices:       {} bars x {} symbols ({})",
        prices.bars(),
        names.len(),
        names.join(", ")
    )?;
    writeln!(
        stdout,
        "  grid:         {} periods x {} multipliers = {} combinations, {columns} columns",
        args.periods.len(),
        args.multipliers.len(),
        grid.len()
    )?;
    writeln!(
        stdout,
        "  costs:        fees {}, initial cash {}, {} bars a year (bars of {:?})",
        config.fees(),
        config.init_cash(),
        config.annualisation(),
        args.freq
    )?;
    writeln!(stdout, "  threads:      {}", pool.current_num_threads())?;

    let memory = PeakMemory::start();
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..args.repeat.get() {
        drop(out.take());
        let start = Instant::now();
        out = Some(backtest.run()?);
        times.push(start.elapsed());
    }
    let peak_extra_bytes = memory.and_then(PeakMemory::extra_bytes);
    let out = out.ok_or("the backtest did not run")?;
    times.sort();
    let (fastest, median) = (times[0], median(&times));
    if times.len() == 1 {
        writeln!(stdout, "  time:         {:.3} ms", ms(fastest))?;
    } else {
        writeln!(
            stdout,
            "  time:         {:.3} ms fastest, {:.3} ms median of {} runs",
            ms(fastest),
            ms(median),
            times.len()
        )?;
    }

    print_best(&mut stdout, &out, &names)?;
    let panels: Vec<Panel> = names
        .iter()
        .enumerate()
        .map(|(symbol, name)| Panel {
            title: name.clone(),
            values: out
                .columns
                .keys()
                .zip(&out.metrics)
                .filter(|(key, _)| key.symbol == symbol)
                .map(|(_, m)| m.sharpe)
                .collect(),
        })
        .collect();
    let title = format!(
        "Sharpe ratio of long-only SuperTrend, fees {}, {} bars a year",
        config.fees(),
        config.annualisation()
    );
    write_heatmap(
        &args.heatmap,
        &title,
        "Sharpe",
        &args.periods,
        &args.multipliers,
        &panels,
    )
    .map_err(|e| format!("{}: {e}", args.heatmap.display()))?;
    writeln!(stdout, "wrote the heatmap to {}", args.heatmap.display())?;
    if let Some(path) = &args.out {
        write_csv(path, &out, &names).map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(
            stdout,
            "wrote the metrics of every column to {}",
            path.display()
        )?;
    }
    if args.json {
        let mut line = json!({
            "bars": prices.bars(),
            "symbols": prices.symbols(),
            "columns": columns,
            "threads": pool.current_num_threads(),
            "runs": times.len(),
            "ms_min": ms(fastest),
            "ms_median": ms(median),
        });
        if let Some(bytes) = peak_extra_bytes {
            line["peak_extra_bytes"] = json!(bytes);
        }
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// The symbols' names and prices: the `--csv` files (named by their stem), the `--synthetic`
/// walks (`S0`, `S1`, ...) or the bundled data.
fn load(args: &Args) -> Result<(Vec<String>, Vec<Ohlc>), Box<dyn Error>> {
    if let Some(spec) = args.synthetic {
        let data = spec.generate().map_err(|e| {
            format!(
                "{} symbols x {} bars do not fit in memory: {e}",
                spec.symbols, spec.bars
            )
        })?;
        let names = (0..spec.symbols).map(|s| format!("S{s}")).collect();
        return Ok((names, data));
    }
    let paths: Vec<PathBuf> = if args.csv.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
        ["MSFT_bokeh.csv", "IBM_bokeh.csv"]
            .map(|file| dir.join(file))
            .into()
    } else {
        args.csv.clone()
    };
    let mut names = Vec::with_capacity(paths.len());
    let mut data = Vec::with_capacity(paths.len());
    for path in paths {
        data.push(read_ohlc(&path)?);
        let stem = path.file_stem().unwrap_or(path.as_os_str());
        names.push(stem.to_string_lossy().into_owned());
    }
    Ok((names, data))
}

/// Per symbol, the combinations with the highest Sharpe ratio among those that traded.
fn print_best(
    stdout: &mut impl Write,
    out: &BacktestOutput,
    names: &[String],
) -> Result<(), Box<dyn Error>> {
    writeln!(
        stdout,
        "Best combinations per symbol (by Sharpe ratio; columns that never traded left out):"
    )?;
    for (symbol, name) in names.iter().enumerate() {
        let mut rows: Vec<(usize, f64, &ColumnMetrics)> = out
            .columns
            .keys()
            .zip(&out.metrics)
            .filter(|(key, m)| key.symbol == symbol && m.sharpe.is_finite())
            .map(|(key, m)| (key.period, key.multiplier, m))
            .collect();
        rows.sort_by(|a, b| b.2.sharpe.total_cmp(&a.2.sharpe));
        writeln!(stdout, "  {name}")?;
        if rows.is_empty() {
            writeln!(stdout, "    no combination traded")?;
        }
        for (period, multiplier, m) in rows.into_iter().take(BEST_SHOWN) {
            writeln!(
                stdout,
                "    period {period:>3}, multiplier {multiplier:<5}  Sharpe {:>6.3}  return \
                 {:>8.2} %  max drawdown {:>7.2} %  trades {:>4}",
                m.sharpe,
                100.0 * m.total_return,
                100.0 * m.max_drawdown,
                m.trades
            )?;
        }
    }
    Ok(())
}

/// Writes one row per column, in sweep order. `{}` prints the shortest text that reads back
/// as the same `f64`, `NaN` and `inf`.
fn write_csv(path: &Path, out: &BacktestOutput, names: &[String]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(
        w,
        "period,multiplier,symbol,sharpe,total_return,max_drawdown,trades,closed_trades"
    )?;
    for (key, m) in out.columns.keys().zip(&out.metrics) {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{}",
            key.period,
            key.multiplier,
            names[key.symbol],
            m.sharpe,
            m.total_return,
            m.max_drawdown,
            m.trades,
            m.closed_trades
        )?;
    }
    w.flush()
}

/// The peak of resident memory during the runs, over what was resident before them, from
/// Linux's `/proc/self` (page-granular; resetting the peak needs Linux 4.0).
struct PeakMemory {
    before: u64,
}

impl PeakMemory {
    fn start() -> Option<Self> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        Some(PeakMemory {
            before: status_bytes("VmRSS")?,
        })
    }

    fn extra_bytes(self) -> Option<u64> {
        Some(status_bytes("VmHWM")?.saturating_sub(self.before))
    }
}

/// A `kB` field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
