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
//!   --csv PATH           a price file, one symbol per file (named by its stem); repeat for more
//!                        symbols. Needs a header with high, low and close columns (any case;
//!                        others ignored); an empty field or `nan` is a missing bar.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each, instead of files
//!   --periods LIST       ATR periods, e.g. `5,10,20`, `4..=19` or `4..=20:2` [default: 4..=19]
//!   --multipliers LIST   band multipliers, e.g. `2,2.5,3` or `2.0..=4.0:0.1` (a range needs a
//!                        step and is exact) [default: 2.0..=4.0:0.1]
//!   --variant NAME       vectorbt, tradingview or talib [default: vectorbt]
//!   --threads N          worker threads, at most 256 [default: the physical cores]
//!   --out PATH           write every column to a CSV file: one row per bar, one column per
//!                        output and sweep column, labelled like `supert_p7_m3_c0`
//!   --repeat N           run the sweep N times (at most 1000), report the fastest and median
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median (sweep time only) and output_bytes
//! ```
//!
//! Prices, threads and the grid are bounded before any work (`common/bounds.rs`): outputs over
//! the memory limit (half the machine's memory) are refused before anything is generated or,
//! for files, by the library's guard before anything is allocated. For example:
//! `cargo run --release --example sweep -- --synthetic 2:17544 --repeat 5 --json`.

mod common;

use std::error::Error;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ta_sweep::{ColumnKey, Indicator, SuperTrend, Sweep, SweepOutput};

use common::args::{DataArgs, RunArgs, SuperTrendArgs};
use common::cli::exit_code;
use common::load::Series;
use common::outputs::write_outputs_csv;
use common::report::{abridged, counted, repeat, thousands};

/// SuperTrend over a parameter grid and several symbols. With no arguments: the tutorial grid
/// over the bundled daily MSFT and IBM prices.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    grid: SuperTrendArgs,
    /// Write every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> ExitCode {
    exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let grid = args.grid.grid()?;
    let indicator = SuperTrend::new(args.grid.variant);
    args.data.check_sweep(indicator.outputs(), grid.len())?;
    let pool = args.run.pool()?;
    let symbols = args.data.load(Series::HighLowClose)?;
    let prices = symbols.prices()?;
    let sweep = Sweep::new(indicator, &prices, &grid).pool(&pool);
    let columns = sweep.columns()?.len();
    let output_bytes = sweep.output_bytes()?;

    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "SuperTrend sweep ({} definition)",
        args.grid.variant
    )?;
    writeln!(
        stdout,
        "  prices:       {} x {} ({})",
        counted(prices.bars(), "bar"),
        counted(symbols.names.len(), "symbol"),
        abridged(&symbols.names)
    )?;
    let (periods, multipliers) = (&args.grid.periods, &args.grid.multipliers);
    writeln!(
        stdout,
        "  grid:         {} ({}) x {} ({}) = {}, {}",
        counted(periods.len(), "period"),
        abridged(periods),
        counted(multipliers.len(), "multiplier"),
        abridged(multipliers),
        counted(grid.len(), "combination"),
        counted(columns, "column")
    )?;
    writeln!(stdout, "  threads:      {}", pool.current_num_threads())?;
    writeln!(
        stdout,
        "  outputs:      supert, superd, superl, supers: {} bytes ({:.1} MiB)",
        thousands(output_bytes),
        output_bytes as f64 / (1u64 << 20) as f64
    )?;

    // `run` checks the outputs against the memory limit before it allocates them.
    let (out, runs) = repeat(args.run.repeat, || sweep.run())?;
    writeln!(stdout, "  sweep time:   {}", runs.describe())?;
    print_flip_summary(&mut stdout, &out, &symbols.names)?;
    if let Some(path) = &args.out {
        write_outputs_csv(path, &out).map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(stdout, "wrote every column to {}", path.display())?;
    }
    if args.run.json {
        let threads = pool.current_num_threads();
        let mut line = runs.json(prices.bars(), prices.symbols(), columns, threads);
        line["output_bytes"] = u64::try_from(output_bytes)?.into();
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// Per symbol, the combinations whose direction changed most and least often: a quick look at
/// how the parameters trade responsiveness against noise.
fn print_flip_summary(
    w: &mut impl Write,
    out: &SweepOutput<SuperTrend>,
    names: &[String],
) -> Result<(), Box<dyn Error>> {
    let superd = out.superd().ok_or("the sweep computed no directions")?;
    type Extreme = (usize, ColumnKey<(usize, f64)>);
    // Per symbol, (fewest, most) as (flips, column key); the first column wins a tie.
    let mut extremes = vec![None::<(Extreme, Extreme)>; names.len()];
    for (j, key) in out.columns.keys().enumerate() {
        let column = superd.column(j);
        let flips = column
            .windows(2)
            .into_iter()
            .filter(|w| w[0] != w[1])
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
        w,
        "Direction changes per symbol (flips of superd over all bars):"
    )?;
    let width = names.iter().map(String::len).max().unwrap_or(0);
    let label = |(_, key): Extreme| format!("period {}, multiplier {}", key.params.0, key.params.1);
    for (name, extreme) in names.iter().zip(extremes) {
        if let Some((fewest, most)) = extreme {
            writeln!(
                w,
                "  {name:width$}  most {:>4} ({}), fewest {:>4} ({})",
                most.0,
                label(most),
                fewest.0,
                label(fewest)
            )?;
        }
    }
    Ok(())
}
