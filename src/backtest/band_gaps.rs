//! Where the default SuperTrend has no bands, from the prices alone: before its ATR has seen
//! `period` true ranges, and on bars whose high or low is missing. With that, a column's
//! signals need only its directions, which the sweep computes in its lean mode, without any
//! `f64` output (2.1 ms of the 23.9 ms of the tutorial workload, measured).
//!
//! # Why it is exact
//! By SEMANTICS.md, with every price NaN or finite and below [`PRICE_LIMIT`] in magnitude (so
//! that no true range, ATR, midpoint or band overflows):
//! - the true range of bar `i >= 1` is a value exactly when `high[i]`, `low[i]` and
//!   `close[i - 1]` are; the ATR is a value exactly when at least `period` true ranges have
//!   been seen (its average, once started, is never NaN again);
//! - the basic bands `mid +- multiplier * atr` are NaN exactly when the midpoint or the ATR is
//!   (a finite multiplier times a finite ATR is finite or infinite, never NaN, and a finite
//!   midpoint plus or minus it is never NaN either);
//! - the ratchet compares with NaN as false, so the final bands are NaN exactly where the
//!   basic ones are, and bar 0 has no true range;
//! - `superl` is the lower band where the direction is up, `supers` the upper band where it is
//!   down.
//!
//! So a bar's long band is a value exactly when its direction is up and it has bands, and the
//! same for the short band. A test checks this against the kernel's outputs on random data
//! with NaN gaps; other prices take the line from the sweep instead.

use crate::prices::Prices;

/// The largest price magnitude for which [the derivation](self) holds: true ranges, their
/// averages and midpoints then stay far from overflow.
const PRICE_LIMIT: f64 = 1e300;

/// Where one symbol's bands are missing, for every period.
#[derive(Debug, Clone)]
pub(crate) struct BandGaps {
    /// The bars with a true range, if some bar after bar 0 has none.
    true_range_bars: Option<Vec<usize>>,
    /// Bars whose midpoint is NaN (a missing high or low), if there are any.
    missing_mid: Option<Vec<bool>>,
    bars: usize,
}

impl BandGaps {
    /// Every symbol's gaps, or `None` if a price is infinite or too large for the derivation.
    pub(crate) fn of(prices: &Prices<'_>) -> Option<Vec<BandGaps>> {
        let within = |series: &[f64]| series.iter().all(|x| x.is_nan() || x.abs() < PRICE_LIMIT);
        prices
            .as_slice()
            .iter()
            .map(|s| {
                if !(within(&s.high) && within(&s.low) && within(&s.close)) {
                    return None;
                }
                let bars = s.close.len();
                let has_true_range = |i: usize| {
                    !(s.high[i].is_nan() || s.low[i].is_nan() || s.close[i - 1].is_nan())
                };
                let true_range_bars = (!(1..bars).all(has_true_range))
                    .then(|| (1..bars).filter(|&i| has_true_range(i)).collect());
                let mid_missing = |i: usize| s.high[i].is_nan() || s.low[i].is_nan();
                let missing_mid = (0..bars)
                    .any(mid_missing)
                    .then(|| (0..bars).map(mid_missing).collect());
                Some(BandGaps {
                    true_range_bars,
                    missing_mid,
                    bars,
                })
            })
            .collect()
    }

    /// The first bar whose ATR of `period` is a value (`bars` if none is): the bar of the
    /// `period`-th true range.
    pub(crate) fn first_atr(&self, period: usize) -> usize {
        match &self.true_range_bars {
            None => period.min(self.bars),
            Some(bars) => bars.get(period - 1).copied().unwrap_or(self.bars),
        }
    }

    /// Bars whose midpoint is NaN, as a flag per bar (`None`: no such bar).
    pub(crate) fn missing_mid(&self) -> Option<&[bool]> {
        self.missing_mid.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supertrend::{supertrend, SuperTrendParams};
    use proptest::prelude::*;

    /// Random-walk bars with NaN in any field, flat runs, and a few huge or tiny prices.
    fn prices() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>)> {
        let bar = (-0.05f64..0.05, 0.0f64..0.02, 0u8..30);
        (
            prop::collection::vec(bar, 0..300),
            prop_oneof![Just(1.0), Just(1e-200), Just(1e250)],
        )
            .prop_map(|(bars, scale)| {
                let (mut high, mut low, mut close) = (vec![], vec![], vec![]);
                let mut price = scale;
                for (ret, range, kind) in bars {
                    if kind != 6 {
                        price *= 1.0 + ret;
                    }
                    let (mut h, mut l, mut c) =
                        (price * (1.0 + range), price * (1.0 - range), price);
                    match kind {
                        0 => h = f64::NAN,
                        1 => l = f64::NAN,
                        2 => c = f64::NAN,
                        3 => (h, l, c) = (f64::NAN, f64::NAN, f64::NAN),
                        _ => {}
                    }
                    high.push(h);
                    low.push(l);
                    close.push(c);
                }
                (high, low, close)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn gaps_are_where_the_kernel_has_no_bands(
            (high, low, close) in prices(),
            period in prop_oneof![1usize..5, 1usize..40],
            multiplier in prop_oneof![Just(0.0), 0.0f64..10.0, Just(1e300)],
        ) {
            let symbol = Prices::single(&high, &low, &close).unwrap();
            let gaps = BandGaps::of(&symbol).expect("prices within the limit");
            let st = supertrend(&high, &low, &close, SuperTrendParams::new(period, multiplier).unwrap()).unwrap();
            let first_atr = gaps[0].first_atr(period);
            for bar in 0..close.len() {
                let missing = gaps[0].missing_mid().is_some_and(|m| m[bar]);
                let has_bands = bar >= first_atr && !missing;
                prop_assert_eq!(has_bands, !st.supert[bar].is_nan(), "bar {}", bar);
                prop_assert_eq!(!st.superl[bar].is_nan(), has_bands && st.superd[bar] > 0);
                prop_assert_eq!(!st.supers[bar].is_nan(), has_bands && st.superd[bar] < 0);
            }
        }
    }

    #[test]
    fn prices_beyond_the_limit_have_no_gaps_derived() {
        let (high, low) = ([2.0, 1e301], [1.0, 1.0]);
        let close = [1.5, 1.5];
        assert!(BandGaps::of(&Prices::single(&high, &low, &close).unwrap()).is_none());
        let close = [1.5, f64::INFINITY];
        assert!(
            BandGaps::of(&Prices::single(&high[..1].repeat(2), &low, &close).unwrap()).is_none()
        );
        let fine =
            BandGaps::of(&Prices::single(&[2.0, f64::NAN], &low, &[1.5, 1.5]).unwrap()).unwrap();
        assert_eq!(fine[0].first_atr(1), 2);
        assert_eq!(fine[0].missing_mid(), Some(&[false, true][..]));
    }
}
