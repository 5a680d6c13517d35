//! An indicator the crate does not ship, swept and backtested like a built-in one: Wilder's
//! RSI (`custom_indicator/rsi.rs`, written only against the public `Indicator` trait), over a
//! grid of periods, with a threshold rule: buy while the RSI is below `--lower`, sell while it
//! is above `--upper`.
//!
//! With no arguments: periods 2..=50 over the bundled daily MSFT and IBM closes, levels 30 and
//! 70. Prints the best periods per symbol, then replays the best column of the first symbol
//! bar by bar with `ta_sweep::backtest::trace`.
//!
//! ```text
//! cargo run --release --example custom_indicator -- [OPTIONS]
//!
//!   --csv PATH           a price file with a close column, one symbol per file; repeatable
//!   --synthetic S:N      S seeded random-walk symbols of N bars each (S0, S1, ...)
//!   --periods LIST       RSI periods, e.g. `14`, `2..=50` or `5..=30:5` [default: 2..=50]
//!   --lower L            enter while the RSI is below L [default: 30]
//!   --upper U            exit while the RSI is above U [default: 70]
//!   --fees F, --freq FREQ, --threads N, --repeat N, --json   as in the other examples
//!   --out PATH           write the metrics as CSV: period,symbol,sharpe,total_return,...
//! ```

mod common;
#[path = "custom_indicator/rsi.rs"]
mod rsi;

use std::error::Error;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ta_sweep::backtest::{trace, Level, Threshold};
use ta_sweep::{Backtest, Grid, Prices, Side};

use common::args::{CostArgs, DataArgs, RunArgs};
use common::backtests::{finish, print_best, print_setup};
use common::cli::exit_code;
use common::list::parse_periods;
use common::load::Series;
use common::report::{abridged, counted, repeat};
use rsi::Rsi;

/// Sweeps and backtests a user-written RSI over a grid of periods.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// RSI periods: `14`, `2..=50` or `5..=30:5`.
    #[arg(long, value_name = "LIST", default_value = "2..=50", value_parser = parse_periods)]
    periods: ::std::vec::Vec<usize>,
    /// Enter while the RSI is below this level (0 to 100).
    #[arg(
        long,
        value_name = "L",
        default_value = "30",
        allow_hyphen_values = true
    )]
    lower: f64,
    /// Exit while the RSI is above this level (0 to 100, above --lower).
    #[arg(
        long,
        value_name = "U",
        default_value = "70",
        allow_hyphen_values = true
    )]
    upper: f64,
    #[command(flatten)]
    costs: CostArgs,
    /// Write the metrics of every column to this CSV file.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
}

fn main() -> ExitCode {
    exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    let config = args.costs.config()?;
    if !(0.0 <= args.lower && args.lower < args.upper && args.upper <= 100.0) {
        let (l, u) = (args.lower, args.upper);
        return Err(format!("--lower {l} --upper {u}: need 0 <= lower < upper <= 100").into());
    }
    let grid = Grid::axis(&["period"], &args.periods)?;
    let columns = args.data.check_backtest(grid.len())?;
    let pool = args.run.pool()?;
    let symbols = args.data.load(Series::Close)?;
    let (names, prices) = (&symbols.names, symbols.prices()?);

    let mut stdout = io::stdout().lock();
    let (lower, upper) = (args.lower, args.upper);
    writeln!(
        stdout,
        "RSI threshold backtest: buy below {lower}, sell above {upper}"
    )?;
    let threads = pool.current_num_threads();
    let grid_text = format!(
        "{} ({})",
        counted(grid.len(), "period"),
        abridged(&args.periods)
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

    let rule = Threshold::new("rsi", Level::Below(lower), Level::Above(upper));
    let backtest = Backtest::new((Rsi, rule), &prices, &grid, config).pool(&pool);
    let (out, runs) = repeat(args.run.repeat, || backtest.run())?;
    writeln!(stdout, "  time:         {}", runs.describe())?;
    print_best(&mut stdout, &out, names, |period| {
        format!("period {period:>3}")
    })?;

    // The best column of the first symbol, bar by bar.
    let best = out
        .columns
        .keys()
        .zip(&out.metrics)
        .filter(|(key, m)| key.symbol == 0 && m.sharpe.is_finite())
        .max_by(|a, b| {
            a.1.sharpe
                .total_cmp(&b.1.sharpe)
                .then(b.0.params.cmp(&a.0.params))
        });
    if let Some((key, metrics)) = best {
        let one = Prices::from_close_series([&symbols.data[0].close[..]])?;
        let bars = trace(backtest.strategy(), &one, key.params, &config)?;
        let orders = bars.orders.iter().flatten();
        let buys = orders.clone().filter(|o| o.side == Side::Buy).count();
        let last_rsi = bars.get::<f64>("rsi").and_then(|r| r.last().copied());
        writeln!(
            stdout,
            "Period {} on {}, bar by bar: {}, {}, last RSI {:.1}; the same metrics as the \
             sweep: {}",
            key.params,
            names[0],
            counted(buys, "buy"),
            counted(orders.count() - buys, "sell"),
            last_rsi.unwrap_or(f64::NAN),
            bars.metrics == *metrics
        )?;
    }
    let json = args
        .run
        .json
        .then(|| runs.json_with_peak(prices.bars(), prices.symbols(), columns, threads));
    let params = |p: &usize| p.to_string();
    finish(
        &mut stdout,
        args.out.as_deref(),
        "period",
        &out,
        names,
        params,
        json,
    )
}
