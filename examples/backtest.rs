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
//!   --csv PATH           a price file, one symbol per file (named by its stem); repeat for more
//!                        symbols. Needs a header with high, low and close columns (any case;
//!                        others ignored); an empty field or `nan` is a missing bar.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each (S0, S1, ...)
//!   --periods LIST       ATR periods, e.g. `5,10,20`, `4..=19` or `4..=20:2` [default: 4..=19]
//!   --multipliers LIST   band multipliers, e.g. `2,2.5,3` or `2.0..=4.0:0.1`
//!                        [default: 2.0..=4.0:0.1]
//!   --variant NAME       vectorbt, tradingview or talib [default: vectorbt]
//!   --fees F             proportional fees per order [default: 0.001]
//!   --freq FREQ          the bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W`
//!                        (a year is 365 days) [default: 1D]
//!   --threads N          worker threads, at most 256 [default: the physical cores]
//!   --out PATH           write the metrics as CSV, one row per column in sweep order
//!   --heatmap PATH       where to write the heatmap [default: heatmap_sharpe.svg]
//!   --repeat N           run the backtest N times (at most 1000), report fastest and median
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median and, on Linux, peak_extra_bytes
//! ```
//!
//! Prices, threads and the grid are bounded before any work (`common/bounds.rs`). For example,
//! the tutorial workload:
//! `cargo run --release --example backtest -- --synthetic 2:17544 --freq 1h --repeat 20 --json`.

mod common;

use std::error::Error;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ta_sweep::{Backtest, SuperTrend};

use common::args::{CostArgs, DataArgs, RunArgs, SuperTrendArgs};
use common::backtests::{finish, print_best, print_setup, save_heatmap};
use common::cli::exit_code;
use common::heatmap::{check_size, panels, Axis, Heatmap};
use common::load::Series;
use common::report::{counted, repeat};

/// Backtests a SuperTrend grid over several symbols. With no arguments: the tutorial grid over
/// the bundled daily MSFT and IBM prices.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    grid: SuperTrendArgs,
    #[command(flatten)]
    costs: CostArgs,
    /// Write the metrics of every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Where to write the heatmap of the Sharpe ratio.
    #[arg(long, value_name = "PATH", default_value = "heatmap_sharpe.svg")]
    heatmap: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> ExitCode {
    exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let config = args.costs.config()?;
    let grid = args.grid.grid()?;
    let columns = args.data.check_backtest(grid.len())?;
    let pool = args.run.pool()?;
    let symbols = args.data.load(Series::HighLowClose)?;
    let (names, prices) = (&symbols.names, symbols.prices()?);
    let (periods, multipliers) = (&args.grid.periods, &args.grid.multipliers);

    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "SuperTrend backtest ({} definition)",
        args.grid.variant
    )?;
    let threads = pool.current_num_threads();
    let grid_text = format!(
        "{} x {} = {}",
        counted(periods.len(), "period"),
        counted(multipliers.len(), "multiplier"),
        counted(grid.len(), "combination")
    );
    print_setup(
        &mut stdout,
        names,
        &prices,
        &grid_text,
        columns,
        &config,
        args.costs.freq,
        threads,
    )?;
    let heatmap = check_size(multipliers.len(), periods.len());
    if let Err(why) = &heatmap {
        writeln!(stdout, "  heatmap:      none: {why}")?;
    }

    let strategy = SuperTrend::new(args.grid.variant);
    let backtest = Backtest::new(strategy, &prices, &grid, config).pool(&pool);
    let (out, runs) = repeat(args.run.repeat, || backtest.run())?;
    writeln!(stdout, "  time:         {}", runs.describe())?;

    print_best(&mut stdout, &out, names, |&(period, multiplier)| {
        format!("period {period:>3}, multiplier {multiplier:<5}")
    })?;
    if heatmap.is_ok() {
        let map = Heatmap {
            title: format!(
                "Sharpe ratio of long-only SuperTrend, fees {}, {} bars a year",
                config.fees(),
                config.annualisation()
            ),
            measure: "Sharpe".into(),
            undefined: "no trade".into(),
            x: Axis::new("multiplier", multipliers),
            y: Axis::new("period", periods),
        };
        // Product order: period slowest, then multiplier, then symbol.
        let (nm, ns) = (multipliers.len(), names.len());
        let cells = out.metrics.iter().enumerate().map(|(j, m)| {
            let row = j / ns;
            (j % ns, row % nm, row / nm, m.sharpe)
        });
        let panels = panels(names, map.x.len(), map.y.len(), cells);
        save_heatmap(&mut stdout, &args.heatmap, &map, &panels, ns)?;
    }
    let json = args
        .run
        .json
        .then(|| runs.json_with_peak(prices.bars(), prices.symbols(), columns, threads));
    let params = |&(p, m): &(usize, f64)| format!("{p},{m}");
    finish(
        &mut stdout,
        args.out.as_deref(),
        "period,multiplier",
        &out,
        names,
        params,
        json,
    )
}
