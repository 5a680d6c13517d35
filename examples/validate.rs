//! Is the sweep's winner real? Validates a whole strategy grid over several symbols with the
//! Deflated Sharpe Ratio, the Probability of Backtest Overfitting by combinatorially symmetric
//! cross-validation (CSCV) and walk-forward optimisation (`docs/VALIDATION.md`), all from one
//! fused pass over the columns: no bars x columns matrix of returns.
//!
//! With no arguments, validates the tutorial SuperTrend grid (periods 4..=19 x multipliers
//! 2.0..=4.0 step 0.1, 336 combinations) on the bundled daily MSFT and IBM prices, fees 0.001,
//! with 16 CSCV blocks and walk-forward splits of 756 training and 252 test bars every 252 bars:
//! the parameters of the golden files `tests/data/golden-validation/`, whose values it
//! reproduces. Prints per symbol the best combination, its Deflated Sharpe Ratio with a verdict,
//! the PBO, the walk-forward splits and their chained out-of-sample result; draws the
//! distribution of the CSCV logits to `pbo_logits.svg` and the CSCV winners' in-sample against
//! out-of-sample Sharpe ratio to `pbo_degradation.svg`.
//!
//! ```text
//! cargo run --release --example validate -- [OPTIONS]
//!
//!   --strategy NAME      supertrend or ma-crossover [default: supertrend]
//!   --csv PATH           a price file, one symbol per file (named by its stem); repeat for more
//!                        symbols. Needs a header with high, low and close columns (any case;
//!                        others ignored; ma-crossover needs only close); an empty field or
//!                        `nan` is a missing bar.
//!   --synthetic S:N      S seeded random-walk symbols of N bars each (S0, S1, ...)
//!   --periods LIST       supertrend: ATR periods, e.g. `5,10,20`, `4..=19` or `4..=20:2`
//!                        [default: 4..=19]
//!   --multipliers LIST   supertrend: band multipliers, e.g. `2,2.5,3` or `2.0..=4.0:0.1`
//!                        [default: 2.0..=4.0:0.1]
//!   --variant NAME       supertrend: vectorbt, tradingview or talib [default: vectorbt]
//!   --windows LIST       ma-crossover: the windows, values and ranges: `2..=100`,
//!                        `2,5,10..=20:5`; sorted, every pair fast < slow [default: 2..=100]
//!   --ma KIND            ma-crossover: simple or exponential [default: simple]
//!   --fees F             proportional fees per order [default: 0.001]
//!   --freq FREQ          the bar interval, for the annualisation: `1h`, `1D`, `15min`, `1W`
//!                        (a year is 365 days) [default: 1D]
//!   --blocks S           CSCV blocks: even, from 2 to 24, at most the bars [default: 16]
//!   --train N            walk-forward training window, in bars (at least 2) [default: 756]
//!   --test N             walk-forward test window, in bars (at least 2) [default: 252]
//!   --step N             bars between the starts of walk-forward splits [default: 252]
//!   --out-dir DIR        write dsr.csv, pbo.csv, pbo_logits_<symbol>.csv, walk_forward.csv and
//!                        walk_forward_summary.csv there (created if missing)
//!   --logits-svg PATH    where to draw the CSCV logits [default: pbo_logits.svg]
//!   --degradation-svg PATH
//!                        where to draw the CSCV winners' in-sample vs out-of-sample Sharpe
//!                        ratios [default: pbo_degradation.svg]
//!   --threads N          worker threads, at most 256 [default: the physical cores]
//!   --repeat N           run the validation N times (at most 1000), report fastest and median
//!   --json               end with one JSON line: bars, symbols, columns, threads, runs,
//!                        ms_min, ms_median and, on Linux, peak_extra_bytes (of the whole
//!                        validation)
//! ```
//!
//! The CSV files have the headers, column order and formats of the golden files (their
//! README): floats in shortest round-trip text (`NaN`, `inf`, `88.0`), integers plain, `-1`
//! for no selected combination. For ma-crossover, `fast, slow` replace `period, multiplier`.
//!
//! Prices, threads, grid, blocks, windows, the validation's memory and the output paths are
//! checked before any work (`common/bounds.rs`, `common/validation.rs`). For example:
//! `cargo run --release --example validate -- --strategy ma-crossover --windows 5..=50:5
//! --synthetic 4:5000 --blocks 10 --train 1000 --test 500 --step 500 --out-dir validation`.

mod common;

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use ta_sweep::backtest::Params;
use ta_sweep::validation::{Split, Validation, ValidationReport, WalkForward};
use ta_sweep::{Backtest, BacktestConfig, Grid, MaCrossover, Row, Strategy, SuperTrend};

use common::args::{CostArgs, DataArgs, MaCrossoverArgs, RunArgs, SuperTrendArgs};
use common::backtests::print_setup;
use common::cli::exit_code;
use common::heatmap::MAX_PANELS;
use common::load::Series;
use common::report::{abridged, counted, repeat, thousands};
use common::validation::{
    check_output_path, check_validation, parse_blocks, parse_step, parse_window, point_stride,
    write_degradation_svg, write_logits_svg, CscvPanel,
};

/// Validates a strategy grid: Deflated Sharpe Ratio, PBO by CSCV, walk-forward. With no
/// arguments: the tutorial SuperTrend grid over the bundled daily MSFT and IBM prices.
#[derive(Debug, Parser)]
struct Args {
    /// The strategy whose grid is validated.
    #[arg(long, value_name = "NAME", value_enum, default_value = "supertrend")]
    strategy: StrategyName,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    supertrend: SuperTrendArgs,
    #[command(flatten)]
    crossover: MaCrossoverArgs,
    #[command(flatten)]
    costs: CostArgs,
    /// CSCV blocks S: even, from 2 to 24 (C(S, S/2) combinations per symbol).
    #[arg(long, value_name = "S", default_value = "16", value_parser = parse_blocks)]
    blocks: usize,
    /// Walk-forward training window, in bars.
    #[arg(long, value_name = "N", default_value = "756", value_parser = parse_window)]
    train: usize,
    /// Walk-forward test window, in bars.
    #[arg(long, value_name = "N", default_value = "252", value_parser = parse_window)]
    test: usize,
    /// Bars between the starts of consecutive walk-forward splits.
    #[arg(long, value_name = "N", default_value = "252", value_parser = parse_step)]
    step: usize,
    /// Write dsr.csv, pbo.csv, pbo_logits_<symbol>.csv, walk_forward.csv and
    /// walk_forward_summary.csv to this directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Where to draw the distribution of the CSCV logits.
    #[arg(long, value_name = "PATH", default_value = "pbo_logits.svg")]
    logits_svg: PathBuf,
    /// Where to draw the CSCV winners' in-sample against out-of-sample Sharpe ratios.
    #[arg(long, value_name = "PATH", default_value = "pbo_degradation.svg")]
    degradation_svg: PathBuf,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StrategyName {
    /// Long-only SuperTrend over periods x multipliers.
    Supertrend,
    /// The dual moving-average crossover over every pair of windows fast < slow.
    MaCrossover,
}

impl fmt::Display for StrategyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no variant is skipped");
        f.write_str(value.get_name())
    }
}

fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    exit_code(run(&args, &matches))
}

/// How a strategy's grid rows are written: the CSV header of its two parameters, a row as
/// CSV fields, and a row for people.
struct Naming<P> {
    header: &'static str,
    csv: fn(&P) -> String,
    describe: fn(&P) -> String,
}

/// What is validated, as the setup describes it.
struct Study<P> {
    title: String,
    grid_text: String,
    series: Series,
    naming: Naming<P>,
}

fn run(args: &Args, matches: &ArgMatches) -> Result<(), Box<dyn Error>> {
    check_strategy_arguments(args, matches)?;
    let config = args.costs.config()?;
    match args.strategy {
        StrategyName::Supertrend => {
            let grid = args.supertrend.grid()?;
            let (periods, multipliers) = (&args.supertrend.periods, &args.supertrend.multipliers);
            let study = Study {
                title: format!(
                    "the SuperTrend grid ({} definition)",
                    args.supertrend.variant
                ),
                grid_text: format!(
                    "{} x {} = {}",
                    counted(periods.len(), "period"),
                    counted(multipliers.len(), "multiplier"),
                    counted(grid.len(), "combination")
                ),
                series: Series::HighLowClose,
                naming: Naming {
                    header: "period,multiplier",
                    csv: |&(p, m)| format!("{p},{m:?}"),
                    describe: |&(p, m)| format!("period {p:>3}, multiplier {m:?}"),
                },
            };
            let strategy = SuperTrend::new(args.supertrend.variant);
            validate(args, config, strategy, &grid, &study)
        }
        StrategyName::MaCrossover => {
            let windows = args.crossover.sorted_windows()?;
            let grid = Grid::combinations(&["fast", "slow"], &windows)?;
            let study = Study {
                title: format!(
                    "the dual moving-average crossover ({} averages)",
                    args.crossover.ma
                ),
                grid_text: format!(
                    "{} ({}): {} with fast < slow",
                    counted(windows.len(), "window"),
                    abridged(&windows),
                    counted(grid.len(), "pair")
                ),
                series: Series::Close,
                naming: Naming {
                    header: "fast,slow",
                    csv: |&(f, s)| format!("{f},{s}"),
                    describe: |&(f, s)| format!("fast {f:>3}, slow {s:>3}"),
                },
            };
            validate(
                args,
                config,
                MaCrossover::new(args.crossover.ma),
                &grid,
                &study,
            )
        }
    }
}

/// The grid arguments of the other strategy, if given, are an error rather than ignored.
fn check_strategy_arguments(args: &Args, matches: &ArgMatches) -> Result<(), String> {
    let (others, owner): (&[&str], StrategyName) = match args.strategy {
        StrategyName::Supertrend => (&["windows", "ma"], StrategyName::MaCrossover),
        StrategyName::MaCrossover => (
            &["periods", "multipliers", "variant"],
            StrategyName::Supertrend,
        ),
    };
    match others
        .iter()
        .find(|id| matches.value_source(id) == Some(ValueSource::CommandLine))
    {
        Some(id) => Err(format!(
            "--{id} is an argument of --strategy {owner}; this run validates --strategy {}",
            args.strategy
        )),
        None => Ok(()),
    }
}

/// The validation's shape once the bars are known, checked: blocks, splits, memory.
struct Plan {
    block_len: usize,
    combinations: usize,
    splits: Vec<Split>,
}

/// `C(n, k)` for the small `n` of CSCV blocks.
fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1, |c, i| c * (n - i) / (i + 1))
}

fn plan(
    args: &Args,
    bars: usize,
    symbols: usize,
    columns: usize,
    prices: u128,
) -> Result<Plan, String> {
    let blocks = args.blocks;
    if blocks > bars {
        return Err(format!(
            "--blocks {blocks}: {blocks} CSCV blocks need at least {blocks} bars, and the \
             prices have {}",
            counted(bars, "bar")
        ));
    }
    let splits = WalkForward::new(args.train, args.test, args.step)
        .splits(bars)
        .map_err(|_| {
            format!(
                "--train {} --test {}: a walk-forward split takes {} bars, and the prices have \
                 {}; give shorter windows",
                args.train,
                args.test,
                thousands(args.train as u128 + args.test as u128),
                thousands(bars)
            )
        })?;
    let combinations = binomial(blocks, blocks / 2);
    check_validation(columns, symbols, blocks, combinations, splits.len(), prices)?;
    Ok(Plan {
        block_len: bars / blocks,
        combinations,
        splits,
    })
}

fn validate<S: Strategy>(
    args: &Args,
    config: BacktestConfig,
    strategy: S,
    grid: &Grid<Params<S>>,
    study: &Study<Params<S>>,
) -> Result<(), Box<dyn Error>> {
    // Everything that can be checked before the prices are read or generated.
    let columns = args.data.check_backtest(grid.len())?;
    let price_bytes = args.data.check_prices()?;
    if let Some(spec) = args.data.synthetic {
        plan(args, spec.bars, spec.symbols, columns, price_bytes)?;
    }
    check_output_path("--logits-svg", &args.logits_svg)?;
    check_output_path("--degradation-svg", &args.degradation_svg)?;
    if args.logits_svg == args.degradation_svg {
        return Err(format!(
            "--logits-svg and --degradation-svg are the same file, {}",
            args.logits_svg.display()
        )
        .into());
    }
    if let Some(dir) = &args.out_dir {
        if dir.exists() && !dir.is_dir() {
            return Err(format!("--out-dir {}: a file, not a directory", dir.display()).into());
        }
    }
    let pool = args.run.pool()?;
    let symbols = args.data.load(study.series)?;
    let (names, prices) = (&symbols.names, symbols.prices()?);
    let (bars, n_symbols) = (prices.bars(), prices.symbols());
    let plan = plan(args, bars, n_symbols, columns, price_bytes)?;
    if let Some(dir) = &args.out_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("--out-dir {}: {e}", dir.display()))?;
    }

    let mut stdout = io::stdout().lock();
    writeln!(stdout, "Validation of {}", study.title)?;
    let threads = pool.current_num_threads();
    print_setup(
        &mut stdout,
        names,
        &prices,
        &study.grid_text,
        columns,
        &config,
        args.costs.freq,
        threads,
    )?;
    let dropped = bars - args.blocks * plan.block_len;
    writeln!(
        stdout,
        "  CSCV:         {} of {}{}, {}",
        counted(args.blocks, "block"),
        counted(plan.block_len, "bar"),
        match dropped {
            0 => String::new(),
            n => format!(" (the last {} unused)", counted(n, "bar")),
        },
        counted(plan.combinations, "combination")
    )?;
    let tested_to = plan.splits.last().map_or(0, |s| s.test.end);
    writeln!(
        stdout,
        "  walk-forward: {} of {} training + {} test bars, every {}{}",
        counted(plan.splits.len(), "split"),
        thousands(args.train),
        thousands(args.test),
        counted(args.step, "bar"),
        if tested_to < bars {
            format!(" (bars {}.. untested)", thousands(tested_to))
        } else {
            String::new()
        }
    )?;

    let validation = Validation::new()
        .blocks(args.blocks)
        .walk_forward(WalkForward::new(args.train, args.test, args.step));
    let backtest = Backtest::new(strategy, &prices, grid, config).pool(&pool);
    let (report, runs) = repeat(args.run.repeat, || backtest.validate(&validation))?;
    writeln!(stdout, "  time:         {}", runs.describe())?;

    let sqrt_a = config.annualisation().sqrt();
    for (symbol, name) in names.iter().enumerate() {
        print_symbol(&mut stdout, symbol, name, &report, &study.naming, sqrt_a)?;
    }

    if let Some(dir) = &args.out_dir {
        write_csvs(dir, names, &report, &study.naming)
            .map_err(|e| format!("--out-dir {}: {e}", dir.display()))?;
        writeln!(
            stdout,
            "wrote dsr.csv, pbo.csv, pbo_logits_<symbol>.csv, walk_forward.csv and \
             walk_forward_summary.csv to {}",
            dir.display()
        )?;
    }
    let panels: Vec<CscvPanel<'_>> = names
        .iter()
        .zip(&report.pbo)
        .map(|(name, pbo)| CscvPanel {
            name: name.clone(),
            pbo: pbo.pbo,
            logits: &pbo.logits,
        })
        .collect();
    let mut notes = Vec::new();
    if n_symbols > MAX_PANELS {
        notes.push(format!("the first {MAX_PANELS} of {n_symbols} symbols"));
    }
    let in_parentheses = |notes: &[String]| match notes {
        [] => String::new(),
        notes => format!(" ({})", notes.join("; ")),
    };
    let title = format!(
        "CSCV logits of the winners' out-of-sample rank, S = {}",
        args.blocks
    );
    write_logits_svg(&args.logits_svg, &title, &panels)
        .map_err(|e| format!("{}: {e}", args.logits_svg.display()))?;
    writeln!(
        stdout,
        "wrote the distribution of the CSCV logits to {}{}",
        args.logits_svg.display(),
        in_parentheses(&notes)
    )?;
    let stride = point_stride(plan.combinations, n_symbols);
    if stride > 1 {
        notes.push(format!(
            "one combination in {stride} drawn, the line fitted to all"
        ));
    }
    let title = "CSCV winners: in-sample vs out-of-sample Sharpe per bar";
    write_degradation_svg(&args.degradation_svg, title, &panels, stride)
        .map_err(|e| format!("{}: {e}", args.degradation_svg.display()))?;
    writeln!(
        stdout,
        "wrote the CSCV winners' in-sample vs out-of-sample Sharpe ratios to {}{}",
        args.degradation_svg.display(),
        in_parentheses(&notes)
    )?;
    if args.run.json {
        let line = runs.json_with_peak(bars, n_symbols, columns, threads);
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// What a Deflated Sharpe Ratio says, in a few words: `expected` is the best annualised
/// Sharpe ratio `trials` unskilled trials would be expected to reach.
fn dsr_verdict(trials: usize, dsr: f64, sharpe: f64, expected: f64) -> String {
    if dsr.is_nan() {
        return "undefined: too few bars, or returns too skewed for the test".into();
    }
    let trials = counted(trials, "trial");
    let luck = format!("the best of {trials} without any skill would reach about {expected:.3}");
    if dsr >= 0.95 {
        format!(
            "likely real skill: {luck}, and a Sharpe of {sharpe:.3} beats that with probability \
             {dsr:.3}"
        )
    } else if sharpe > expected {
        format!(
            "consistent with luck: {luck}, and a Sharpe of {sharpe:.3} is not significantly above \
             that (it would take a DSR of 0.95)"
        )
    } else {
        format!("consistent with luck: {luck}, more than this Sharpe of {sharpe:.3}")
    }
}

/// The widest line the summary writes, before its tables.
const LINE_WIDTH: usize = 100;

/// `label` and `text`, broken at spaces into lines of at most [`LINE_WIDTH`] characters, the
/// continuation lines indented under the text.
fn wrapped(w: &mut impl Write, label: &str, text: &str) -> io::Result<()> {
    let indent = label.chars().count();
    let mut line = label.to_owned();
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.chars().count() + 1 + word.chars().count() > LINE_WIDTH {
            writeln!(w, "{line}")?;
            line = " ".repeat(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    writeln!(w, "{line}")
}

/// One symbol's summary: the best combination and its DSR, the PBO, the walk-forward table
/// and its chained result.
fn print_symbol<P: Row>(
    w: &mut impl Write,
    symbol: usize,
    name: &str,
    report: &ValidationReport<P>,
    naming: &Naming<P>,
    sqrt_a: f64,
) -> io::Result<()> {
    let describe = |row: Option<usize>| match row.and_then(|r| report.columns.grid().get(r)) {
        Some(params) => (naming.describe)(&params),
        None => "none".into(),
    };
    let (d, p) = (&report.dsr[symbol], &report.pbo[symbol]);
    writeln!(w)?;
    writeln!(w, "{name}")?;
    const BEST: &str = "  best:            ";
    match d.best {
        None => wrapped(
            w,
            BEST,
            "none: no combination has a finite Sharpe ratio (a column that never trades has +inf), \
             so there is nothing to deflate",
        )?,
        Some(best) => {
            wrapped(
                w,
                BEST,
                &format!(
                    "{}: Sharpe {:.3} ({:.5} per bar), best of {}",
                    describe(Some(best)),
                    d.sharpe,
                    d.sr,
                    counted(d.trials, "trial")
                ),
            )?;
            wrapped(
                w,
                "  deflated Sharpe: ",
                &format!(
                    "{:.3}: {}",
                    d.dsr,
                    dsr_verdict(d.trials, d.dsr, d.sharpe, d.sr0 * sqrt_a)
                ),
            )?;
        }
    }
    const PBO: &str = "  PBO:             ";
    if p.pbo.is_nan() {
        let why = if p.trials < 2 {
            "fewer than 2 trials".to_owned()
        } else {
            format!(
                "in {} of {} combinations some trial has no Sharpe ratio on a half",
                thousands(p.undefined),
                thousands(p.combinations)
            )
        };
        wrapped(w, PBO, &format!("undefined ({why})"))?;
    } else {
        wrapped(
            w,
            PBO,
            &format!(
                "{:.3}: the probability that the best combination in sample ranks at or below \
                 the median out of sample ({} of {} ways to split the history into halves); the \
                 winner's out-of-sample Sharpe was negative in {:.1} % of them",
                p.pbo,
                thousands(p.overfit),
                thousands(p.combinations),
                100.0 * p.prob_oos_loss
            ),
        )?;
    }

    let Some(wf) = &report.walk_forward else {
        return Ok(());
    };
    let choices: Vec<_> = wf.choices.iter().filter(|c| c.symbol == symbol).collect();
    let chosen: Vec<String> = choices.iter().map(|c| describe(c.chosen)).collect();
    let width = chosen.iter().map(String::len).max().unwrap_or(0).max(6);
    let range = |r: &std::ops::Range<usize>| format!("{}..{}", r.start, r.end);
    let span = wf
        .splits
        .iter()
        .flat_map(|s| [range(&s.train).len(), range(&s.test).len()])
        .max()
        .unwrap_or(0)
        .max(10);
    writeln!(
        w,
        "  walk-forward:    the best Sharpe of each training window, traded on the next window"
    )?;
    writeln!(
        w,
        "    split  {:<span$}  {:<span$}  {:<width$}  IS Sharpe  OOS Sharpe  OOS return  trades",
        "train bars", "test bars", "chosen"
    )?;
    for (choice, chosen) in choices.iter().zip(&chosen) {
        let split = &wf.splits[choice.split];
        let (sharpe, total_return, trades) = match choice.oos {
            Some(m) => (m.sharpe, 100.0 * m.total_return, m.trades),
            None => (f64::NAN, f64::NAN, 0),
        };
        writeln!(
            w,
            "    {:>5}  {:<span$}  {:<span$}  {chosen:<width$}  {:>9.3}  {sharpe:>10.3}  {:>8.2} %  \
             {trades:>6}",
            choice.split,
            range(&split.train),
            range(&split.test),
            choice.is_sharpe,
            total_return,
        )?;
    }
    let s = &wf.summary[symbol];
    wrapped(
        w,
        "  out of sample:   ",
        &format!(
            "the {} test bars chained ({} of {} splits with a choice): Sharpe {:.3}, compound \
             return {:.2} %, max drawdown {:.2} %, {}",
            thousands(s.oos_bars),
            s.chosen,
            s.splits,
            s.oos_sharpe,
            100.0 * s.oos_compound_return,
            100.0 * s.oos_max_drawdown,
            counted(s.oos_trades, "trade")
        ),
    )
}

/// An `f64` in shortest round-trip text: `NaN`, `inf`, `-inf`, `88.0`.
fn float(x: f64) -> String {
    format!("{x:?}")
}

/// Writes `path` with `header` and the rows `rows` writes.
fn write_file(
    path: &Path,
    header: &str,
    rows: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let file = File::create(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "{header}")?;
    rows(&mut w)?;
    w.flush()
}

/// The five kinds of files of the golden directory (`pbo_logits_<symbol>.csv` per symbol).
fn write_csvs<P: Row>(
    dir: &Path,
    names: &[String],
    report: &ValidationReport<P>,
    naming: &Naming<P>,
) -> io::Result<()> {
    let params = naming.header;
    let missing = vec!["-1"; params.split(',').count() + 1].join(",");
    // `param_index` and the parameters of a grid row, or `-1` for each.
    let row = |row: Option<usize>| match row.and_then(|r| Some((r, report.columns.grid().get(r)?)))
    {
        Some((r, p)) => format!("{r},{}", (naming.csv)(&p)),
        None => missing.clone(),
    };

    write_file(
        &dir.join("dsr.csv"),
        &format!(
            "symbol,bars,trials,param_index,{params},sharpe,sr,sr_std,skew,kurtosis,sr0,z,dsr"
        ),
        |w| {
            for (name, d) in names.iter().zip(&report.dsr) {
                writeln!(
                    w,
                    "{name},{},{},{},{},{},{},{},{},{},{},{}",
                    d.bars,
                    d.trials,
                    row(d.best),
                    float(d.sharpe),
                    float(d.sr),
                    float(d.sr_std),
                    float(d.skew),
                    float(d.kurtosis),
                    float(d.sr0),
                    float(d.z),
                    float(d.dsr)
                )?;
            }
            Ok(())
        },
    )?;

    write_file(
        &dir.join("pbo.csv"),
        "symbol,bars,bars_used,block_len,S,trials,combinations,undefined,overfit,pbo,mean_omega,\
         prob_oos_loss",
        |w| {
            for (name, p) in names.iter().zip(&report.pbo) {
                writeln!(
                    w,
                    "{name},{},{},{},{},{},{},{},{},{},{},{}",
                    p.bars,
                    p.bars_used,
                    p.block_len,
                    p.blocks,
                    p.trials,
                    p.combinations,
                    p.undefined,
                    p.overfit,
                    float(p.pbo),
                    float(p.mean_omega),
                    float(p.prob_oos_loss)
                )?;
            }
            Ok(())
        },
    )?;

    for (name, p) in names.iter().zip(&report.pbo) {
        write_file(
            &dir.join(format!("pbo_logits_{name}.csv")),
            &format!("combination,train_mask,param_index,{params},is_sr,oos_sr,rank,logit"),
            |w| {
                for (c, x) in p.logits.iter().enumerate() {
                    writeln!(
                        w,
                        "{c},{},{},{},{},{},{}",
                        x.train_mask,
                        row(x.winner),
                        float(x.is_sr),
                        float(x.oos_sr),
                        float(x.rank),
                        float(x.logit)
                    )?;
                }
                Ok(())
            },
        )?;
    }

    let Some(wf) = &report.walk_forward else {
        return Ok(());
    };
    write_file(
        &dir.join("walk_forward.csv"),
        &format!(
            "split,symbol,train_start,train_end,test_start,test_end,candidates,param_index,\
             {params},is_sharpe,oos_sharpe,oos_total_return,oos_max_drawdown,oos_trades"
        ),
        |w| {
            for c in &wf.choices {
                let split = &wf.splits[c.split];
                // A split without a choice stays in cash: no test-window metrics, no trades.
                let (sharpe, total_return, drawdown, trades) = match c.oos {
                    Some(m) => (m.sharpe, m.total_return, m.max_drawdown, m.trades),
                    None => (f64::NAN, f64::NAN, f64::NAN, 0),
                };
                writeln!(
                    w,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{trades}",
                    c.split,
                    names[c.symbol],
                    split.train.start,
                    split.train.end,
                    split.test.start,
                    split.test.end,
                    c.candidates,
                    row(c.chosen),
                    float(c.is_sharpe),
                    float(sharpe),
                    float(total_return),
                    float(drawdown)
                )?;
            }
            Ok(())
        },
    )?;
    write_file(
        &dir.join("walk_forward_summary.csv"),
        "symbol,splits,chosen,oos_bars,oos_sharpe,oos_compound_return,oos_max_drawdown,oos_trades",
        |w| {
            for (name, s) in names.iter().zip(&wf.summary) {
                writeln!(
                    w,
                    "{name},{},{},{},{},{},{},{}",
                    s.splits,
                    s.chosen,
                    s.oos_bars,
                    float(s.oos_sharpe),
                    float(s.oos_compound_return),
                    float(s.oos_max_drawdown),
                    s.oos_trades
                )?;
            }
            Ok(())
        },
    )
}
