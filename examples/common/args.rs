//! The command-line arguments the examples share, each group flattened into an example's own
//! `Args` with `#[command(flatten)]`, and what they build: the thread pool, the backtest costs,
//! the SuperTrend grid. Their bounds are in [`bounds`](super::bounds).

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use rayon::ThreadPool;
use ta_sweep::{supertrend, BacktestConfig, Grid, Indicator, Ma, MaKind, Variant};

use super::bounds::{max_threads, parse_repeat, parse_threads};
use super::freq::parse_freq;
use super::list::{parse_multipliers, parse_periods, parse_windows};
use super::report::abridged;
use super::synthetic::SyntheticSpec;

/// Where the prices come from: files, random walks, or by default the bundled daily MSFT and
/// IBM prices.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// A price file, one symbol per file, named by the file's stem; repeat for more symbols.
    /// Replaces the bundled MSFT and IBM data.
    #[arg(long = "csv", value_name = "PATH", conflicts_with = "synthetic")]
    pub csv: Vec<PathBuf>,
    /// S seeded random-walk symbols of N bars each (named S0, S1, ...), instead of files.
    #[arg(long, value_name = "S:N")]
    pub synthetic: Option<SyntheticSpec>,
}

/// How the work runs and is reported.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Worker threads, at most 256 (or the logical CPUs, if more) [default: the physical
    /// cores].
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Run N times (at most 1000) and report the fastest and the median time.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_repeat)]
    pub repeat: usize,
    /// End with one JSON line of the sizes and times.
    #[arg(long)]
    pub json: bool,
}

impl RunArgs {
    /// A pool of `--threads` workers, or one per physical core.
    pub fn pool(&self) -> Result<ThreadPool, Box<dyn Error>> {
        let threads = self
            .threads
            .unwrap_or_else(|| num_cpus::get_physical().clamp(1, max_threads()));
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?)
    }
}

/// A backtest's costs and annualisation.
#[derive(Debug, Clone, Args)]
pub struct CostArgs {
    /// Proportional fees per order: 0.001 is 0.1 %.
    #[arg(
        long,
        value_name = "F",
        default_value = "0.001",
        allow_hyphen_values = true
    )]
    pub fees: f64,
    /// The bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W` (a year is 365
    /// days).
    #[arg(long, value_name = "FREQ", default_value = "1D", value_parser = parse_freq)]
    pub freq: Duration,
}

impl CostArgs {
    /// The fees, an initial cash of 100 and the bars a year of the interval.
    pub fn config(&self) -> Result<BacktestConfig, ta_sweep::Error> {
        BacktestConfig::default()
            .with_fees(self.fees)?
            .with_bar_interval(self.freq)
    }
}

/// A SuperTrend grid: periods x multipliers, and the definition.
#[derive(Debug, Clone, Args)]
pub struct SuperTrendArgs {
    /// ATR periods: `5,10,20`, `4..=19` or `4..=20:2`.
    // A fully qualified `Vec` keeps clap from reading the option as repeatable: one value
    // holds the whole list. Hyphen values let `--multipliers=-1` reach the library's check.
    #[arg(long, value_name = "LIST", default_value = "4..=19")]
    #[arg(value_parser = parse_periods, allow_hyphen_values = true)]
    pub periods: ::std::vec::Vec<usize>,
    /// Band multipliers: `2,2.5,3` or `2.0..=4.0:0.1` (a range needs a step, and is exact:
    /// 2.3 is the double nearest 2.3).
    #[arg(long, value_name = "LIST", default_value = "2.0..=4.0:0.1")]
    #[arg(value_parser = parse_multipliers, allow_hyphen_values = true)]
    pub multipliers: ::std::vec::Vec<f64>,
    /// The SuperTrend definition: vectorbt, tradingview or talib.
    #[arg(long, value_name = "NAME", default_value = "vectorbt")]
    pub variant: Variant,
}

impl SuperTrendArgs {
    /// Periods x multipliers, checked by the library.
    pub fn grid(&self) -> Result<Grid<(usize, f64)>, ta_sweep::Error> {
        supertrend::grid(&self.periods, &self.multipliers)
    }
}

/// The grid arguments of a dual moving-average crossover.
#[derive(Debug, Args)]
pub struct MaCrossoverArgs {
    /// The windows: values and ranges such as `2..=100` or `2,5,10..=20:5`. They are sorted,
    /// and every pair fast < slow is a column.
    #[arg(long, value_name = "LIST", default_value = "2..=100", value_parser = parse_windows)]
    pub windows: ::std::vec::Vec<usize>,
    /// The moving average: simple or exponential.
    #[arg(long, value_name = "KIND", default_value = "simple")]
    pub ma: MaKind,
}

impl MaCrossoverArgs {
    /// The windows in ascending order, so that fast < slow in every pair, each checked by the
    /// library (a window of 0 is an error) before any price is read.
    pub fn sorted_windows(&self) -> Result<Vec<usize>, Box<dyn Error>> {
        let mut sorted = self.windows.clone();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("--windows: the window {} is listed twice", pair[0]).into());
        }
        if sorted.len() < 2 {
            return Err(format!(
                "--windows {}: a crossover needs two windows, fast < slow; give at least two, \
                 as in 2..=100",
                abridged(&self.windows)
            )
            .into());
        }
        let ma = Ma::new(self.ma);
        for window in &sorted {
            ma.check(window)?;
        }
        Ok(sorted)
    }
}
