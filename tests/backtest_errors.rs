//! One test per error of the backtest API, with its message; every check happens before any
//! work starts.

use std::time::Duration;

use ta_sweep::{
    annualisation_from_interval, backtest_trace, supertrend, Backtest, BacktestConfig, Error,
    Prices, SuperTrend, SuperTrendParams,
};

fn series() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let close: Vec<f64> = (0..50).map(|i| 10.0 + (i as f64 * 0.3).sin()).collect();
    let high = close.iter().map(|c| c + 0.2).collect();
    let low = close.iter().map(|c| c - 0.2).collect();
    (high, low, close)
}

#[test]
fn invalid_fees() {
    for fees in [-0.001, 1.0, 2.0, f64::INFINITY] {
        let e = BacktestConfig::default().with_fees(fees).unwrap_err();
        assert_eq!(e, Error::InvalidFees { fees });
    }
    let e = BacktestConfig::new(f64::NAN, 100.0, 365.0).unwrap_err();
    assert!(matches!(e, Error::InvalidFees { fees } if fees.is_nan()));
    assert_eq!(
        Error::InvalidFees { fees: 1.5 }.to_string(),
        "invalid fees 1.5: fees must be finite and in [0, 1)"
    );
    // The bounds that are valid.
    assert!(BacktestConfig::default().with_fees(0.0).is_ok());
    assert!(BacktestConfig::default().with_fees(0.999).is_ok());
}

#[test]
fn invalid_init_cash() {
    for init_cash in [0.0, -1.0, f64::INFINITY] {
        let e = BacktestConfig::default()
            .with_init_cash(init_cash)
            .unwrap_err();
        assert_eq!(e, Error::InvalidInitCash { init_cash });
    }
    assert!(matches!(
        BacktestConfig::new(0.001, f64::NAN, 365.0).unwrap_err(),
        Error::InvalidInitCash { init_cash } if init_cash.is_nan()
    ));
    assert_eq!(
        Error::InvalidInitCash { init_cash: 0.0 }.to_string(),
        "invalid initial cash 0: it must be finite and > 0"
    );
}

#[test]
fn invalid_annualisation() {
    for annualisation in [0.0, -365.0, f64::INFINITY] {
        let e = BacktestConfig::default()
            .with_annualisation(annualisation)
            .unwrap_err();
        assert_eq!(e, Error::InvalidAnnualisation { annualisation });
    }
    assert_eq!(
        Error::InvalidAnnualisation { annualisation: 0.0 }.to_string(),
        "invalid annualisation factor 0: bars per year must be finite and > 0"
    );
}

#[test]
fn invalid_bar_interval() {
    let e = annualisation_from_interval(Duration::ZERO).unwrap_err();
    assert_eq!(
        e,
        Error::InvalidBarInterval {
            interval: Duration::ZERO
        }
    );
    assert_eq!(
        BacktestConfig::default()
            .with_bar_interval(Duration::ZERO)
            .unwrap_err(),
        e
    );
    assert_eq!(
        e.to_string(),
        "invalid bar interval 0ns: it must be longer than zero"
    );
    // A nanosecond is valid, however many bars a year that makes.
    assert!(annualisation_from_interval(Duration::from_nanos(1)).is_ok());
}

#[test]
fn invalid_close() {
    let (high, low, mut close) = series();
    let clean = close.clone();
    close[5] = f64::NAN; // missing: valid
    for bad in [0.0, -3.0, f64::INFINITY, f64::NEG_INFINITY] {
        close[17] = bad;
        let prices = Prices::from_symbols([
            (&high[..], &low[..], &clean[..]),
            (&high[..], &low[..], &close[..]),
        ])
        .unwrap();
        let grid = supertrend::grid(&[3], &[2.0]).unwrap();
        let expected = Error::InvalidClose {
            symbol: 1,
            bar: 17,
            close: bad,
        };
        let backtest = Backtest::new(
            SuperTrend::default(),
            &prices,
            &grid,
            BacktestConfig::default(),
        );
        assert_eq!(backtest.run().unwrap_err(), expected);
        assert_eq!(backtest.rolling(10, 5).unwrap_err(), expected);
        let params = SuperTrendParams::new(3, 2.0).unwrap();
        assert_eq!(
            backtest_trace(&high, &low, &close, params, &BacktestConfig::default()).unwrap_err(),
            Error::InvalidClose {
                symbol: 0,
                bar: 17,
                close: bad
            }
        );
    }
    assert_eq!(
        Error::InvalidClose {
            symbol: 1,
            bar: 17,
            close: -3.0
        }
        .to_string(),
        "symbol 1, bar 17: close -3 cannot be traded at; a close must be finite and > 0, or \
         NaN for a missing bar"
    );
}

#[test]
fn invalid_window_len() {
    let (high, low, close) = series();
    let prices = Prices::single(&high, &low, &close).unwrap();
    let grid = supertrend::grid(&[3], &[2.0]).unwrap();
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    );
    for window_len in [0, 51] {
        assert_eq!(
            backtest.rolling(window_len, 1).unwrap_err(),
            Error::InvalidWindowLen {
                window_len,
                bars: 50
            }
        );
    }
    assert_eq!(backtest.rolling(50, 1).unwrap().windows, vec![0..50]);
    assert_eq!(
        Error::InvalidWindowLen {
            window_len: 51,
            bars: 50
        }
        .to_string(),
        "invalid window length 51: a window holds at least 1 bar and at most the 50 bars of the \
         data"
    );
}

#[test]
fn invalid_window_step() {
    let (high, low, close) = series();
    let prices = Prices::single(&high, &low, &close).unwrap();
    let grid = supertrend::grid(&[3], &[2.0]).unwrap();
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    );
    assert_eq!(
        backtest.rolling(10, 0).unwrap_err(),
        Error::InvalidWindowStep { step: 0 }
    );
    assert_eq!(
        Error::InvalidWindowStep { step: 0 }.to_string(),
        "invalid window step 0: windows must advance by at least 1 bar"
    );
}

#[test]
fn length_mismatch_and_chunk_len_reach_the_caller() {
    let (high, low, close) = series();
    let params = SuperTrendParams::new(3, 2.0).unwrap();
    assert_eq!(
        backtest_trace(&high[1..], &low, &close, params, &BacktestConfig::default()).unwrap_err(),
        Error::LengthMismatch {
            high: 49,
            low: 50,
            close: 50
        }
    );
    let prices = Prices::single(&high, &low, &close).unwrap();
    let grid = supertrend::grid(&[3], &[2.0]).unwrap();
    let backtest = Backtest::new(
        SuperTrend::default(),
        &prices,
        &grid,
        BacktestConfig::default(),
    )
    .chunk_len(0);
    assert_eq!(
        backtest.run().unwrap_err(),
        Error::InvalidChunkLen { chunk_len: 0 }
    );
    assert_eq!(
        backtest.rolling(10, 10).unwrap_err(),
        Error::InvalidChunkLen { chunk_len: 0 }
    );
}

#[test]
fn metrics_over_the_memory_limit_are_refused_before_any_work() {
    let (high, low, close) = series();
    let prices = Prices::from_symbols([(&high[..], &low[..], &close[..]); 2]).unwrap();
    let grid = supertrend::grid(&[3, 4], &[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    let config = BacktestConfig::default();
    let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, config);
    let whole = backtest.run().unwrap();
    // 20 columns of 40-byte metrics.
    let bytes = 20 * std::mem::size_of::<ta_sweep::ColumnMetrics>() as u64;
    assert_eq!(bytes, 800);
    assert_eq!(
        backtest.memory_limit(bytes - 1).run().unwrap_err(),
        Error::OutputTooLarge {
            bytes: 800,
            limit: 799
        }
    );
    assert_eq!(backtest.memory_limit(bytes).run().unwrap(), whole);
    // Rolling windows hold the metrics of every (window, column): 5 windows x 20 columns.
    let rolling = backtest.rolling(10, 10).unwrap();
    assert_eq!(rolling.metrics.len(), 100);
    assert_eq!(
        backtest
            .memory_limit(100 * 40 - 1)
            .rolling(10, 10)
            .unwrap_err(),
        Error::OutputTooLarge {
            bytes: 4000,
            limit: 3999
        }
    );
    assert_eq!(
        backtest.memory_limit(100 * 40).rolling(10, 10).unwrap(),
        rolling
    );
    // A shard needs only its own metrics.
    let half = backtest.column_range(0..10).memory_limit(bytes / 2);
    assert_eq!(half.run().unwrap().metrics, whole.metrics[..10]);
    assert!(matches!(
        half.memory_limit(bytes / 2 - 1).run().unwrap_err(),
        Error::OutputTooLarge { bytes: 400, .. }
    ));
}

#[test]
fn a_grid_of_billions_of_columns_is_refused_at_once() {
    // 4,999,950,000 window pairs: their metrics alone would take 200 GB. Without the O(1)
    // check the backtest would run for hours; the test fails after 20 s instead of waiting.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let close: Vec<f64> = (0..50).map(|i| 10.0 + (i as f64 * 0.3).sin()).collect();
        let prices = Prices::from_close_series([&close[..]]).unwrap();
        let windows: Vec<usize> = (1..=100_000).collect();
        let grid = ta_sweep::Grid::combinations(&["fast", "slow"], &windows).unwrap();
        let backtest = Backtest::new(
            ta_sweep::MaCrossover::simple(),
            &prices,
            &grid,
            BacktestConfig::default(),
        );
        let _ = tx.send(backtest.run().map(|out| out.metrics.len()));
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("refused within 20 s");
    let columns = 100_000u128 * 99_999 / 2;
    assert!(matches!(
        result,
        Err(Error::OutputTooLarge { bytes, .. }) if bytes == columns * 40
    ));
}
