//! The examples' bounds. Every argument that makes prices, threads, runs or grids is checked
//! against these before any work starts, so that a slip such as `--synthetic 1:3000000000` or
//! `--threads 100000` is answered with a message in milliseconds instead of a hang or an
//! out-of-memory abort.
//!
//! - `--threads`: at most [`max_threads`], `--repeat`: at most [`MAX_REPEAT`], when the command
//!   line is parsed; lists, at most 100,000 values (`list.rs`).
//! - `--synthetic S:N`: the prices, `S * (N * 24 + 256)` bytes, within [`memory_limit`], before
//!   anything is generated.
//! - A backtest's grid: [`BACKTEST_BYTES_PER_COLUMN`] per column, with the generated prices,
//!   within [`memory_limit`], before any price is read or generated (the backtest itself keeps
//!   one row of metrics per column and a few columns of scratch per worker).
//! - A sweep's grid: the library's own count of its outputs (`Sweep::output_bytes`, plus its
//!   bookkeeping per column), with the generated prices, within [`memory_limit`] before anything
//!   is generated; for files, the library's guard refuses the outputs once the bars are known
//!   (`Sweep::run` checks the same limit before it allocates).

use ta_sweep::OutputSpec;

use super::args::DataArgs;
use super::report::{counted, gib, thousands};

/// The most worker threads `--threads` accepts on a machine with fewer logical CPUs: several
/// times the cores of most machines, and few enough that the pool starts in a fraction of a
/// second even on two cores (1,024 idle workers took 2 to 4 s there).
pub const MAX_THREADS: usize = 256;

/// The most worker threads `--threads` accepts: [`MAX_THREADS`], or the logical CPUs where
/// there are more.
pub fn max_threads() -> usize {
    MAX_THREADS.max(num_cpus::get())
}

/// The most runs `--repeat` accepts.
pub const MAX_REPEAT: usize = 1000;

/// Bytes per bar and symbol of generated prices: high, low and close.
pub const PRICE_BYTES_PER_BAR: u128 = 24;

/// Bytes per symbol besides its bars, rounded up: the three series' headers and allocations,
/// the library's view of them and the symbol's name.
pub const SYMBOL_BYTES: u128 = 256;

/// Bytes a sweep counts per column besides its outputs, as the library does: 24 per output of
/// the schema and 32 (128 for SuperTrend).
pub fn sweep_bookkeeping_bytes(outputs: usize) -> u128 {
    32 + 24 * outputs as u128
}

/// Bytes per column of a backtest, rounded up: its metrics (40 bytes) in a worker's chunk and
/// again in the result, and what the example derives from them (its heatmap cell, the
/// ranking).
pub const BACKTEST_BYTES_PER_COLUMN: u128 = 256;

/// The memory limit where the machine's memory cannot be read (the library's fallback).
const FALLBACK_MEMORY_LIMIT: u128 = 8 << 30;

/// The memory the examples allow themselves: the library's default limit for a sweep, half the
/// machine's physical memory where it can be read (Linux `/proc/meminfo`), 8 GiB elsewhere.
pub fn memory_limit() -> u128 {
    physical_memory_bytes().map_or(FALLBACK_MEMORY_LIMIT, |bytes| bytes / 2)
}

fn physical_memory_bytes() -> Option<u128> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u128 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `bytes` of `what`, or an error saying by how much they exceed the memory limit.
fn within_limit(bytes: u128, what: impl FnOnce() -> String) -> Result<(), String> {
    let limit = memory_limit();
    if bytes <= limit {
        return Ok(());
    }
    Err(format!(
        "{} would take {} bytes ({:.2} GiB), over the memory limit of {} bytes ({:.2} GiB, half \
         the machine's memory)",
        what(),
        thousands(bytes),
        gib(bytes),
        thousands(limit),
        gib(limit)
    ))
}

/// The bytes of `symbols` generated series of `bars` bars.
pub fn price_bytes(symbols: usize, bars: usize) -> u128 {
    (bars as u128)
        .saturating_mul(PRICE_BYTES_PER_BAR)
        .saturating_add(SYMBOL_BYTES)
        .saturating_mul(symbols as u128)
}

/// Whether `symbols` generated series of `bars` bars fit in memory.
pub fn check_prices(symbols: usize, bars: usize) -> Result<u128, String> {
    let bytes = price_bytes(symbols, bars);
    within_limit(bytes, || {
        format!(
            "--synthetic {symbols}:{bars}: the prices of {} x {}",
            counted(symbols, "symbol"),
            counted(bars, "bar")
        )
    })?;
    Ok(bytes)
}

/// The number of columns of a backtest of `combinations` over `symbols`, if their results and
/// `prices` bytes of generated prices fit in memory.
pub fn check_backtest(combinations: usize, symbols: usize, prices: u128) -> Result<usize, String> {
    let columns = (combinations as u128).saturating_mul(symbols as u128);
    let results = columns.saturating_mul(BACKTEST_BYTES_PER_COLUMN);
    within_limit(results.saturating_add(prices), || {
        format!(
            "{} x {} = {} columns: their backtest results ({BACKTEST_BYTES_PER_COLUMN} bytes \
             each){}",
            counted(combinations, "combination"),
            counted(symbols, "symbol"),
            thousands(columns),
            with_prices(prices)
        )
    })?;
    // Within the limit, so far below `usize::MAX`.
    Ok(columns as usize)
}

/// Whether a sweep of `combinations` over `symbols` of `bars` bars, computing `outputs`, fits in
/// memory with `prices` bytes of generated prices: the library's own count.
pub fn check_sweep(
    outputs: &[OutputSpec],
    combinations: usize,
    symbols: usize,
    bars: usize,
    prices: u128,
) -> Result<(), String> {
    let columns = (combinations as u128).saturating_mul(symbols as u128);
    let per_bar: u128 = outputs.iter().map(|o| o.dtype().size() as u128).sum();
    let bytes = (bars as u128)
        .saturating_mul(columns)
        .saturating_mul(per_bar)
        .saturating_add(columns.saturating_mul(sweep_bookkeeping_bytes(outputs.len())))
        .saturating_add(prices);
    within_limit(bytes, || {
        format!(
            "{} x {} = {} columns of {}: the sweep's outputs ({per_bar} bytes per bar and \
             column){}",
            counted(combinations, "combination"),
            counted(symbols, "symbol"),
            thousands(columns),
            counted(bars, "bar"),
            with_prices(prices)
        )
    })
}

fn with_prices(prices: u128) -> String {
    match prices {
        0 => String::new(),
        bytes => format!(" and the generated prices ({} bytes)", thousands(bytes)),
    }
}

impl DataArgs {
    /// The bytes of the `--synthetic` prices, checked; 0 for files, which are read as they
    /// come rather than generated.
    pub fn check_prices(&self) -> Result<u128, String> {
        self.synthetic
            .map_or(Ok(0), |spec| check_prices(spec.symbols, spec.bars))
    }

    /// The columns of a backtest of `combinations`, once its results and the prices fit.
    pub fn check_backtest(&self, combinations: usize) -> Result<usize, String> {
        check_backtest(combinations, self.symbols(), self.check_prices()?)
    }

    /// Whether a sweep of `combinations` computing `outputs` fits with generated prices; the
    /// bars of files are not known before they are read, and the library's guard counts their
    /// sweep before anything is allocated.
    pub fn check_sweep(&self, outputs: &[OutputSpec], combinations: usize) -> Result<(), String> {
        let prices = self.check_prices()?;
        match self.synthetic {
            Some(spec) => check_sweep(outputs, combinations, spec.symbols, spec.bars, prices),
            None => Ok(()),
        }
    }
}

/// A whole number from 1 to `max` on the command line (`what` names it in errors).
pub fn parse_count(text: &str, max: usize, what: &str) -> Result<usize, String> {
    let n: u128 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number of {what}"))?;
    match n {
        0 => Err(format!(
            "at least 1 {} is needed",
            what.trim_end_matches('s')
        )),
        n if n > max as u128 => Err(format!("{n} {what}: at most {max} are allowed")),
        n => Ok(n as usize),
    }
}

/// `--threads`: 1 to [`max_threads`].
pub fn parse_threads(text: &str) -> Result<usize, String> {
    parse_count(text, max_threads(), "threads")
        .map_err(|e| format!("{e} (this machine has {} logical CPUs)", num_cpus::get()))
}

/// `--repeat`: 1 to [`MAX_REPEAT`].
pub fn parse_repeat(text: &str) -> Result<usize, String> {
    parse_count(text, MAX_REPEAT, "runs")
}
