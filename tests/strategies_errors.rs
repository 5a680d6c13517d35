//! One test per error variant of the open factory (grids, moving averages, outputs, prices,
//! rules): the error and its fields, a message that names the offending value, and, where
//! there is somewhere to write, that nothing was written (caller buffers keep their sentinel
//! values, user functions are never called).

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{Array2, ShapeBuilder};
use ta_sweep::atr::Atr;
use ta_sweep::backtest::{trace, Crossover, Level, Threshold};
use ta_sweep::ma::{moving_average, moving_average_into, MaState};
use ta_sweep::{
    supertrend, Backtest, BacktestConfig, Column, Dtype, Error, FnIndicator, Grid, Indicator,
    Inputs, Ma, MaCrossover, MaKind, OutputSet, OutputSpec, Pair, Prices, SuperTrend, Sweep,
    SweepBuffers, SweepState, SymbolPrices,
};

const SENTINEL: f64 = -12345.5;

fn close() -> Vec<f64> {
    (0..40)
        .map(|i| 100.0 + (i as f64 * 0.4).sin() * 5.0)
        .collect()
}

/// A (bars, columns) column-major buffer filled with the sentinel.
fn sentinel(bars: usize, columns: usize) -> Array2<f64> {
    Array2::from_elem((bars, columns).f(), SENTINEL)
}

fn untouched(buffer: &Array2<f64>) -> bool {
    buffer.iter().all(|x| x.to_bits() == SENTINEL.to_bits())
}

/// The error's message names every one of `parts`.
#[track_caller]
fn assert_message(error: &Error, parts: &[&str]) {
    let message = error.to_string();
    for part in parts {
        assert!(
            message.contains(part),
            "`{message}` does not mention `{part}`"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Grids
// ---------------------------------------------------------------------------------------------

#[test]
fn too_few_values_for_a_combination_grid() {
    let err = Grid::combinations(&["fast", "slow"], &[20usize]).unwrap_err();
    assert_eq!(
        err,
        Error::TooFewValues {
            values: 1,
            needed: 2
        }
    );
    assert_message(&err, &["1 values", "2"]);
    let err = Grid::<(usize, usize)>::combinations(&["fast", "slow"], &[]).unwrap_err();
    assert_eq!(
        err,
        Error::TooFewValues {
            values: 0,
            needed: 2
        }
    );
    assert_message(&err, &["0 values"]);
    // Two values make one combination.
    assert_eq!(
        Grid::combinations(&["fast", "slow"], &[20usize, 5])
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        [(20, 5)]
    );
}

#[test]
fn axis_names_must_match_the_row_width() {
    let err = Grid::axis(&["window", "extra"], &[5usize, 10]).unwrap_err();
    assert_eq!(
        err,
        Error::AxisNames {
            expected: 1,
            actual: 2
        }
    );
    assert_message(&err, &["2 axis names", "1 values"]);
    let err = Grid::combinations(&["fast"], &[2usize, 3]).unwrap_err();
    assert_eq!(
        err,
        Error::AxisNames {
            expected: 2,
            actual: 1
        }
    );
    assert_message(&err, &["1 axis names", "2 values"]);
    let err = Grid::product(&["a", "b"], (&[1usize][..], &[0.5][..], &[7u32][..])).unwrap_err();
    assert_eq!(
        err,
        Error::AxisNames {
            expected: 3,
            actual: 2
        }
    );
    let err = Grid::tuples(&[], &[(1usize, 2usize)]).unwrap_err();
    assert_eq!(
        err,
        Error::AxisNames {
            expected: 2,
            actual: 0
        }
    );
}

#[test]
fn too_many_axes() {
    type Wide = ((u32, u32, u32), (u32, u32, u32), (u32, u32, u32));
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    let row: Wide = ((1, 2, 3), (4, 5, 6), (7, 8, 9));
    let err = Grid::tuples(&names, &[row]).unwrap_err();
    assert_eq!(err, Error::TooManyAxes { axes: 9, max: 8 });
    assert_message(&err, &["9 values", "8"]);
    // Eight values fit.
    let row = ((1u32, 2u32, 3u32), (4u32, 5u32, 6u32), (7u32, 8u32));
    let grid = Grid::tuples(&names[..8], &[row]).unwrap();
    assert_eq!(grid.label(0).unwrap(), "a1_b2_c3_d4_e5_f6_g7_h8");
}

#[test]
fn a_repeated_window_in_a_combination_grid() {
    let err = Grid::combinations(&["fast", "slow"], &[2usize, 3, 2]).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateParams {
            params: "fast2_slow2".into()
        }
    );
    assert_message(&err, &["fast2_slow2"]);
    // [5, 3, 3] would make (5, 3) twice.
    let err = Grid::combinations(&["fast", "slow"], &[5usize, 3, 3]).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateParams {
            params: "fast5_slow3".into()
        }
    );
    assert_message(&err, &["fast5_slow3"]);
    let err = Grid::axis(&["window"], &[5usize, 8, 5]).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateParams {
            params: "window5".into()
        }
    );
    let err = Grid::tuples(&["fast", "slow"], &[(2usize, 5usize), (3, 5), (2, 5)]).unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateParams {
            params: "fast2_slow5".into()
        }
    );
}

#[test]
fn a_filter_that_keeps_nothing() {
    let windows: Vec<usize> = (2..=10).collect();
    let grid = Grid::combinations(&["fast", "slow"], &windows).unwrap();
    let err = grid.filter(|_| false).unwrap_err();
    assert_eq!(err, Error::EmptyGrid);
    assert_message(&err, &["empty"]);
    assert_eq!(grid.filter(|&(f, s)| f > s).unwrap_err(), Error::EmptyGrid);
    assert_eq!(
        Grid::<usize>::axis(&["window"], &[]).unwrap_err(),
        Error::EmptyGrid
    );
    // The grid filtered is unchanged.
    assert_eq!(grid.len(), 36);
}

// ---------------------------------------------------------------------------------------------
// Moving averages
// ---------------------------------------------------------------------------------------------

#[test]
fn window_zero_in_moving_average_and_ma_state() {
    let close = close();
    for kind in MaKind::ALL {
        let err = moving_average(&close, 0, kind).unwrap_err();
        assert_eq!(err, Error::InvalidWindow { window: 0 });
        assert_message(&err, &["window 0"]);
        assert_eq!(
            moving_average(&[], 0, kind).unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
        let mut out = vec![SENTINEL; close.len()];
        assert_eq!(
            moving_average_into(&close, 0, kind, &mut out).unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
        assert!(out.iter().all(|x| x.to_bits() == SENTINEL.to_bits()));
        assert_eq!(
            MaState::new(0, kind).unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
        // A window of 1 is valid.
        assert!(MaState::new(1, kind).is_ok());
        assert!(moving_average(&close, 1, kind).is_ok());
    }
}

#[test]
fn window_zero_in_a_ma_sweep() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["window"], &[3usize, 0, 5]).unwrap();
    for kind in MaKind::ALL {
        let sweep = Sweep::new(Ma::new(kind), &prices, &grid);
        let err = sweep.run().unwrap_err();
        assert_eq!(err, Error::InvalidWindow { window: 0 });
        assert_message(&err, &["window 0"]);
        assert_eq!(
            sweep.run_with_states().unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
        let mut buffer = sentinel(close.len(), 3);
        assert_eq!(
            sweep
                .run_into(SweepBuffers::new().with("ma", &mut buffer))
                .unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
        assert!(untouched(&buffer));
        let calls = AtomicUsize::new(0);
        let err = sweep
            .reduce(|_| calls.fetch_add(1, Ordering::Relaxed))
            .unwrap_err();
        assert_eq!(err, Error::InvalidWindow { window: 0 });
        assert_eq!(calls.load(Ordering::Relaxed), 0);
        assert_eq!(
            SweepState::new(Ma::new(kind), &grid, 1).unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
    }
}

#[test]
fn window_zero_in_a_crossover_backtest() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let config = BacktestConfig::default();
    let grids = [
        Grid::combinations(&["fast", "slow"], &[0usize, 3, 5]).unwrap(),
        Grid::tuples(&["fast", "slow"], &[(2usize, 5usize), (5, 0)]).unwrap(),
    ];
    for kind in MaKind::ALL {
        for grid in &grids {
            let err = Backtest::new(MaCrossover::new(kind), &prices, grid, config)
                .run()
                .unwrap_err();
            assert_eq!(err, Error::InvalidWindow { window: 0 });
            assert_message(&err, &["window 0"]);
        }
        assert_eq!(
            trace(&MaCrossover::new(kind), &prices, (0, 5), &config).unwrap_err(),
            Error::InvalidWindow { window: 0 }
        );
    }
}

#[test]
fn an_unknown_ma_kind() {
    let err = "weighted".parse::<MaKind>().unwrap_err();
    assert_eq!(
        err,
        Error::UnknownMaKind {
            name: "weighted".into()
        }
    );
    assert_message(&err, &["`weighted`", "simple", "exponential"]);
    assert_eq!(
        "".parse::<MaKind>().unwrap_err(),
        Error::UnknownMaKind { name: "".into() }
    );
    // The names, in any ASCII case, read back.
    for kind in MaKind::ALL {
        assert_eq!(kind.to_string().parse::<MaKind>().unwrap(), kind);
        assert_eq!(kind.name().to_uppercase().parse::<MaKind>().unwrap(), kind);
    }
}

// ---------------------------------------------------------------------------------------------
// A user's indicator: parameters and outputs
// ---------------------------------------------------------------------------------------------

static CHECKED_CALLS: AtomicUsize = AtomicUsize::new(0);

/// A window check of a user's own: windows over 10 are rejected.
fn checked_indicator() -> FnIndicator<
    usize,
    impl Fn(&SymbolPrices<'_>, &usize, &mut ta_sweep::factory::FnOutputs<'_>) + Sync,
> {
    FnIndicator::new(
        [OutputSpec::f64("mean")],
        |prices: &SymbolPrices<'_>, &w: &usize, out: &mut ta_sweep::factory::FnOutputs<'_>| {
            CHECKED_CALLS.fetch_add(1, Ordering::Relaxed);
            moving_average_into(prices.close(), w, MaKind::Simple, out.get::<f64>(0)).unwrap();
        },
    )
    .inputs(Inputs::Close)
    .check(|&w: &usize| {
        if w > 10 {
            Err(Error::InvalidParams {
                params: format!("w{w}"),
                reason: format!("window {w} is over 10"),
            })
        } else {
            Ok(())
        }
    })
}

#[test]
fn invalid_params_from_a_closure_check() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["w"], &[3usize, 12, 5]).unwrap();
    let expected = Error::InvalidParams {
        params: "w12".into(),
        reason: "window 12 is over 10".into(),
    };
    let before = CHECKED_CALLS.load(Ordering::Relaxed);
    let sweep = Sweep::new(checked_indicator(), &prices, &grid);
    let err = sweep.run().unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["w12", "window 12 is over 10"]);
    let mut buffer = sentinel(close.len(), 3);
    assert_eq!(
        sweep
            .run_into(SweepBuffers::new().with("mean", &mut buffer))
            .unwrap_err(),
        expected
    );
    assert!(untouched(&buffer));
    assert_eq!(sweep.reduce(|_| ()).unwrap_err(), expected);
    let rule = Threshold::new("mean", Level::Above(100.0), Level::Below(100.0));
    let err = Backtest::new(
        (checked_indicator(), rule.clone()),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .run()
    .unwrap_err();
    assert_eq!(err, expected);
    assert_eq!(
        trace(
            &(checked_indicator(), rule),
            &prices,
            11,
            &BacktestConfig::default()
        )
        .unwrap_err(),
        Error::InvalidParams {
            params: "w11".into(),
            reason: "window 11 is over 10".into()
        }
    );
    // The function never ran. (Other tests of this binary do not use it.)
    assert_eq!(CHECKED_CALLS.load(Ordering::Relaxed), before);
    // Valid windows run.
    let grid = Grid::axis(&["w"], &[3usize, 10]).unwrap();
    assert!(Sweep::new(checked_indicator(), &prices, &grid)
        .run()
        .is_ok());
    assert!(CHECKED_CALLS.load(Ordering::Relaxed) > before);
}

/// A user's indicator declaring `outputs` outputs (`o0`, `o1`, ...), each the close.
struct Wide {
    schema: Vec<OutputSpec>,
    calls: AtomicUsize,
}

impl Wide {
    fn new(outputs: usize) -> Self {
        Wide {
            schema: (0..outputs)
                .map(|k| OutputSpec::new(format!("o{k}"), Dtype::F64))
                .collect(),
            calls: AtomicUsize::new(0),
        }
    }
}

impl Indicator for Wide {
    type Params = usize;
    type Shared = ();
    type Scratch = ();
    type State = ();

    fn outputs(&self) -> &[OutputSpec] {
        &self.schema
    }

    fn inputs(&self) -> Inputs {
        Inputs::Close
    }

    fn share(&self, _: &SymbolPrices<'_>) {}

    fn scratch(&self, _: usize) {}

    fn run_batch(
        &self,
        prices: &SymbolPrices<'_>,
        _: &(),
        _: &mut (),
        params: &[usize],
        columns: &mut [Column<'_, ()>],
    ) {
        self.calls.fetch_add(params.len(), Ordering::Relaxed);
        for column in columns {
            for k in 0..self.schema.len() {
                if let Some(out) = column.take::<f64>(k) {
                    out.copy_from_slice(prices.close());
                }
            }
        }
    }
}

#[test]
fn an_indicator_naming_one_output_twice() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["w"], &[1usize, 2]).unwrap();
    let mut twice = Wide::new(3);
    twice.schema[2] = OutputSpec::new("o0", Dtype::F64);
    let expected = Error::DuplicateOutput { name: "o0".into() };
    let err = Sweep::new(&twice, &prices, &grid).run().unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["o0"]);
    let calls = AtomicUsize::new(0);
    assert_eq!(
        Sweep::new(&twice, &prices, &grid)
            .reduce(|_| calls.fetch_add(1, Ordering::Relaxed))
            .unwrap_err(),
        expected
    );
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    let rule = Threshold::new("o1", Level::Above(100.0), Level::Below(100.0));
    assert_eq!(
        Backtest::new((&twice, rule), &prices, &grid, BacktestConfig::default())
            .run()
            .unwrap_err(),
        expected
    );
    assert_eq!(twice.calls.load(Ordering::Relaxed), 0);
}

#[test]
fn an_indicator_declaring_17_outputs() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["w"], &[1usize, 2]).unwrap();
    let expected = Error::TooManyOutputs {
        outputs: 17,
        max: 16,
    };
    let wide = Wide::new(17);
    let err = Sweep::new(&wide, &prices, &grid).run().unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["17 outputs", "16"]);
    let mut buffer = sentinel(close.len(), 2);
    assert_eq!(
        Sweep::new(&wide, &prices, &grid)
            .run_into(SweepBuffers::new().with("o0", &mut buffer))
            .unwrap_err(),
        expected
    );
    assert!(untouched(&buffer));
    let calls = AtomicUsize::new(0);
    assert_eq!(
        Sweep::new(&wide, &prices, &grid)
            .reduce(|_| calls.fetch_add(1, Ordering::Relaxed))
            .unwrap_err(),
        expected
    );
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    let rule = Threshold::new("o0", Level::Above(100.0), Level::Below(100.0));
    assert_eq!(
        Backtest::new(
            (&wide, rule.clone()),
            &prices,
            &grid,
            BacktestConfig::default()
        )
        .run()
        .unwrap_err(),
        expected
    );
    assert_eq!(
        trace(&(&wide, rule), &prices, 1, &BacktestConfig::default()).unwrap_err(),
        expected
    );
    assert_eq!(wide.calls.load(Ordering::Relaxed), 0);

    // Through the closure adapter too.
    let schema: Vec<OutputSpec> = (0..17)
        .map(|k| OutputSpec::new(format!("x{k}"), Dtype::F64))
        .collect();
    let closure = FnIndicator::new(schema, |_: &SymbolPrices<'_>, _: &usize, _: &mut _| {
        panic!("never called")
    })
    .inputs(Inputs::Close);
    assert_eq!(
        Sweep::new(closure, &prices, &grid).run().unwrap_err(),
        expected
    );

    // Sixteen outputs are the most, and they sweep.
    let wide = Wide::new(16);
    let out = Sweep::new(&wide, &prices, &grid).run().unwrap();
    assert_eq!(out.get::<f64>("o15").unwrap().column(1).to_vec(), close);
    assert_eq!(wide.calls.load(Ordering::Relaxed), 2);
}

// ---------------------------------------------------------------------------------------------
// Output names and types
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unknown_output_of_a_crossover_and_of_a_selection() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::combinations(&["fast", "slow"], &[2usize, 5, 8]).unwrap();
    let config = BacktestConfig::default();
    let expected = Error::UnknownOutput {
        name: "nope".into(),
        available: "fast_ma, slow_ma".into(),
    };
    let pair = Pair::new(Ma::simple(), Ma::simple());
    let strategy = (pair.clone(), Crossover::new("nope", "slow_ma"));
    let err = Backtest::new(strategy.clone(), &prices, &grid, config)
        .run()
        .unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["`nope`", "fast_ma, slow_ma"]);
    assert_eq!(
        trace(&strategy, &prices, (2, 5), &config).unwrap_err(),
        expected
    );
    let strategy = (pair.clone(), Crossover::new("fast_ma", "nope"));
    assert_eq!(
        Backtest::new(strategy, &prices, &grid, config)
            .run()
            .unwrap_err(),
        expected
    );
    let strategy = (
        pair.clone(),
        Threshold::new("nope", Level::Above(1.0), Level::Below(1.0)),
    );
    assert_eq!(
        Backtest::new(strategy, &prices, &grid, config)
            .run()
            .unwrap_err(),
        expected
    );

    // A selection by name, and buffers by name.
    let sweep = Sweep::new(pair.clone(), &prices, &grid).outputs(&["slow_ma", "nope"]);
    assert_eq!(sweep.run().unwrap_err(), expected);
    assert_eq!(sweep.output_bytes().unwrap_err(), expected);
    assert_eq!(sweep.reduce(|_| ()).unwrap_err(), expected);
    let axis = Grid::axis(&["window"], &[2usize, 5]).unwrap();
    let err = Sweep::new(Ma::simple(), &prices, &axis)
        .outputs(&["nope"])
        .run()
        .unwrap_err();
    assert_eq!(
        err,
        Error::UnknownOutput {
            name: "nope".into(),
            available: "ma".into()
        }
    );
    assert_message(&err, &["`nope`", "ma"]);
    let (mut fast, mut other) = (sentinel(close.len(), 3), sentinel(close.len(), 3));
    let buffers = SweepBuffers::new()
        .with("fast_ma", &mut fast)
        .with("nope", &mut other);
    assert_eq!(
        Sweep::new(pair, &prices, &grid)
            .run_into(buffers)
            .unwrap_err(),
        expected
    );
    assert!(untouched(&fast) && untouched(&other));
    assert_eq!(
        OutputSet::named(Ma::simple().outputs(), &["nope"]).unwrap_err(),
        Error::UnknownOutput {
            name: "nope".into(),
            available: "ma".into()
        }
    );
}

#[test]
fn an_output_of_the_wrong_type() {
    let bars = 60;
    let close: Vec<f64> = (0..bars)
        .map(|i| 100.0 + (i as f64 * 0.3).sin() * 4.0)
        .collect();
    let high: Vec<f64> = close.iter().map(|c| c + 1.0).collect();
    let low: Vec<f64> = close.iter().map(|c| c - 1.0).collect();
    let prices = Prices::single(&high, &low, &close).unwrap();
    let grid = supertrend::grid(&[7, 10], &[2.0, 3.0]).unwrap();
    let config = BacktestConfig::default();
    // SuperTrend's direction is i8: no threshold or crossover of it.
    let expected = Error::OutputType {
        name: "superd".into(),
        expected: Dtype::F64,
        actual: Dtype::I8,
    };
    let strategy = (
        SuperTrend::default(),
        Threshold::new("superd", Level::Above(0.0), Level::Below(0.0)),
    );
    let err = Backtest::new(strategy.clone(), &prices, &grid, config)
        .run()
        .unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["`superd`", "i8", "f64"]);
    assert_eq!(
        trace(&strategy, &prices, (7, 2.0), &config).unwrap_err(),
        expected
    );
    let strategy = (SuperTrend::default(), Crossover::new("supert", "superd"));
    assert_eq!(
        Backtest::new(strategy, &prices, &grid, config)
            .run()
            .unwrap_err(),
        expected
    );

    // A buffer of the wrong element type: nothing is written, not even the right ones.
    let closes = Prices::from_close_series([&close[..]]).unwrap();
    let axis = Grid::axis(&["window"], &[2usize, 5]).unwrap();
    let mut wrong = Array2::<i8>::from_elem((bars, 2).f(), 7);
    let err = Sweep::new(Ma::simple(), &closes, &axis)
        .run_into(SweepBuffers::new().with("ma", &mut wrong))
        .unwrap_err();
    assert_eq!(
        err,
        Error::OutputType {
            name: "ma".into(),
            expected: Dtype::I8,
            actual: Dtype::F64
        }
    );
    assert_message(&err, &["`ma`", "f64", "i8"]);
    assert!(wrong.iter().all(|&x| x == 7));
    let pairs = Grid::combinations(&["fast", "slow"], &[2usize, 5]).unwrap();
    let mut fast = sentinel(bars, 1);
    let mut slow = Array2::<bool>::from_elem((bars, 1).f(), true);
    let buffers = SweepBuffers::new()
        .with("fast_ma", &mut fast)
        .with("slow_ma", &mut slow);
    let err = Sweep::new(Pair::new(Ma::simple(), Ma::simple()), &closes, &pairs)
        .run_into(buffers)
        .unwrap_err();
    assert_eq!(
        err,
        Error::OutputType {
            name: "slow_ma".into(),
            expected: Dtype::Bool,
            actual: Dtype::F64
        }
    );
    assert!(untouched(&fast));
    assert!(slow.iter().all(|&x| x));
}

#[test]
fn a_duplicate_output() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let axis = Grid::axis(&["window"], &[2usize, 5]).unwrap();
    let expected = Error::DuplicateOutput { name: "ma".into() };
    let sweep = Sweep::new(Ma::exponential(), &prices, &axis).outputs(&["ma", "ma"]);
    let err = sweep.run().unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["`ma`"]);
    assert_eq!(sweep.reduce(|_| ()).unwrap_err(), expected);
    let (mut a, mut b) = (sentinel(close.len(), 2), sentinel(close.len(), 2));
    let buffers = SweepBuffers::new().with("ma", &mut a).with("ma", &mut b);
    assert_eq!(
        Sweep::new(Ma::exponential(), &prices, &axis)
            .run_into(buffers)
            .unwrap_err(),
        expected
    );
    assert!(untouched(&a) && untouched(&b));
    let pairs = Grid::combinations(&["fast", "slow"], &[2usize, 5]).unwrap();
    let err = Sweep::new(Pair::new(Ma::simple(), Ma::simple()), &prices, &pairs)
        .outputs(&["slow_ma", "fast_ma", "slow_ma"])
        .run()
        .unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateOutput {
            name: "slow_ma".into()
        }
    );
    assert_message(&err, &["`slow_ma`"]);
}

// ---------------------------------------------------------------------------------------------
// Prices and rules
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_prices_for_an_indicator_of_highs_and_lows() {
    let close = close();
    let array = Array2::from_shape_vec((close.len(), 1), close.clone()).unwrap();
    let prices = Prices::from_closes(&array);
    assert_eq!(prices.inputs(), Inputs::Close);
    let grid = supertrend::grid(&[7], &[3.0]).unwrap();
    let expected = Error::MissingPrices { input: "high" };
    let err = Sweep::new(SuperTrend::default(), &prices, &grid)
        .run()
        .unwrap_err();
    assert_eq!(err, expected);
    assert_message(&err, &["`high`"]);
    let mut buffer = sentinel(close.len(), 1);
    assert_eq!(
        Sweep::new(SuperTrend::default(), &prices, &grid)
            .run_into(SweepBuffers::new().with("supert", &mut buffer))
            .unwrap_err(),
        expected
    );
    assert!(untouched(&buffer));
    assert_eq!(
        Backtest::new(
            SuperTrend::default(),
            &prices,
            &grid,
            BacktestConfig::default()
        )
        .run()
        .unwrap_err(),
        expected
    );
    // The ATR, alone or in a pair with an average, reads highs and lows too.
    let series = Prices::from_close_series([&close[..]]).unwrap();
    let periods = Grid::axis(&["period"], &[3usize, 5]).unwrap();
    assert_eq!(
        Sweep::new(Atr::default(), &series, &periods)
            .run()
            .unwrap_err(),
        expected
    );
    let pairs = Grid::tuples(&["w", "period"], &[(3usize, 5usize)]).unwrap();
    assert_eq!(
        Sweep::new(Pair::new(Ma::simple(), Atr::default()), &series, &pairs)
            .run()
            .unwrap_err(),
        expected
    );
    let mut state = SweepState::new(Atr::default(), &periods, 1).unwrap();
    assert_eq!(state.update_closes(&[100.0]).unwrap_err(), expected);
    // An average of the same closes is fine.
    assert!(Sweep::new(
        Ma::simple(),
        &prices,
        &Grid::axis(&["w"], &[3usize]).unwrap()
    )
    .run()
    .is_ok());
}

#[test]
fn a_nan_level() {
    let close = close();
    let prices = Prices::from_close_series([&close[..]]).unwrap();
    let grid = Grid::axis(&["window"], &[2usize, 5]).unwrap();
    let config = BacktestConfig::default();
    let levels = [
        (Level::Above(f64::NAN), Level::Below(100.0)),
        (Level::Below(100.0), Level::CrossedAbove(f64::NAN)),
        (Level::CrossedBelow(-f64::NAN), Level::Above(100.0)),
    ];
    for (entry, exit) in levels {
        let strategy = (Ma::simple(), Threshold::new("ma", entry, exit));
        let err = Backtest::new(strategy.clone(), &prices, &grid, config)
            .run()
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidLevel { level } if level.is_nan()),
            "{err:?}"
        );
        assert_message(&err, &["NaN"]);
        let err = trace(&strategy, &prices, 2, &config).unwrap_err();
        assert!(matches!(err, Error::InvalidLevel { level } if level.is_nan()));
    }
    // Infinite levels are levels: never crossed, always above.
    let strategy = (
        Ma::simple(),
        Threshold::new(
            "ma",
            Level::Below(f64::INFINITY),
            Level::CrossedAbove(f64::INFINITY),
        ),
    );
    let t = trace(&strategy, &prices, 2, &config).unwrap();
    assert!(!t.entry[0] && t.entry[1..].iter().all(|&e| e));
    assert!(t.exit.iter().all(|&x| !x));
}
