//! One test per error variant of the single-series API, and the promise that a failed call
//! changes nothing.

use ta_sweep::{
    supertrend, supertrend_into, true_range_into, wilder_atr_into, Error, SuperTrendParams,
    SuperTrendSlices, SuperTrendState, WilderAtr,
};

#[test]
fn period_zero_is_invalid_period() {
    let expected = Error::InvalidPeriod { period: 0 };
    assert_eq!(SuperTrendParams::new(0, 3.0).unwrap_err(), expected);
    assert_eq!(WilderAtr::new(0).unwrap_err(), expected);
    let mut out = [0.0; 2];
    assert_eq!(
        wilder_atr_into(&[1.0, 2.0], 0, &mut out).unwrap_err(),
        expected
    );
    assert_eq!(out, [0.0; 2]);
    assert!(expected.to_string().contains("period 0"));
}

#[test]
fn nan_infinite_or_negative_multiplier_is_invalid_multiplier() {
    for bad in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -f64::MIN_POSITIVE,
        f64::MIN,
    ] {
        match SuperTrendParams::new(7, bad) {
            Err(Error::InvalidMultiplier { multiplier }) => {
                assert!(
                    multiplier.to_bits() == bad.to_bits(),
                    "{multiplier} vs {bad}"
                )
            }
            other => panic!("multiplier {bad}: {other:?}"),
        }
    }
    let message = Error::InvalidMultiplier { multiplier: -1.5 }.to_string();
    assert!(message.contains("-1.5"), "{message}");
    // The edges of the valid range.
    for good in [0.0, -0.0, f64::MIN_POSITIVE / 2.0, f64::MAX] {
        assert!(SuperTrendParams::new(7, good).is_ok(), "{good}");
    }
}

#[test]
fn inputs_of_different_lengths_are_length_mismatch() {
    let params = SuperTrendParams::new(3, 2.0).unwrap();
    let (h, l, c) = (vec![1.0; 5], vec![1.0; 4], vec![1.0; 5]);
    let expected = Error::LengthMismatch {
        high: 5,
        low: 4,
        close: 5,
    };
    assert_eq!(supertrend(&h, &l, &c, params).unwrap_err(), expected);
    assert_eq!(
        true_range_into(&h, &l, &c, &mut [0.0; 5]).unwrap_err(),
        expected
    );
    let (mut t, mut d, mut ll, mut s) = ([0.0; 5], [0i8; 5], [0.0; 5], [0.0; 5]);
    let out = SuperTrendSlices {
        supert: &mut t,
        superd: &mut d,
        superl: &mut ll,
        supers: &mut s,
    };
    assert_eq!(
        supertrend_into(&h, &l, &c, params, out).unwrap_err(),
        expected
    );
    let message = expected.to_string();
    assert!(message.contains('5') && message.contains('4'), "{message}");
}

#[test]
fn output_slice_of_wrong_length_is_output_length_naming_the_output() {
    let params = SuperTrendParams::new(3, 2.0).unwrap();
    let bars = [1.0; 4];
    for (wrong, name) in ["supert", "superd", "superl", "supers"]
        .into_iter()
        .enumerate()
    {
        let len = |i: usize| if i == wrong { 3 } else { 4 };
        let (mut t, mut d, mut l, mut s) = (
            vec![0.0; len(0)],
            vec![0i8; len(1)],
            vec![0.0; len(2)],
            vec![0.0; len(3)],
        );
        let out = SuperTrendSlices {
            supert: &mut t,
            superd: &mut d,
            superl: &mut l,
            supers: &mut s,
        };
        let err = supertrend_into(&bars, &bars, &bars, params, out).unwrap_err();
        assert_eq!(
            err,
            Error::OutputLength {
                output: name,
                expected: 4,
                actual: 3
            }
        );
        assert!(err.to_string().contains(name));
        // Nothing was written before the error.
        assert!(t.iter().chain(&l).chain(&s).all(|&x| x == 0.0) && d.iter().all(|&x| x == 0));
    }
    assert_eq!(
        true_range_into(&bars, &bars, &bars, &mut [0.0; 5]).unwrap_err(),
        Error::OutputLength {
            output: "true_range",
            expected: 4,
            actual: 5
        }
    );
    assert_eq!(
        wilder_atr_into(&bars, 2, &mut [0.0; 3]).unwrap_err(),
        Error::OutputLength {
            output: "atr",
            expected: 4,
            actual: 3
        }
    );
}

#[test]
fn a_failed_run_into_leaves_the_state_unchanged() {
    let params = SuperTrendParams::new(2, 1.0).unwrap();
    let mut state = SuperTrendState::new(params);
    for i in 0..5 {
        state.update(10.0 + i as f64, 9.0 + i as f64, 9.5 + i as f64);
    }
    let before = format!("{state:?}");
    let (mut t, mut d, mut l, mut s) = ([0.0; 2], [0i8; 2], [0.0; 2], [0.0; 1]);
    let out = SuperTrendSlices {
        supert: &mut t,
        superd: &mut d,
        superl: &mut l,
        supers: &mut s,
    };
    assert!(state
        .run_into(&[1.0; 2], &[1.0; 2], &[1.0; 2], out)
        .is_err());
    assert_eq!(before, format!("{state:?}"));
}

#[test]
fn error_is_a_std_error_and_send_sync() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    assert_error(&Error::InvalidPeriod { period: 0 });
    let boxed: Box<dyn std::error::Error> = Box::new(Error::InvalidPeriod { period: 0 });
    assert!(boxed.source().is_none());
}

#[test]
fn empty_and_tiny_series_are_valid() {
    let params = SuperTrendParams::new(7, 3.0).unwrap();
    let empty = supertrend(&[], &[], &[], params).unwrap();
    assert!(empty.supert.is_empty() && empty.superd.is_empty());
    let one = supertrend(&[2.0], &[1.0], &[1.5], params).unwrap();
    assert!(one.supert[0].is_nan());
    assert_eq!(one.superd, [1]);
}
