//! The pipeline against vectorbt's reference traces (`tests/data/golden-pipeline/`, vectorbt
//! 1.2.0's own outputs): every per-bar series of every traced case, their summary
//! metrics, and the whole tutorial grid over the bundled data, all bit for bit.

mod common;

use std::path::Path;

use common::{assert_same_bits, column, data_dir, read_columns, same_bits, Columns};
use ta_sweep::{
    backtest_trace, supertrend, Backtest, BacktestConfig, Prices, Side, SuperTrend,
    SuperTrendParams,
};

fn golden(name: &str) -> std::path::PathBuf {
    data_dir().join("golden-pipeline").join(name)
}

/// The text of column `name`, for the non-numeric columns.
fn text<'c>(columns: &'c Columns, name: &str) -> &'c [String] {
    &columns
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .1
}

fn flags(columns: &Columns, name: &str) -> Vec<bool> {
    text(columns, name)
        .iter()
        .map(|v| match v.as_str() {
            "0" => false,
            "1" => true,
            other => panic!("{name}: {other} is not 0 or 1"),
        })
        .collect()
}

/// One row of `perbar_summary.csv`.
struct Case {
    name: String,
    period: usize,
    multiplier: f64,
    config: BacktestConfig,
    sharpe: f64,
    total_return: f64,
    max_drawdown: f64,
    trades: usize,
    closed_trades: usize,
    open_trades: usize,
    final_value: f64,
    orders: usize,
}

fn cases() -> Vec<Case> {
    let summary = read_columns(&golden("perbar_summary.csv"));
    let names = text(&summary, "case").to_vec();
    let number = |name: &str| column(&summary, name);
    let count = |name: &str| -> Vec<usize> {
        text(&summary, name)
            .iter()
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let (period, multiplier) = (count("period"), number("multiplier"));
    let (annualisation, init_cash, fees) =
        (number("ann_factor"), number("init_cash"), number("fees"));
    let (sharpe, total_return, max_drawdown) = (
        number("sharpe"),
        number("total_return"),
        number("max_drawdown"),
    );
    let (trades, closed, open, orders) = (
        count("trades"),
        count("closed_trades"),
        count("open_trades"),
        count("n_orders"),
    );
    let final_value = number("final_value");
    (0..names.len())
        .map(|i| Case {
            name: names[i].clone(),
            period: period[i],
            multiplier: multiplier[i],
            config: BacktestConfig::new(fees[i], init_cash[i], annualisation[i]).unwrap(),
            sharpe: sharpe[i],
            total_return: total_return[i],
            max_drawdown: max_drawdown[i],
            trades: trades[i],
            closed_trades: closed[i],
            open_trades: open[i],
            final_value: final_value[i],
            orders: orders[i],
        })
        .collect()
}

#[test]
fn every_traced_case_is_reproduced_bar_for_bar() {
    let cases = cases();
    assert_eq!(cases.len(), 5, "the summary lists every traced case");
    for case in &cases {
        let file = golden(&format!("perbar_{}.csv", case.name));
        let bars = read_columns(&file);
        let (high, low, close) = (
            column(&bars, "high"),
            column(&bars, "low"),
            column(&bars, "close"),
        );
        let params = SuperTrendParams::new(case.period, case.multiplier).unwrap();
        let trace = backtest_trace(&high, &low, &close, params, &case.config).unwrap();
        let what = |series: &str| format!("{}: {series}", case.name);

        let line = |name: &str| {
            trace
                .get::<f64>(name)
                .unwrap_or_else(|| panic!("no {name}"))
        };
        assert_same_bits(&what("supert"), &column(&bars, "supert"), line("supert"));
        let superd: Vec<f64> = trace
            .get::<i8>("superd")
            .expect("no superd")
            .iter()
            .map(|&d| f64::from(d))
            .collect();
        assert_same_bits(&what("superd"), &column(&bars, "superd"), &superd);
        assert_same_bits(&what("superl"), &column(&bars, "superl"), line("superl"));
        assert_same_bits(&what("supers"), &column(&bars, "supers"), line("supers"));
        assert_eq!(flags(&bars, "entry"), trace.entry, "{}", what("entry"));
        assert_eq!(flags(&bars, "exit"), trace.exit, "{}", what("exit"));
        assert_same_bits(
            &what("position"),
            &column(&bars, "position"),
            &trace.position,
        );
        assert_same_bits(&what("cash"), &column(&bars, "cash"), &trace.cash);
        assert_same_bits(&what("value"), &column(&bars, "value"), &trace.value);
        assert_same_bits(&what("return"), &column(&bars, "return"), &trace.returns);

        // Orders: side 1 buy, -1 sell, 0 none (then size, price and fees are NaN).
        let side: Vec<f64> = trace
            .orders
            .iter()
            .map(|o| match o.map(|o| o.side) {
                Some(Side::Buy) => 1.0,
                Some(Side::Sell) => -1.0,
                None => 0.0,
            })
            .collect();
        assert_same_bits(&what("order_side"), &column(&bars, "order_side"), &side);
        let field = |f: fn(&ta_sweep::Order) -> f64| -> Vec<f64> {
            trace
                .orders
                .iter()
                .map(|o| o.as_ref().map_or(f64::NAN, f))
                .collect()
        };
        assert_same_bits(
            &what("order_size"),
            &column(&bars, "order_size"),
            &field(|o| o.size),
        );
        assert_same_bits(
            &what("order_price"),
            &column(&bars, "order_price"),
            &field(|o| o.price),
        );
        assert_same_bits(
            &what("order_fees"),
            &column(&bars, "order_fees"),
            &field(|o| o.fees),
        );

        // The summary of the same case.
        let m = trace.metrics;
        assert!(same_bits(m.sharpe, case.sharpe), "{}", what("sharpe"));
        assert!(
            same_bits(m.total_return, case.total_return),
            "{}",
            what("total return")
        );
        assert!(
            same_bits(m.max_drawdown, case.max_drawdown),
            "{}",
            what("drawdown")
        );
        assert_eq!(
            (m.trades, m.closed_trades, m.trades - m.closed_trades),
            (case.trades, case.closed_trades, case.open_trades),
            "{}",
            what("trades")
        );
        assert!(same_bits(*trace.value.last().unwrap(), case.final_value));
        assert_eq!(trace.orders.iter().flatten().count(), case.orders);
    }
}

#[test]
fn traced_cases_run_through_the_grid_give_the_same_metrics() {
    for case in cases() {
        let bars = read_columns(&golden(&format!("perbar_{}.csv", case.name)));
        let (high, low, close) = (
            column(&bars, "high"),
            column(&bars, "low"),
            column(&bars, "close"),
        );
        let prices = Prices::single(&high, &low, &close).unwrap();
        let grid = supertrend::pairs(&[(case.period, case.multiplier)]).unwrap();
        let out = Backtest::new(SuperTrend::default(), &prices, &grid, case.config)
            .run()
            .unwrap();
        let m = out.metrics[0];
        assert!(same_bits(m.sharpe, case.sharpe), "{}", case.name);
        assert!(
            same_bits(m.total_return, case.total_return),
            "{}",
            case.name
        );
        assert!(
            same_bits(m.max_drawdown, case.max_drawdown),
            "{}",
            case.name
        );
        assert_eq!(
            (m.trades, m.closed_trades),
            (case.trades, case.closed_trades)
        );
    }
}

/// `examples/data/<name>`: the bundled prices the grid file was computed from.
fn bundled(name: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data")
        .join(name);
    let columns = read_columns(&path);
    let find = |want: &str| -> Vec<f64> {
        let (_, values) = columns
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(want))
            .unwrap_or_else(|| panic!("{name}: no {want}"));
        values.iter().map(|v| v.parse().unwrap()).collect()
    };
    (find("high"), find("low"), find("close"))
}

#[test]
fn the_tutorial_grid_over_the_bundled_data_is_reproduced_bit_for_bit() {
    let symbols = ["MSFT_bokeh", "IBM_bokeh"];
    let data: Vec<_> = symbols
        .iter()
        .map(|s| bundled(&format!("{s}.csv")))
        .collect();
    let prices = Prices::from_symbols(
        data.iter()
            .map(|(h, l, c)| (h.as_slice(), l.as_slice(), c.as_slice())),
    )
    .unwrap();
    let grid = supertrend::tutorial_grid();
    let config = BacktestConfig::default().with_annualisation(365.0).unwrap();
    let out = Backtest::new(SuperTrend::default(), &prices, &grid, config)
        .run()
        .unwrap();

    let expected = read_columns(&golden("grid_msft_ibm_1d.csv"));
    let (period, multiplier) = (column(&expected, "period"), column(&expected, "multiplier"));
    let symbol = text(&expected, "symbol");
    let (sharpe, total_return, max_drawdown) = (
        column(&expected, "sharpe"),
        column(&expected, "total_return"),
        column(&expected, "max_drawdown"),
    );
    let (trades, closed) = (
        column(&expected, "trades"),
        column(&expected, "closed_trades"),
    );
    assert_eq!(out.metrics.len(), 672);
    assert_eq!(symbol.len(), 672);
    for (j, (key, m)) in out.columns.keys().zip(&out.metrics).enumerate() {
        assert_eq!(key.params.0 as f64, period[j], "row {j}");
        assert_eq!(key.params.1.to_bits(), multiplier[j].to_bits(), "row {j}");
        assert_eq!(symbols[key.symbol], symbol[j], "row {j}");
        let label = out.columns.label(j).unwrap();
        let row = |what: &str, e: f64, a: f64| {
            assert!(
                same_bits(e, a),
                "row {j} ({label}) {what}: expected {e:?}, got {a:?}"
            )
        };
        row("sharpe", sharpe[j], m.sharpe);
        row("total_return", total_return[j], m.total_return);
        row("max_drawdown", max_drawdown[j], m.max_drawdown);
        assert_eq!(m.trades as f64, trades[j], "row {j} trades");
        assert_eq!(m.closed_trades as f64, closed[j], "row {j} closed trades");
    }
}
