//! The dual moving-average crossover against vectorbt's reference files
//! (`tests/data/golden-strategies/`): the whole 9,702-column grid over the bundled daily data,
//! simple and exponential, and every per-bar trace with its summary, all bit for bit.

mod common;

use common::strategies::{naive_crossover, DAILY_COSTS};
use common::{assert_same_bits, column, data_dir, read_columns, same_bits, Columns};
use ta_sweep::backtest::trace;
use ta_sweep::ma::{moving_average, moving_average_into, MaState};
use ta_sweep::{
    Backtest, BacktestConfig, ColumnKey, Grid, Ma, MaCrossover, MaKind, Order, Pair, Prices, Side,
    Sweep, Variance,
};

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
        let out = Backtest::new(
            MaCrossover::new(kind),
            &prices,
            &grid,
            BacktestConfig::default(),
        )
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
        assert!(
            wrong.is_empty(),
            "{file}: {} rows differ, first {:?}",
            wrong.len(),
            wrong.first()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The per-bar files and their summary
// ---------------------------------------------------------------------------------------------

/// One row of `perbar_summary.csv`.
#[derive(Debug, Clone)]
struct Summary {
    n_bars: usize,
    fees: f64,
    init_cash: f64,
    ann_factor: f64,
    sharpe: f64,
    total_return: f64,
    max_drawdown: f64,
    trades: usize,
    closed_trades: usize,
    open_trades: usize,
    n_orders: usize,
    final_value: f64,
    n_entries: usize,
    n_exits: usize,
    entries_in_position: usize,
    exits_while_flat: usize,
    bars_fast_eq_slow: usize,
    n_nan_close: usize,
}

/// One per-bar file with its summary row.
#[derive(Debug, Clone)]
struct PerBar {
    case: String,
    fast: usize,
    slow: usize,
    kind: MaKind,
    close: Vec<f64>,
    fast_ma: Vec<f64>,
    slow_ma: Vec<f64>,
    entry: Vec<bool>,
    exit: Vec<bool>,
    position: Vec<f64>,
    cash: Vec<f64>,
    value: Vec<f64>,
    returns: Vec<f64>,
    orders: Vec<Option<Order>>,
    summary: Summary,
}

impl PerBar {
    fn prices(&self) -> Prices<'_> {
        Prices::from_close_series([&self.close[..]]).unwrap()
    }

    fn config(&self) -> BacktestConfig {
        let s = &self.summary;
        BacktestConfig::new(s.fees, s.init_cash, s.ann_factor).unwrap()
    }
}

fn flags(columns: &Columns, name: &str) -> Vec<bool> {
    text(columns, name)
        .iter()
        .map(|v| match v.as_str() {
            "0" => false,
            "1" => true,
            other => panic!("{name}: flag `{other}`"),
        })
        .collect()
}

/// Every case of `perbar_summary.csv`, with its file.
fn perbar_cases() -> Vec<PerBar> {
    let summary = read_columns(&golden("perbar_summary.csv"));
    let cases = text(&summary, "case");
    (0..cases.len())
        .map(|row| {
            let word = |name: &str| text(&summary, name)[row].clone();
            let count = |name: &str| -> usize {
                word(name)
                    .parse()
                    .unwrap_or_else(|e| panic!("{name} `{}`: {e}", word(name)))
            };
            let real = |name: &str| column(&summary, name)[row];
            assert_eq!(word("freq"), "1D");
            let kind = match word("ewm").as_str() {
                "0" => MaKind::Simple,
                "1" => MaKind::Exponential,
                other => panic!("ewm `{other}`"),
            };
            let file = read_columns(&golden(&format!("perbar_{}.csv", cases[row])));
            let bars: Vec<usize> = text(&file, "bar")
                .iter()
                .map(|b| b.parse().unwrap())
                .collect();
            assert_eq!(bars, (0..bars.len()).collect::<Vec<_>>(), "{}", cases[row]);
            let (size, price, fees) = (
                column(&file, "order_size"),
                column(&file, "order_price"),
                column(&file, "order_fees"),
            );
            let orders = text(&file, "order_side")
                .iter()
                .enumerate()
                .map(|(i, side)| {
                    let side = match side.as_str() {
                        "0" => {
                            assert!(size[i].is_nan() && price[i].is_nan() && fees[i].is_nan());
                            return None;
                        }
                        "1" => Side::Buy,
                        "-1" => Side::Sell,
                        other => panic!("order_side `{other}`"),
                    };
                    Some(Order {
                        side,
                        size: size[i],
                        price: price[i],
                        fees: fees[i],
                    })
                })
                .collect();
            PerBar {
                case: cases[row].clone(),
                fast: count("fast"),
                slow: count("slow"),
                kind,
                close: column(&file, "close"),
                fast_ma: column(&file, "fast_ma"),
                slow_ma: column(&file, "slow_ma"),
                entry: flags(&file, "entry"),
                exit: flags(&file, "exit"),
                position: column(&file, "position"),
                cash: column(&file, "cash"),
                value: column(&file, "value"),
                returns: column(&file, "return"),
                orders,
                summary: Summary {
                    n_bars: count("n_bars"),
                    fees: real("fees"),
                    init_cash: real("init_cash"),
                    ann_factor: real("ann_factor"),
                    sharpe: real("sharpe"),
                    total_return: real("total_return"),
                    max_drawdown: real("max_drawdown"),
                    trades: count("trades"),
                    closed_trades: count("closed_trades"),
                    open_trades: count("open_trades"),
                    n_orders: count("n_orders"),
                    final_value: real("final_value"),
                    n_entries: count("n_entries"),
                    n_exits: count("n_exits"),
                    entries_in_position: count("entries_in_position"),
                    exits_while_flat: count("exits_while_flat"),
                    bars_fast_eq_slow: count("bars_fast_eq_slow"),
                    n_nan_close: count("n_nan_close"),
                },
            }
        })
        .collect()
}

#[track_caller]
fn assert_same(what: &str, expected: f64, actual: f64) {
    assert!(
        same_bits(expected, actual),
        "{what}: expected {expected:?} ({:#018x}), got {actual:?} ({:#018x})",
        expected.to_bits(),
        actual.to_bits()
    );
}

#[track_caller]
fn assert_summary_metrics(what: &str, s: &Summary, m: &ta_sweep::ColumnMetrics) {
    assert_same(&format!("{what}: sharpe"), s.sharpe, m.sharpe);
    assert_same(
        &format!("{what}: total_return"),
        s.total_return,
        m.total_return,
    );
    assert_same(
        &format!("{what}: max_drawdown"),
        s.max_drawdown,
        m.max_drawdown,
    );
    assert_eq!(s.trades, m.trades, "{what}: trades");
    assert_eq!(s.closed_trades, m.closed_trades, "{what}: closed_trades");
}

#[test]
fn the_golden_directory_holds_exactly_the_tested_files() {
    let cases = perbar_cases();
    let mut expected: Vec<String> = ["README.md", "manifest.json", "perbar_summary.csv"]
        .iter()
        .map(|s| s.to_string())
        .chain(["grid_msft_ibm_1d_sma.csv", "grid_msft_ibm_1d_ema.csv"].map(String::from))
        .chain(cases.iter().map(|c| format!("perbar_{}.csv", c.case)))
        .collect();
    let mut found: Vec<String> = std::fs::read_dir(golden(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
    // The manifest describes the same per-bar files, with the summary's numbers.
    // Python's `json` writes NaN and infinities as bare words, which JSON does not have.
    let manifest = std::fs::read_to_string(golden("manifest.json"))
        .unwrap()
        .replace(": NaN", ": null")
        .replace(": -Infinity", ": null")
        .replace(": Infinity", ": null");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let perbar = manifest["perbar"].as_array().unwrap();
    assert_eq!(perbar.len(), cases.len());
    for (entry, case) in perbar.iter().zip(&cases) {
        assert_eq!(entry["case"].as_str(), Some(case.case.as_str()));
        assert_eq!(entry["n_bars"].as_u64(), Some(case.close.len() as u64));
        assert_eq!(entry["fast"].as_u64(), Some(case.fast as u64));
        assert_eq!(entry["slow"].as_u64(), Some(case.slow as u64));
        assert_eq!(entry["trades"].as_u64(), Some(case.summary.trades as u64));
    }
    // The edge cases of 0, 1 and 2 bars are among them.
    let lengths: Vec<usize> = cases.iter().map(|c| c.close.len()).collect();
    for n in [0, 1, 2] {
        assert!(lengths.contains(&n), "no case of {n} bars");
    }
    for case in &cases {
        assert_eq!(case.summary.n_bars, case.close.len(), "{}", case.case);
        assert_eq!(case.config(), BacktestConfig::default(), "{}", case.case);
    }
}

#[test]
fn moving_average_reproduces_every_perbar_average() {
    for case in perbar_cases() {
        for (window, expected, name) in [
            (case.fast, &case.fast_ma, "fast_ma"),
            (case.slow, &case.slow_ma, "slow_ma"),
        ] {
            let what = format!("{} {name} (window {window}, {})", case.case, case.kind);
            let batch = moving_average(&case.close, window, case.kind).unwrap();
            assert_same_bits(&what, expected, &batch);
            let mut into = vec![-1.0; case.close.len()];
            moving_average_into(&case.close, window, case.kind, &mut into).unwrap();
            assert_same_bits(&format!("{what}, into"), expected, &into);
            let mut state = MaState::new(window, case.kind).unwrap();
            let streamed: Vec<f64> = case.close.iter().map(|&c| state.update(c)).collect();
            assert_same_bits(&format!("{what}, streamed"), expected, &streamed);
        }
    }
}

#[test]
fn sweeps_of_ma_and_of_a_pair_reproduce_every_perbar_average() {
    for case in perbar_cases() {
        let prices = case.prices();
        let ma = Ma::new(case.kind);
        // One Ma sweep over both windows.
        let grid = Grid::axis(&["window"], &[case.fast, case.slow]).unwrap();
        let out = Sweep::new(ma, &prices, &grid).run().unwrap();
        let values = out.get::<f64>("ma").unwrap();
        assert_same_bits(&case.case, &case.fast_ma, &values.column(0).to_vec());
        assert_same_bits(&case.case, &case.slow_ma, &values.column(1).to_vec());
        // A pair of the two, as the crossover sweeps it.
        let grid = Grid::tuples(&["fast", "slow"], &[(case.fast, case.slow)]).unwrap();
        let out = Sweep::new(Pair::new(ma, ma), &prices, &grid).run().unwrap();
        let (fast, slow) = (
            out.get::<f64>("fast_ma").unwrap(),
            out.get::<f64>("slow_ma").unwrap(),
        );
        assert_eq!(fast.dim(), (case.close.len(), 1));
        assert_same_bits(
            &format!("{} pair fast_ma", case.case),
            &case.fast_ma,
            &fast.column(0).to_vec(),
        );
        assert_same_bits(
            &format!("{} pair slow_ma", case.case),
            &case.slow_ma,
            &slow.column(0).to_vec(),
        );
    }
}

#[test]
fn the_simple_pair_of_the_issue_reproduces_the_simple_cases() {
    for case in perbar_cases()
        .into_iter()
        .filter(|c| c.kind == MaKind::Simple)
    {
        let prices = case.prices();
        let grid = Grid::tuples(&["fast", "slow"], &[(case.fast, case.slow)]).unwrap();
        let out = Sweep::new(Pair::new(Ma::simple(), Ma::simple()), &prices, &grid)
            .run()
            .unwrap();
        assert_same_bits(
            &case.case,
            &case.fast_ma,
            &out.get::<f64>("fast_ma").unwrap().column(0).to_vec(),
        );
        assert_same_bits(
            &case.case,
            &case.slow_ma,
            &out.get::<f64>("slow_ma").unwrap().column(0).to_vec(),
        );
    }
}

#[test]
fn the_trace_reproduces_every_perbar_file() {
    for case in perbar_cases() {
        let t = trace(
            &MaCrossover::new(case.kind),
            &case.prices(),
            (case.fast, case.slow),
            &case.config(),
        )
        .unwrap();
        let what = |s: &str| format!("{} {s}", case.case);
        assert_same_bits(
            &what("fast_ma"),
            &case.fast_ma,
            t.get::<f64>("fast_ma").unwrap(),
        );
        assert_same_bits(
            &what("slow_ma"),
            &case.slow_ma,
            t.get::<f64>("slow_ma").unwrap(),
        );
        assert_eq!(t.entry, case.entry, "{}", what("entry"));
        assert_eq!(t.exit, case.exit, "{}", what("exit"));
        assert_same_bits(&what("position"), &case.position, &t.position);
        assert_same_bits(&what("cash"), &case.cash, &t.cash);
        assert_same_bits(&what("value"), &case.value, &t.value);
        assert_same_bits(&what("return"), &case.returns, &t.returns);
        assert_eq!(t.orders.len(), case.orders.len(), "{}", what("orders"));
        for (bar, (expected, actual)) in case.orders.iter().zip(&t.orders).enumerate() {
            match (expected, actual) {
                (None, None) => {}
                (Some(e), Some(a)) => {
                    assert_eq!(e.side, a.side, "{} bar {bar}", what("order side"));
                    assert_same(&format!("{} bar {bar}", what("order size")), e.size, a.size);
                    assert_same(
                        &format!("{} bar {bar}", what("order price")),
                        e.price,
                        a.price,
                    );
                    assert_same(&format!("{} bar {bar}", what("order fees")), e.fees, a.fees);
                }
                _ => panic!(
                    "{} bar {bar}: expected {expected:?}, got {actual:?}",
                    what("order")
                ),
            }
        }
        assert_summary_metrics(&case.case, &case.summary, &t.metrics);
    }
}

#[test]
fn the_summary_diagnostics_follow_from_the_trace() {
    for case in perbar_cases() {
        let t = trace(
            &MaCrossover::new(case.kind),
            &case.prices(),
            (case.fast, case.slow),
            &case.config(),
        )
        .unwrap();
        let s = &case.summary;
        let c = &case.case;
        let n = t.entry.len();
        assert_eq!(n, s.n_bars, "{c}: n_bars");
        let orders: Vec<(usize, Order)> = t
            .orders
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.map(|o| (i, o)))
            .collect();
        assert_eq!(orders.len(), s.n_orders, "{c}: n_orders");
        let buys = orders.iter().filter(|(_, o)| o.side == Side::Buy).count();
        let sells = orders.len() - buys;
        assert_eq!(sells, s.closed_trades, "{c}: sells");
        assert_eq!(buys, s.trades, "{c}: buys");
        assert_eq!(
            s.trades - s.closed_trades,
            s.open_trades,
            "{c}: open_trades"
        );
        let open_at_end = t.position.last().is_some_and(|&p| p > 0.0);
        assert_eq!(
            usize::from(open_at_end),
            s.open_trades,
            "{c}: open at the end"
        );
        let final_value = t.value.last().copied().unwrap_or(f64::NAN);
        assert_same(&format!("{c}: final_value"), s.final_value, final_value);
        let count = |f: &dyn Fn(usize) -> bool| (0..n).filter(|&i| f(i)).count();
        assert_eq!(count(&|i| t.entry[i]), s.n_entries, "{c}: n_entries");
        assert_eq!(count(&|i| t.exit[i]), s.n_exits, "{c}: n_exits");
        // A signal that placed no order: an entry while holding, an exit while flat.
        let held_before = |i: usize| i > 0 && t.position[i - 1] > 0.0;
        assert_eq!(
            count(&|i| t.entry[i] && t.orders[i].is_none()),
            s.entries_in_position,
            "{c}: entries_in_position"
        );
        assert_eq!(
            count(&|i| t.entry[i] && held_before(i)),
            s.entries_in_position,
            "{c}: entries while holding"
        );
        assert_eq!(
            count(&|i| t.exit[i] && t.orders[i].is_none()),
            s.exits_while_flat,
            "{c}: exits_while_flat"
        );
        assert_eq!(
            count(&|i| t.exit[i] && !held_before(i)),
            s.exits_while_flat,
            "{c}: exits while flat"
        );
        assert_eq!(
            count(&|i| t.entry[i] && t.exit[i]),
            0,
            "{c}: entry and exit together"
        );
        let (fast, slow) = (
            t.get::<f64>("fast_ma").unwrap(),
            t.get::<f64>("slow_ma").unwrap(),
        );
        assert_eq!(
            count(&|i| fast[i] == slow[i]),
            s.bars_fast_eq_slow,
            "{c}: bars_fast_eq_slow"
        );
        assert_eq!(
            count(&|i| case.close[i].is_nan()),
            s.n_nan_close,
            "{c}: n_nan_close"
        );
        // No signal on a bar with a NaN close; the cash is exactly 0.0 while holding.
        assert_eq!(
            count(&|i| case.close[i].is_nan() && (t.entry[i] || t.exit[i])),
            0,
            "{c}: a signal on a NaN close"
        );
        assert_eq!(
            count(&|i| t.position[i] > 0.0 && t.cash[i].to_bits() != 0.0f64.to_bits()),
            0,
            "{c}: cash while holding"
        );
    }
}

#[test]
fn a_backtest_run_reproduces_every_summary_metric() {
    for case in perbar_cases() {
        let prices = case.prices();
        let grid = Grid::tuples(&["fast", "slow"], &[(case.fast, case.slow)]).unwrap();
        let out = Backtest::new(MaCrossover::new(case.kind), &prices, &grid, case.config())
            .variance(Variance::Exact)
            .run()
            .unwrap();
        assert_eq!(out.metrics.len(), 1);
        assert_summary_metrics(&case.case, &case.summary, &out.metrics[0]);
        let key = ColumnKey::new((case.fast, case.slow), 0);
        assert!(std::ptr::eq(out.get(key).unwrap(), &out.metrics[0]));
    }
}

/// Every case as one column of a combinations grid over several symbols: the cases of one
/// length are the symbols of one sweep, and the grid holds every case's pair among 28.
#[test]
fn every_case_is_reproduced_inside_a_grid_over_several_symbols() {
    let cases = perbar_cases();
    let windows = [2, 3, 4, 5, 10, 20, 30, 50];
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    let mut lengths: Vec<usize> = cases.iter().map(|c| c.close.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut checked = 0;
    for n in lengths {
        let group: Vec<&PerBar> = cases.iter().filter(|c| c.close.len() == n).collect();
        let prices = Prices::from_close_series(group.iter().map(|c| &c.close[..])).unwrap();
        for kind in MaKind::ALL {
            let pair = Pair::new(Ma::new(kind), Ma::new(kind));
            let averages = Sweep::new(pair, &prices, &grid).chunk_len(5).run().unwrap();
            let backtest = Backtest::new(
                MaCrossover::new(kind),
                &prices,
                &grid,
                BacktestConfig::default(),
            )
            .chunk_len(7)
            .run()
            .unwrap();
            assert_eq!(backtest.metrics.len(), 28 * group.len());
            for (symbol, case) in group.iter().enumerate().filter(|(_, c)| c.kind == kind) {
                let key = ColumnKey::new((case.fast, case.slow), symbol);
                let j = averages.columns.column(key).unwrap();
                let what = format!("{} as column {j}", case.case);
                let fast = averages.get::<f64>("fast_ma").unwrap().column(j).to_vec();
                let slow = averages.get::<f64>("slow_ma").unwrap().column(j).to_vec();
                assert_same_bits(&what, &case.fast_ma, &fast);
                assert_same_bits(&what, &case.slow_ma, &slow);
                assert_summary_metrics(&what, &case.summary, backtest.get(key).unwrap());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, cases.len());
}

#[test]
fn the_naive_reference_reproduces_every_perbar_file() {
    // The reference the property tests compare the library with is itself right.
    for case in perbar_cases() {
        let naive = naive_crossover(&case.close, case.fast, case.slow, case.kind, DAILY_COSTS);
        let c = &case.case;
        assert_same_bits(&format!("{c} naive fast"), &case.fast_ma, &naive.fast);
        assert_same_bits(&format!("{c} naive slow"), &case.slow_ma, &naive.slow);
        assert_eq!(naive.entry, case.entry, "{c} naive entry");
        assert_eq!(naive.exit, case.exit, "{c} naive exit");
        let p = &naive.pipeline;
        assert_same_bits(&format!("{c} naive position"), &case.position, &p.position);
        assert_same_bits(&format!("{c} naive cash"), &case.cash, &p.cash);
        assert_same_bits(&format!("{c} naive value"), &case.value, &p.value);
        assert_same_bits(&format!("{c} naive return"), &case.returns, &p.returns);
        let orders: Vec<(usize, Order)> = case
            .orders
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.map(|o| (i, o)))
            .collect();
        assert_eq!(orders.len(), p.orders.len(), "{c} naive orders");
        for ((bar, e), a) in orders.iter().zip(&p.orders) {
            assert_eq!(
                (*bar, e.side == Side::Buy),
                (a.bar, a.buy),
                "{c} naive order"
            );
            assert!(
                same_bits(e.size, a.size)
                    && same_bits(e.price, a.price)
                    && same_bits(e.fees, a.fee)
            );
        }
        let m = &p.metrics;
        let s = &case.summary;
        assert_same(&format!("{c} naive sharpe"), s.sharpe, m.sharpe);
        assert_same(
            &format!("{c} naive total_return"),
            s.total_return,
            m.total_return,
        );
        assert_same(
            &format!("{c} naive max_drawdown"),
            s.max_drawdown,
            m.max_drawdown,
        );
        assert_eq!(
            (s.trades, s.closed_trades),
            (m.trades, m.closed_trades),
            "{c} naive trades"
        );
    }
}

/// The edge-case table of PIPELINE.md 6.5 on the 0-, 1- and 2-bar files.
#[test]
fn the_short_cases_follow_the_edge_case_table() {
    let cases = perbar_cases();
    for case in cases.iter().filter(|c| c.close.len() <= 2) {
        let t = trace(
            &MaCrossover::new(case.kind),
            &case.prices(),
            (case.fast, case.slow),
            &case.config(),
        )
        .unwrap();
        let m = t.metrics;
        assert_eq!((m.trades, m.closed_trades), (0, 0), "{}", case.case);
        assert_eq!(m.total_return.to_bits(), 0.0f64.to_bits(), "{}", case.case);
        match case.close.len() {
            0 => {
                assert!(
                    m.sharpe.is_nan() && m.max_drawdown.is_nan(),
                    "{}",
                    case.case
                );
                assert!(t.value.is_empty() && t.orders.is_empty());
            }
            1 => {
                assert!(m.sharpe.is_nan(), "{}", case.case);
                assert_eq!(m.max_drawdown.to_bits(), 0.0f64.to_bits(), "{}", case.case);
            }
            _ => {
                assert_eq!(m.sharpe, f64::INFINITY, "{}", case.case);
                assert_eq!(m.max_drawdown.to_bits(), 0.0f64.to_bits(), "{}", case.case);
            }
        }
        assert!(t.returns.iter().all(|r| r.to_bits() == 0.0f64.to_bits()));
    }
}

/// STRATEGIES.md section 7, the worked example, both kinds.
#[test]
fn the_worked_example_of_the_spec() {
    let close = [
        10.0, 11.0, 12.0, 11.0, 10.0, 11.0, 12.5, 9.5, 16.0, 15.0, 13.0, 12.0,
    ];
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let config = BacktestConfig::default();
    let t = trace(&MaCrossover::simple(), &prices, (2, 3), &config).unwrap();
    let nan = f64::NAN;
    let fast = [
        nan, 10.5, 11.5, 11.5, 10.5, 10.5, 11.75, 11.0, 12.75, 15.5, 14.0, 12.5,
    ];
    let slow = [
        nan,
        nan,
        11.0,
        11.333333333333334,
        11.0,
        10.666666666666666,
        11.166666666666666,
        11.0,
        12.666666666666666,
        13.5,
        14.666666666666666,
        13.333333333333334,
    ];
    assert_same_bits("fast", &fast, t.get::<f64>("fast_ma").unwrap());
    assert_same_bits("slow", &slow, t.get::<f64>("slow_ma").unwrap());
    let bars = |v: &[bool]| (0..v.len()).filter(|&i| v[i]).collect::<Vec<_>>();
    assert_eq!(bars(&t.entry), [6, 8]);
    assert_eq!(bars(&t.exit), [4, 10]);
    let order_bars: Vec<usize> = (0..close.len())
        .filter(|&i| t.orders[i].is_some())
        .collect();
    assert_eq!(order_bars, [6, 10]);
    let buy = t.orders[6].unwrap();
    assert_eq!((buy.side, buy.size), (Side::Buy, 7.992007992007993));
    assert_eq!(t.orders[10].unwrap().side, Side::Sell);
    let value = [
        100.0,
        100.0,
        100.0,
        100.0,
        100.0,
        100.0,
        99.90009990009992,
        75.92407592407594,
        127.87212787212789,
        119.88011988011989,
        103.7922077922078,
        103.7922077922078,
    ];
    assert_same_bits("value", &value, &t.value);
    assert_same("sharpe", 1.767095774569536, t.metrics.sharpe);
    assert_same("total_return", 0.037922077922078044, t.metrics.total_return);
    assert_same("max_drawdown", -0.2407592407592406, t.metrics.max_drawdown);
    assert_eq!(t.metrics.trades, 1);

    let t = trace(&MaCrossover::exponential(), &prices, (2, 3), &config).unwrap();
    assert_same(
        "ema fast[1]",
        10.666666666666668,
        t.get::<f64>("fast_ma").unwrap()[1],
    );
    assert_same("ema slow[2]", 11.25, t.get::<f64>("slow_ma").unwrap()[2]);
    assert_eq!(bars(&t.entry)[0], 5);
    assert_eq!(t.metrics.trades, 2);
}
