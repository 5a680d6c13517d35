//! vectorbt's tolerant arithmetic (PIPELINE.md section 2): `is_close` within 1e-9 relative or
//! 1e-12 absolute, and an `add` that snaps near-cancelling sums to exactly zero.
//!
//! They decide only degenerate cases (cash below 1e-12, orders below the minimum size, fees
//! near 100 %), but they decide them, so they are applied literally wherever the reference
//! applies them: only on the rare bars with an order, so they cost nothing per bar.

/// vectorbt's default relative tolerance.
const RELATIVE: f64 = 1e-9;
/// vectorbt's default absolute tolerance.
const ABSOLUTE: f64 = 1e-12;

/// `a` and `b` are equal within tolerance; never for NaN or infinities.
#[inline]
pub(crate) fn is_close(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return false;
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= tolerance(a, b)
}

/// `max(RELATIVE * max(|a|, |b|), ABSOLUTE)` for `a` and `b` that are not NaN, or where a NaN
/// makes the comparison with the tolerance false anyway: `maxsd`'s plain `x > y ? x : y`,
/// without the NaN handling of `f64::max`, which would make this the costliest part of an
/// order.
#[inline(always)]
fn tolerance(a: f64, b: f64) -> f64 {
    let larger = |x: f64, y: f64| if x > y { x } else { y };
    larger(RELATIVE * larger(a.abs(), b.abs()), ABSOLUTE)
}

/// `a < b` and not close.
pub(super) fn is_less(a: f64, b: f64) -> bool {
    !is_close(a, b) && a < b
}

/// `np.sign`: -1, 0 or +1, and NaN (which equals nothing) for NaN.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

/// `a + b`, or exactly `0.0` when the sum is within tolerance of zero.
#[inline]
pub(super) fn add(a: f64, b: f64) -> f64 {
    let sum = a + b;
    // Clearly away from zero (for `a`, `b` of opposite signs `a + b` is `|a| - |b|` rounded
    // the same way, so this is the tolerance test below, decided early). NaN goes on.
    if sum.abs() > tolerance(a, b) {
        return sum;
    }
    // An exact cancellation (the sale of a whole position, the cash a buy spends): the
    // literal form gives `+0.0` where `a` is finite (also for `-0.0 + -0.0`, whose sum is
    // `-0.0`), and the sum, NaN, where it is infinite. It would get there through
    // `np.sign`'s branches, whose outcomes alternate with the orders' sides and are
    // mispredicted: measured 18 % of a crossover backtest.
    if a == -b {
        return if a.is_finite() { 0.0 } else { sum };
    }
    add_literal(a, b)
}

/// `add` as the reference writes it, without the early exit.
#[inline]
fn add_literal(a: f64, b: f64) -> f64 {
    let zero = if sign(a) != sign(b) {
        is_close(a.abs(), b.abs())
    } else {
        is_close(a + b, 0.0)
    };
    if zero {
        0.0
    } else {
        a + b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn near(x: f64) -> impl Strategy<Value = f64> {
        let ulps = -4i64..=4;
        (ulps, any::<bool>()).prop_map(move |(k, negate)| {
            let y = f64::from_bits((x.to_bits() as i64 + k) as u64);
            if negate {
                -y
            } else {
                y
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn the_early_exit_of_add_changes_nothing(
            (a, b) in prop_oneof![
                (any::<f64>(), any::<f64>()),
                (-1e3f64..1e3).prop_flat_map(|a| (Just(a), near(a))),
                (-1e-11f64..1e-11, -1e-11f64..1e-11),
                (prop_oneof![Just(1e-12), Just(1e-9), Just(100.0)], prop_oneof![Just(-1e-12), Just(-0.0), Just(0.0)]),
            ],
        ) {
            let (fast, literal) = (add(a, b), add_literal(a, b));
            prop_assert!(fast.to_bits() == literal.to_bits() || (fast.is_nan() && literal.is_nan()));
        }
    }

    #[test]
    fn is_close_follows_vectorbt() {
        assert!(is_close(1.0, 1.0 + 1e-10));
        assert!(!is_close(1.0, 1.0 + 1e-8));
        assert!(is_close(0.0, 1e-12) && !is_close(0.0, 2e-12));
        assert!(!is_close(f64::NAN, f64::NAN));
        assert!(!is_close(f64::INFINITY, f64::INFINITY));
    }

    #[test]
    fn is_less_excludes_close_values() {
        assert!(is_less(1.0, 2.0));
        assert!(!is_less(1e-8 - 1e-13, 1e-8));
        assert!(is_less(0.5e-8, 1e-8));
        assert!(!is_less(f64::NAN, 1.0));
    }

    #[test]
    fn add_snaps_to_zero() {
        assert_eq!(add(100.0, -100.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(add(100.0, -(100.0 - 1e-12)).to_bits(), 0.0f64.to_bits());
        assert_eq!(add(100.0, -99.0), 1.0);
        assert_eq!(add(1e-13, 0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(add(2.5, 0.5), 3.0);
        assert!(add(f64::NAN, 1.0).is_nan());
        // The sign of -0.0 is 0, so it differs from a positive value's.
        assert_eq!(add(5.0, -0.0), 5.0);
        // Exact cancellations, zeros included: `+0.0`, or NaN from infinities.
        assert_eq!(add(-0.0, -0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(add(-7.5, 7.5).to_bits(), 0.0f64.to_bits());
        assert!(add(f64::INFINITY, f64::NEG_INFINITY).is_nan());
    }
}
