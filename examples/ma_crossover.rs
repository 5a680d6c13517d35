//! The dual moving-average crossover of vectorbt's README, swept over every (fast, slow) pair
//! of windows and backtested without materialising a single average.
//!
//! With no arguments: windows 2..=100, every pair with fast < slow (4,851 combinations) over
//! the bundled daily MSFT and IBM closes. Entries where the fast average crosses above the slow
//! one, exits where it crosses below; all cash per order at the close, fees 0.001, daily bars.
//! Prints the best combinations per symbol and writes a heatmap of the total return over
//! fast x slow, one panel per symbol, to `heatmap_total_return.svg`. The numbers equal
//! vectorbt 1.2.0's bit for bit (`tests/data/golden-strategies/`).
//!
//! ```text
//! cargo run --release --example ma_crossover -- [OPTIONS]
//!
//!   --csv PATH           a price file, one symbol per file (named by its stem); repeat for more
//!                        symbols. Needs a header with a close column (any case; others, high
//!                        and low included, ignored); an empty field or `nan` is a missing bar.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each (S0, S1, ...)
//!   --windows LIST       the windows, values and ranges: `2..=100`, `2,5,10..=20:5`; sorted,
//!                        every pair fast < slow is swept [default: 2..=100]
//!   --ma KIND            simple or exponential [default: simple]
//!   --fees F             proportional fees per order [default: 0.001]
//!   --freq FREQ          the bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W`
//!                        (a year is 365 days) [default: 1D]
//!   --threads N          worker threads, at most 256 [default: the physical cores]
//!   --out PATH           write the metrics as CSV, one row per column in sweep order, header
//!                        fast,slow,symbol,sharpe,total_return,max_drawdown,trades,closed_trades
//!   --heatmap PATH       where to write the heatmap [default: heatmap_total_return.svg]
//!   --repeat N           run the backtest N times (at most 1000), report fastest and median
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median and, on Linux, peak_extra_bytes
//! ```
//!
//! Prices, threads and the grid are bounded before any work (`common/bounds.rs`). For example:
//! `cargo run --release --example ma_crossover -- --synthetic 2:17544 --freq 1h --json`.

mod common;

use std::error::Error;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ta_sweep::{Backtest, Grid, MaCrossover};

use common::args::{CostArgs, DataArgs, MaCrossoverArgs, RunArgs};
use common::backtests::{finish, print_best, print_setup, save_heatmap};
use common::cli::exit_code;
use common::heatmap::{check_size, panels, Axis, Heatmap};
use common::load::Series;
use common::report::{abridged, counted, repeat};

/// Backtests the dual moving-average crossover over every (fast, slow) pair of windows. With no
/// arguments: windows 2..=100 over the bundled daily MSFT and IBM closes.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    crossover: MaCrossoverArgs,
    #[command(flatten)]
    costs: CostArgs,
    /// Write the metrics of every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Where to write the heatmap of the total return.
    #[arg(long, value_name = "PATH", default_value = "heatmap_total_return.svg")]
    heatmap: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> ExitCode {
    exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let config = args.costs.config()?;
    let windows = args.crossover.sorted_windows()?;
    let grid = Grid::combinations(&["fast", "slow"], &windows)?;
    let columns = args.data.check_backtest(grid.len())?;
    let pool = args.run.pool()?;
    let symbols = args.data.load(Series::Close)?;
    let (names, prices) = (&symbols.names, symbols.prices()?);

    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "Dual moving-average crossover ({} averages)",
        args.crossover.ma
    )?;
    let threads = pool.current_num_threads();
    let grid_text = format!(
        "{} ({}): {} with fast < slow",
        counted(windows.len(), "window"),
        abridged(&windows),
        counted(grid.len(), "pair")
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
    // Fast across, slow up: the lower triangle (slow <= fast) stays empty.
    let (fast, slow) = (&windows[..windows.len() - 1], &windows[1..]);
    let heatmap = check_size(fast.len(), slow.len());
    if let Err(why) = &heatmap {
        writeln!(stdout, "  heatmap:      none: {why}")?;
    }

    let backtest =
        Backtest::new(MaCrossover::new(args.crossover.ma), &prices, &grid, config).pool(&pool);
    let (out, runs) = repeat(args.run.repeat, || backtest.run())?;
    writeln!(stdout, "  time:         {}", runs.describe())?;

    print_best(&mut stdout, &out, names, |&(f, s)| {
        format!("fast {f:>3}, slow {s:>3}")
    })?;
    if heatmap.is_ok() {
        let map = Heatmap {
            title: format!(
                "Total return of the {} MA crossover, fees {}",
                args.crossover.ma,
                config.fees()
            ),
            measure: "total return".into(),
            undefined: "undefined".into(),
            x: Axis::new("fast window", fast),
            y: Axis::new("slow window", slow),
        };
        // The windows are sorted and distinct: a window's position is found by bisection.
        let at = |w: &usize| windows.binary_search(w).expect("a window of the grid");
        let cells = out.columns.keys().zip(&out.metrics).map(|(key, m)| {
            let (f, s) = key.params;
            (key.symbol, at(&f), at(&s) - 1, m.total_return)
        });
        let panels = panels(names, fast.len(), slow.len(), cells);
        save_heatmap(&mut stdout, &args.heatmap, &map, &panels, names.len())?;
    }
    let json = args
        .run
        .json
        .then(|| runs.json_with_peak(prices.bars(), prices.symbols(), columns, threads));
    let params = |&(fast, slow): &(usize, usize)| format!("{fast},{slow}");
    finish(
        &mut stdout,
        args.out.as_deref(),
        "fast,slow",
        &out,
        names,
        params,
        json,
    )
}
