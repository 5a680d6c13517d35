//! DSR, PBO and walk-forward against the reference files (`tests/data/golden-validation/`):
//! the tutorial SuperTrend grid over the bundled MSFT and IBM daily bars, within the
//! tolerances of `docs/VALIDATION.md` 6 (exact where it says exact).

mod common;

use common::{column, data_dir, read_columns, Columns};
use ta_sweep::validation::{Validation, ValidationReport, WalkForward};
use ta_sweep::{supertrend, Backtest, BacktestConfig, Prices, SuperTrend};

const SYMBOLS: [&str; 2] = ["MSFT_bokeh", "IBM_bokeh"];

fn golden(name: &str) -> Columns {
    read_columns(&data_dir().join("golden-validation").join(name))
}

fn text<'c>(columns: &'c Columns, name: &str) -> &'c [String] {
    &columns
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .1
}

fn integers(columns: &Columns, name: &str) -> Vec<i64> {
    text(columns, name)
        .iter()
        .map(|v| v.parse().unwrap())
        .collect()
}

fn bundled(symbol: &str) -> [Vec<f64>; 3] {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(format!("{symbol}.csv"));
    let file = read_columns(&path);
    [
        column(&file, "high"),
        column(&file, "low"),
        column(&file, "close"),
    ]
}

/// Within `relative` of `expected` (or 1e-12 absolute near zero); NaN matches NaN.
#[track_caller]
fn assert_near(what: &str, expected: f64, actual: f64, relative: f64) {
    let ok = (expected.is_nan() && actual.is_nan())
        || expected == actual
        || (expected - actual).abs() <= (relative * expected.abs()).max(1e-12);
    assert!(ok, "{what}: expected {expected:e}, got {actual:e}");
}

fn report() -> ValidationReport<(usize, f64)> {
    let data: Vec<[Vec<f64>; 3]> = SYMBOLS.iter().map(|s| bundled(s)).collect();
    let prices =
        Prices::from_symbols(data.iter().map(|[h, l, c]| (&h[..], &l[..], &c[..]))).unwrap();
    let grid = supertrend::tutorial_grid();
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    );
    let validation = Validation::new().walk_forward(WalkForward::new(756, 252, 252));
    backtest.validate(&validation).unwrap()
}

fn grid_row(report: &ValidationReport<(usize, f64)>, row: Option<usize>) -> (i64, String, String) {
    match row {
        None => (-1, "-1".into(), "-1".into()),
        Some(row) => {
            let (p, m) = report.columns.grid().get(row).unwrap();
            (row as i64, p.to_string(), format!("{m:?}"))
        }
    }
}

#[test]
fn dsr_matches_the_reference() {
    let report = report();
    let g = golden("dsr.csv");
    assert_eq!(text(&g, "symbol"), SYMBOLS);
    for (k, d) in report.dsr.iter().enumerate() {
        let what = |f: &str| format!("{} {f}", SYMBOLS[k]);
        assert_eq!(d.bars as i64, integers(&g, "bars")[k]);
        assert_eq!(d.trials as i64, integers(&g, "trials")[k]);
        let (row, period, multiplier) = grid_row(&report, d.best);
        assert_eq!(row, integers(&g, "param_index")[k], "{}", what("best"));
        assert_eq!(period, text(&g, "period")[k]);
        assert_eq!(multiplier, text(&g, "multiplier")[k]);
        for (name, value) in [
            ("sharpe", d.sharpe),
            ("sr", d.sr),
            ("sr_std", d.sr_std),
            ("skew", d.skew),
            ("kurtosis", d.kurtosis),
            ("sr0", d.sr0),
            ("z", d.z),
            ("dsr", d.dsr),
        ] {
            assert_near(&what(name), column(&g, name)[k], value, 1e-9);
        }
        // The annualised Sharpe ratio is the backtest's, bit for bit.
        let best = d.best.unwrap() * SYMBOLS.len() + k;
        assert_eq!(d.sharpe.to_bits(), report.metrics[best].sharpe.to_bits());
    }
}

#[test]
fn pbo_matches_the_reference_exactly() {
    let report = report();
    let g = golden("pbo.csv");
    for (k, p) in report.pbo.iter().enumerate() {
        let ints = [
            ("bars", p.bars),
            ("bars_used", p.bars_used),
            ("block_len", p.block_len),
            ("S", p.blocks),
            ("trials", p.trials),
            ("combinations", p.combinations),
            ("undefined", p.undefined),
            ("overfit", p.overfit),
        ];
        for (name, value) in ints {
            assert_eq!(value as i64, integers(&g, name)[k], "{} {name}", SYMBOLS[k]);
        }
        assert_eq!(
            p.pbo.to_bits(),
            column(&g, "pbo")[k].to_bits(),
            "pbo is exact"
        );
        assert_near(
            "mean_omega",
            column(&g, "mean_omega")[k],
            p.mean_omega,
            1e-9,
        );
        assert_eq!(p.prob_oos_loss, column(&g, "prob_oos_loss")[k]);
    }
}

#[test]
fn every_cscv_combination_matches_the_reference() {
    let report = report();
    for (k, symbol) in SYMBOLS.iter().enumerate() {
        let g = golden(&format!("pbo_logits_{symbol}.csv"));
        let logits = &report.pbo[k].logits;
        assert_eq!(logits.len(), 12_870);
        let masks = integers(&g, "train_mask");
        let rows = integers(&g, "param_index");
        let (is_sr, oos_sr) = (column(&g, "is_sr"), column(&g, "oos_sr"));
        let (rank, logit) = (column(&g, "rank"), column(&g, "logit"));
        for (c, x) in logits.iter().enumerate() {
            let what = format!("{symbol} combination {c}");
            assert_eq!(x.train_mask as i64, masks[c], "{what}");
            assert_eq!(grid_row(&report, x.winner).0, rows[c], "{what}: winner");
            assert_eq!(x.rank, rank[c], "{what}: rank");
            assert_near(&format!("{what}: is_sr"), is_sr[c], x.is_sr, 5e-12);
            assert_near(&format!("{what}: oos_sr"), oos_sr[c], x.oos_sr, 5e-12);
            assert!((x.logit - logit[c]).abs() <= 1e-12, "{what}: logit");
        }
    }
}

#[test]
fn block_sums_are_the_references_bit_for_bit() {
    let report = report();
    let g = golden("pbo_block_sums.csv");
    let (symbols, blocks) = (text(&g, "symbol"), integers(&g, "block"));
    let (start, end) = (integers(&g, "start"), integers(&g, "end"));
    let (periods, multipliers) = (text(&g, "period"), text(&g, "multiplier"));
    let (sum, sum_sq) = (column(&g, "sum"), column(&g, "sum_sq"));
    let sums = &report.block_sums;
    assert_eq!((sums.blocks, sums.block_len), (16, 204));
    assert_eq!(sum.len(), 2 * 16 * 336);
    for i in 0..sum.len() {
        let symbol = SYMBOLS.iter().position(|s| *s == symbols[i]).unwrap();
        let params = (periods[i].parse().unwrap(), multipliers[i].parse().unwrap());
        let column = report
            .columns
            .column(ta_sweep::ColumnKey::new(params, symbol))
            .unwrap();
        let b = blocks[i] as usize;
        assert_eq!((start[i], end[i]), (b as i64 * 204, (b as i64 + 1) * 204));
        let [s, q] = sums.column(column)[b];
        assert_eq!(s.to_bits(), sum[i].to_bits(), "row {i}: sum");
        assert_eq!(q.to_bits(), sum_sq[i].to_bits(), "row {i}: sum_sq");
    }
}

#[test]
fn walk_forward_matches_the_reference() {
    let report = report();
    let wf = report.walk_forward.as_ref().unwrap();
    let g = golden("walk_forward.csv");
    assert_eq!(wf.choices.len(), 18);
    for (i, choice) in wf.choices.iter().enumerate() {
        let what = format!("row {i}");
        let split = &wf.splits[choice.split];
        assert_eq!(choice.split as i64, integers(&g, "split")[i]);
        assert_eq!(SYMBOLS[choice.symbol], text(&g, "symbol")[i]);
        for (name, value) in [
            ("train_start", split.train.start),
            ("train_end", split.train.end),
            ("test_start", split.test.start),
            ("test_end", split.test.end),
            ("candidates", choice.candidates),
        ] {
            assert_eq!(value as i64, integers(&g, name)[i], "{what}: {name}");
        }
        let (row, period, multiplier) = grid_row(&report, choice.chosen);
        assert_eq!(row, integers(&g, "param_index")[i], "{what}: chosen");
        assert_eq!(
            (period, multiplier),
            (
                text(&g, "period")[i].clone(),
                text(&g, "multiplier")[i].clone()
            )
        );
        let oos = choice.oos.unwrap();
        for (name, value) in [
            ("is_sharpe", choice.is_sharpe),
            ("oos_sharpe", oos.sharpe),
            ("oos_total_return", oos.total_return),
            ("oos_max_drawdown", oos.max_drawdown),
        ] {
            assert_near(&format!("{what}: {name}"), column(&g, name)[i], value, 1e-9);
        }
        assert_eq!(oos.trades as i64, integers(&g, "oos_trades")[i]);
    }
    let g = golden("walk_forward_summary.csv");
    for (k, s) in wf.summary.iter().enumerate() {
        assert_eq!(text(&g, "symbol")[k], SYMBOLS[k]);
        for (name, value) in [
            ("splits", s.splits),
            ("chosen", s.chosen),
            ("oos_bars", s.oos_bars),
            ("oos_trades", s.oos_trades),
        ] {
            assert_eq!(value as i64, integers(&g, name)[k], "{name}");
        }
        for (name, value) in [
            ("oos_sharpe", s.oos_sharpe),
            ("oos_compound_return", s.oos_compound_return),
            ("oos_max_drawdown", s.oos_max_drawdown),
        ] {
            assert_near(name, column(&g, name)[k], value, 1e-9);
        }
    }
}

#[test]
fn every_columns_training_sharpe_matches_the_reference() {
    let report = report();
    let wf = report.walk_forward.as_ref().unwrap();
    let g = golden("walk_forward_columns.csv");
    let is_sharpe = column(&g, "is_sharpe");
    let columns = report.columns.len();
    assert_eq!(is_sharpe.len(), wf.splits.len() * columns);
    // Split-major, then grid order with the symbol fastest: the crate's column order.
    for (i, expected) in is_sharpe.iter().enumerate() {
        assert_near(&format!("row {i}"), *expected, wf.train_sharpe[i], 1e-9);
    }
}
