//! Bad validation parameters give typed errors before any work; degenerate grids give the
//! documented NaN; the report does not depend on threads or chunk length.

use ta_sweep::backtest::Engine;
use ta_sweep::validation::{Validation, WalkForward};
use ta_sweep::{supertrend, Backtest, BacktestConfig, Error, Grid, Prices, SuperTrend};

fn series(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let close: Vec<f64> = (0..n)
        .map(|i| 100.0 + (i as f64 * 0.07).sin() * 6.0 + (i as f64 * 0.013).cos() * 3.0)
        .collect();
    let high = close.iter().map(|c| c + 0.8).collect();
    let low = close.iter().map(|c| c - 0.8).collect();
    (high, low, close)
}

/// The default SuperTrend backtest of `grid` over `prices`.
fn default_backtest<'s, 'p>(
    prices: &'s Prices<'p>,
    grid: &'s Grid<(usize, f64)>,
) -> Backtest<'s, 'p, SuperTrend> {
    Backtest::new(
        SuperTrend::default(),
        prices,
        grid,
        BacktestConfig::default(),
    )
}

#[test]
fn bad_blocks_and_windows_are_typed_errors() {
    let (h, l, c) = series(40);
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[3, 5], &[1.0, 2.0]).unwrap();
    let backtest = default_backtest(&prices, &grid);
    for blocks in [0, 3, 7, 26] {
        let err = backtest
            .validate(&Validation::new().blocks(blocks))
            .unwrap_err();
        assert_eq!(err, Error::InvalidBlocks { blocks, max: 24 });
    }
    let short = Prices::single(&h[..10], &l[..10], &c[..10]).unwrap();
    let err = default_backtest(&short, &grid)
        .validate(&Validation::new())
        .unwrap_err();
    assert_eq!(
        err,
        Error::TooManyBlocks {
            blocks: 16,
            bars: 10
        }
    );
    for (train, test, step) in [(1, 5, 1), (5, 1, 1), (5, 5, 0), (30, 11, 1)] {
        let wf = WalkForward::new(train, test, step);
        let err = backtest
            .validate(&Validation::new().blocks(4).walk_forward(wf))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidWalkForward { .. }), "{err}");
        assert!(err.to_string().contains("walk-forward"));
    }
}

#[test]
fn a_grid_that_never_trades_has_no_trials() {
    // Constant prices: no band is ever crossed, every column stays flat, Sharpe +inf.
    let flat = vec![f64::NAN; 64];
    let prices = Prices::single(&flat, &flat, &flat).unwrap();
    let grid = supertrend::grid(&[3, 5], &[1.0, 2.0]).unwrap();
    let backtest = default_backtest(&prices, &grid);
    let report = backtest
        .validate(
            &Validation::new()
                .blocks(4)
                .walk_forward(WalkForward::new(20, 10, 10)),
        )
        .unwrap();
    let (dsr, pbo) = (&report.dsr[0], &report.pbo[0]);
    assert_eq!((dsr.trials, dsr.best), (0, None));
    assert!(dsr.dsr.is_nan());
    assert_eq!((pbo.trials, pbo.undefined, pbo.combinations), (0, 6, 6));
    assert!(pbo.pbo.is_nan() && pbo.logits.is_empty());
    let wf = report.walk_forward.unwrap();
    assert!(wf
        .choices
        .iter()
        .all(|c| c.chosen.is_none() && c.candidates == 0));
    let summary = wf.summary[0];
    assert_eq!(
        (summary.chosen, summary.oos_bars, summary.oos_trades),
        (0, 40, 0)
    );
    assert_eq!(summary.oos_compound_return, 0.0);
}

#[test]
fn the_report_does_not_depend_on_threads_chunk_length_or_engine() {
    let (h, l, c) = series(600);
    let (h2, l2, c2) = series(700);
    let prices = Prices::from_symbols([
        (&h[..], &l[..], &c[..]),
        (&h2[100..], &l2[100..], &c2[100..]),
    ])
    .unwrap();
    let grid = supertrend::grid(&[4, 7, 10, 14], &[1.5, 2.0, 3.0]).unwrap();
    let validation = Validation::new()
        .blocks(6)
        .walk_forward(WalkForward::new(200, 100, 100));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let backtest = default_backtest(&prices, &grid);
    // The reference: the scalar engine, one thread, a column per chunk.
    let reference = backtest
        .engine(Engine::Scalar)
        .pool(&one)
        .chunk_len(1)
        .validate(&validation)
        .unwrap();
    assert!(reference.metrics.iter().any(|m| m.trades > 0));
    assert_eq!(reference.metrics, backtest.run().unwrap().metrics);
    for engine in [Engine::Lanes, Engine::Scalar] {
        for chunk in [2, 5, 24] {
            let report = backtest
                .engine(engine)
                .chunk_len(chunk)
                .validate(&validation)
                .unwrap();
            // Bitwise: NaN fields compare by their bits through `Debug`.
            assert_eq!(
                format!("{report:?}"),
                format!("{reference:?}"),
                "{engine:?}, chunk {chunk}"
            );
        }
    }
}

#[test]
fn statistics_over_the_memory_limit_are_refused_before_any_work() {
    let (h, l, c) = series(120);
    let prices = Prices::single(&h, &l, &c).unwrap();
    let grid = supertrend::grid(&[3, 5], &[1.0, 2.0]).unwrap();
    let backtest = default_backtest(&prices, &grid);
    let validation = Validation::new().blocks(4);
    let report = backtest.validate(&validation).unwrap();
    let Err(Error::OutputTooLarge { bytes, limit: 0 }) =
        backtest.memory_limit(0).validate(&validation)
    else {
        panic!("a zero limit refuses the statistics");
    };
    // Four columns of at least 2 x 4 block sums and 16 moments, and the 6 CSCV combinations.
    assert!(bytes >= 4 * (2 * 4 + 16) * 8, "{bytes}");
    let bytes = u64::try_from(bytes).unwrap();
    assert_eq!(
        backtest
            .memory_limit(bytes - 1)
            .validate(&validation)
            .unwrap_err(),
        Error::OutputTooLarge {
            bytes: u128::from(bytes),
            limit: u128::from(bytes - 1)
        }
    );
    assert_eq!(
        backtest.memory_limit(bytes).validate(&validation).unwrap(),
        report
    );
}
