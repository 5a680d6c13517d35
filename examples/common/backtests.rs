//! What the backtest examples print and write around their backtest: the setup, the best
//! combinations per symbol, the metrics as CSV and the heatmap.

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use ta_sweep::{BacktestConfig, BacktestOutput, ColumnMetrics, Prices, Row};

use super::heatmap::{write_heatmap, Heatmap, Panel, MAX_PANELS};
use super::report::{abridged, counted};

/// How many combinations per symbol the summary lists.
pub const BEST_SHOWN: usize = 5;

/// The prices, the grid (as `grid` describes it), the costs and the threads.
#[allow(clippy::too_many_arguments)]
pub fn print_setup(
    w: &mut impl Write,
    names: &[String],
    prices: &Prices<'_>,
    grid: &str,
    columns: usize,
    config: &BacktestConfig,
    freq: Duration,
    threads: usize,
) -> io::Result<()> {
    writeln!(
        w,
        "  prices:       {} x {} ({})",
        counted(prices.bars(), "bar"),
        counted(names.len(), "symbol"),
        abridged(names)
    )?;
    writeln!(w, "  grid:         {grid}, {}", counted(columns, "column"))?;
    writeln!(
        w,
        "  costs:        fees {}, initial cash {}, {} bars a year (bars of {freq:?})",
        config.fees(),
        config.init_cash(),
        config.annualisation()
    )?;
    writeln!(w, "  threads:      {threads}")
}

/// Per symbol, the [`BEST_SHOWN`] combinations with the highest Sharpe ratio among those that
/// traded (a tie goes to the earlier column), each described by `describe`.
pub fn print_best<P: Row>(
    w: &mut impl Write,
    out: &BacktestOutput<P>,
    names: &[String],
    describe: impl Fn(&P) -> String,
) -> io::Result<()> {
    // Per symbol, the best so far, best first: no list of every column is ever built.
    let mut best: Vec<Vec<(P, &ColumnMetrics)>> = vec![Vec::new(); names.len()];
    for (key, m) in out.columns.keys().zip(&out.metrics) {
        if !m.sharpe.is_finite() {
            continue;
        }
        let rows = &mut best[key.symbol];
        let at = rows.partition_point(|(_, kept)| kept.sharpe >= m.sharpe);
        if at < BEST_SHOWN {
            rows.insert(at, (key.params, m));
            rows.truncate(BEST_SHOWN);
        }
    }
    writeln!(
        w,
        "Best combinations per symbol (by Sharpe ratio; columns that never traded left out):"
    )?;
    for (name, rows) in names.iter().zip(best) {
        writeln!(w, "  {name}")?;
        if rows.is_empty() {
            writeln!(w, "    no combination traded")?;
        }
        for (params, m) in rows {
            writeln!(
                w,
                "    {}  Sharpe {:>6.3}  return {:>8.2} %  max drawdown {:>7.2} %  trades {:>4}",
                describe(&params),
                m.sharpe,
                100.0 * m.total_return,
                100.0 * m.max_drawdown,
                m.trades
            )?;
        }
    }
    Ok(())
}

/// Writes one row per column, in sweep order: `params` (the columns of `params_header`), the
/// symbol's name and the metrics. `{}` prints the shortest text that reads back as the same
/// `f64`, `NaN` and `inf`.
pub fn write_metrics_csv<P: Row>(
    path: &Path,
    params_header: &str,
    out: &BacktestOutput<P>,
    names: &[String],
    params: impl Fn(&P) -> String,
) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    writeln!(
        w,
        "{params_header},symbol,sharpe,total_return,max_drawdown,trades,closed_trades"
    )?;
    for (key, m) in out.columns.keys().zip(&out.metrics) {
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            params(&key.params),
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

/// What every backtest example ends with: the metrics as CSV if `--out` asks for them, then
/// the JSON line if `--json` does.
pub fn finish<P: Row>(
    stdout: &mut impl Write,
    path: Option<&Path>,
    params_header: &str,
    out: &BacktestOutput<P>,
    names: &[String],
    params: impl Fn(&P) -> String,
    json: Option<serde_json::Value>,
) -> Result<(), Box<dyn Error>> {
    if let Some(path) = path {
        write_metrics_csv(path, params_header, out, names, params)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        writeln!(
            stdout,
            "wrote the metrics of every column to {}",
            path.display()
        )?;
    }
    if let Some(line) = json {
        writeln!(stdout, "{line}")?;
    }
    Ok(())
}

/// Writes the heatmap to `path` and says so, noting the symbols left out.
pub fn save_heatmap(
    w: &mut impl Write,
    path: &Path,
    map: &Heatmap,
    panels: &[Panel],
    symbols: usize,
) -> Result<(), Box<dyn Error>> {
    write_heatmap(path, map, panels).map_err(|e| format!("{}: {e}", path.display()))?;
    write!(w, "wrote the heatmap to {}", path.display())?;
    if symbols > MAX_PANELS {
        write!(w, " (the first {MAX_PANELS} of {symbols} symbols)")?;
    }
    writeln!(w)?;
    Ok(())
}
