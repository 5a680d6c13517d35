//! The dual moving-average crossover against vectorbt's reference files
//! (`tests/data/golden-strategies/`): the whole 9,702-column grid over the bundled daily data,
//! simple and exponential, and every per-bar trace with its summary, all bit for bit.

mod common;

use common::{column, data_dir, read_columns, Columns};
use ta_sweep::{Backtest, BacktestConfig, Grid, MaCrossover, MaKind, Prices};

fn golden(name: &str) -> std::path::PathBuf {
    data_dir().join("golden-strategies").join(name)
}

fn text<'c>(columns: &'c Columns, name: &str) -> &'c [String] {
    &columns
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .1
}

fn bundled_close(symbol: &str) -> Vec<f64> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(format!("{symbol}.csv"));
    column(&read_columns(&path), "close")
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn the_msft_ibm_grid_reproduces_every_row_bit_for_bit() {
    let symbols = ["MSFT_bokeh", "IBM_bokeh"];
    let closes: Vec<Vec<f64>> = symbols.iter().map(|s| bundled_close(s)).collect();
    let prices = Prices::from_close_series(closes.iter().map(|c| &c[..])).unwrap();
    let windows: Vec<usize> = (2..=100).collect();
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    for (kind, file) in [
        (MaKind::Simple, "grid_msft_ibm_1d_sma.csv"),
        (MaKind::Exponential, "grid_msft_ibm_1d_ema.csv"),
    ] {
        let out = Backtest::new(MaCrossover::new(kind), &prices, &grid, BacktestConfig::default())
            .run()
            .unwrap();
        let reference = read_columns(&golden(file));
        let (sharpe, total, drawdown) = (
            column(&reference, "sharpe"),
            column(&reference, "total_return"),
            column(&reference, "max_drawdown"),
        );
        let (fast, slow, symbol) = (
            text(&reference, "fast"),
            text(&reference, "slow"),
            text(&reference, "symbol"),
        );
        let (trades, closed) = (
            text(&reference, "trades"),
            text(&reference, "closed_trades"),
        );
        assert_eq!(out.metrics.len(), 9702);
        assert_eq!(sharpe.len(), 9702);
        let mut wrong = Vec::new();
        for (j, (key, m)) in out.columns.keys().zip(&out.metrics).enumerate() {
            assert_eq!(fast[j], key.params.0.to_string(), "{file} row {j}");
            assert_eq!(slow[j], key.params.1.to_string(), "{file} row {j}");
            assert_eq!(symbol[j], symbols[key.symbol], "{file} row {j}");
            let ok = same(m.sharpe, sharpe[j])
                && same(m.total_return, total[j])
                && same(m.max_drawdown, drawdown[j])
                && trades[j] == m.trades.to_string()
                && closed[j] == m.closed_trades.to_string();
            if !ok {
                wrong.push((j, *m, sharpe[j], total[j], drawdown[j], trades[j].clone()));
            }
        }
        assert!(wrong.is_empty(), "{file}: {} rows differ, first {:?}", wrong.len(), wrong.first());
    }
}
