//! The lane engine (several columns per vector) against the scalar engine (one column at a
//! time), bit for bit, for every strategy: SuperTrend in every variant, moving-average
//! crossovers of both kinds and a threshold rule; on random data with NaN gaps and flat runs,
//! degenerate costs, overflowing orders, every chunk length and rolling windows. On a CPU
//! without AVX2 both runs take the scalar engine and the comparison holds trivially; the
//! naive-reference tests cover the default engine either way.

mod common;

use common::strategies::{distinct_windows, ma_kind, two_close_series};
use common::{
    assert_same_metrics, multiplier, period, proptest_config, random_symbols, two_symbols,
    valid_closes, variant, Ohlc,
};
use proptest::prelude::*;
use ta_sweep::backtest::{Engine, Level, Threshold};
use ta_sweep::{supertrend, Backtest, BacktestConfig, Grid, Ma, MaCrossover, Prices, SuperTrend};

/// Costs from the ordinary to the degenerate: no fee, fees within 1e-9 of 100 % (where the
/// tolerant arithmetic decides), tiny cash (orders below the minimum size) and cash whose
/// orders overflow (NaN cash and positions).
fn config() -> impl Strategy<Value = BacktestConfig> {
    (
        prop_oneof![Just(0.001), Just(0.0), 0.0f64..0.05, Just(1.0 - 1e-10)],
        prop_oneof![Just(100.0), 1.0f64..1e6, Just(1e-7), Just(1e300)],
    )
        .prop_map(|(fees, cash)| BacktestConfig::new(fees, cash, 8760.0).unwrap())
}

fn prices<'a>(a: &'a Ohlc, b: &'a Ohlc) -> Prices<'a> {
    Prices::from_symbols([
        (&a.high[..], &a.low[..], &a.close[..]),
        (&b.high[..], &b.low[..], &b.close[..]),
    ])
    .unwrap()
}

/// A period with 1 to 7 multipliers: batches of four lanes, full and partial.
fn supertrend_grid() -> impl Strategy<Value = Grid<(usize, f64)>> {
    (
        prop::collection::vec(period(), 1..3),
        prop::collection::vec(multiplier(), 1..8),
    )
        .prop_map(|(mut periods, mut multipliers)| {
            periods.sort_unstable();
            periods.dedup();
            multipliers.sort_by(f64::total_cmp);
            multipliers.dedup();
            supertrend::grid(&periods, &multipliers).unwrap()
        })
}

/// Both engines on `backtest`, then compared.
macro_rules! assert_engines_agree {
    ($what:expr, $backtest:expr) => {{
        let lanes = $backtest.clone().engine(Engine::Lanes).run().unwrap();
        let scalar = $backtest.engine(Engine::Scalar).run().unwrap();
        assert_same_metrics($what, &lanes.metrics, &scalar.metrics);
    }};
}

proptest! {
    #![proptest_config(proptest_config(128))]

    /// SuperTrend, every variant, every chunk length.
    #[test]
    fn supertrend_lanes_equal_the_scalar_engine(
        (a, b) in two_symbols(300),
        grid in supertrend_grid(),
        variant in variant(),
        config in config(),
        chunk_len in 1usize..12,
    ) {
        prop_assume!(valid_closes(&[&a, &b]));
        let prices = prices(&a, &b);
        let backtest = Backtest::new(SuperTrend::new(variant), &prices, &grid, config).chunk_len(chunk_len);
        assert_engines_agree!(&format!("{variant:?}"), backtest);
    }

    /// The dual moving-average crossover of both kinds over every pair of some windows.
    #[test]
    fn crossover_lanes_equal_the_scalar_engine(
        (a, b) in two_close_series(300),
        windows in distinct_windows(30, 2..9),
        kind in ma_kind(),
        config in config(),
        chunk_len in 1usize..12,
    ) {
        let prices = Prices::from_close_series([&a[..], &b[..]]).unwrap();
        let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
        let backtest = Backtest::new(MaCrossover::new(kind), &prices, &grid, config).chunk_len(chunk_len);
        assert_engines_agree!(&format!("{kind}"), backtest);
    }

    /// A threshold rule on an average: levels, not edges, so orders on many bars.
    #[test]
    fn threshold_lanes_equal_the_scalar_engine(
        (a, b) in two_close_series(300),
        windows in distinct_windows(20, 1..9),
        kind in ma_kind(),
        config in config(),
    ) {
        let prices = Prices::from_close_series([&a[..], &b[..]]).unwrap();
        let grid = Grid::axis(&["window"], &windows).unwrap();
        let middle = a.iter().copied().filter(|c| !c.is_nan()).fold(0.0, f64::max) / 2.0;
        let rule = Threshold::new("ma", Level::Above(middle), Level::Below(middle));
        let backtest = Backtest::new((Ma::new(kind), rule), &prices, &grid, config);
        assert_engines_agree!(&format!("{kind} threshold {middle}"), backtest);
    }

    /// Rolling windows: each window's columns through the lanes.
    #[test]
    fn rolling_lanes_equal_the_scalar_engine(
        (a, b) in two_close_series(300),
        windows in distinct_windows(20, 2..7),
        window in 1usize..200,
        step in 1usize..120,
    ) {
        prop_assume!(window <= a.len());
        let prices = Prices::from_close_series([&a[..], &b[..]]).unwrap();
        let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
        let backtest = Backtest::new(MaCrossover::simple(), &prices, &grid, BacktestConfig::default());
        let lanes = backtest.clone().engine(Engine::Lanes).rolling(window, step).unwrap();
        let scalar = backtest.engine(Engine::Scalar).rolling(window, step).unwrap();
        assert_same_metrics("rolling", &lanes.metrics, &scalar.metrics);
    }
}

/// Long series with NaN gaps: thousands of orders per column, every path of the lane engine
/// (orders in several lanes on one bar, quiet stretches, NaN closes on attempt bars).
#[test]
fn long_series_with_gaps_give_the_same_bits_on_both_engines() {
    let data = random_symbols(6000, 2, 0x1a2e5, 37);
    let prices =
        Prices::from_symbols(data.iter().map(|d| (&d.high[..], &d.low[..], &d.close[..]))).unwrap();
    let config = BacktestConfig::default();
    let grid = supertrend::tutorial_grid();
    for variant in ta_sweep::Variant::ALL {
        let backtest = Backtest::new(SuperTrend::new(variant), &prices, &grid, config);
        assert_engines_agree!(&format!("{variant:?}"), backtest);
    }
    let windows: Vec<usize> = (2..=40).collect();
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    for strategy in [MaCrossover::simple(), MaCrossover::exponential()] {
        let backtest = Backtest::new(strategy, &prices, &grid, config);
        assert_engines_agree!("crossover", backtest);
    }
}
