//! Property tests of the single-series kernel on random OHLC with NaN gaps: it equals an
//! independent naive implementation, streaming equals batch, it has no lookahead, it can be
//! resumed from any bar, and it scales exactly with power-of-two price scaling. Extreme
//! parameters and edge prices (infinities, overflow) follow the definition too, and what
//! infinities do is pinned down by example.

mod common;

use approx::assert_relative_eq;
use common::{
    assert_same_bits, clean_ohlc, edge_ohlc, extreme_multiplier, extreme_period, multiplier,
    naive_for, naive_supertrend, ohlc, period, variant, wild_ohlc, Ohlc,
    REORDERED_ARITHMETIC_RELATIVE,
};
use proptest::prelude::*;
use ta_sweep::{
    supertrend, true_range_into, wilder_atr_into, SuperTrendOutput, SuperTrendParams,
    SuperTrendSlices, SuperTrendState, Variant, WilderAtr,
};

fn run(data: &Ohlc, params: SuperTrendParams) -> SuperTrendOutput {
    supertrend(&data.high, &data.low, &data.close, params).unwrap()
}

proptest! {
    #![proptest_config(common::proptest_config(512))]

    #[test]
    fn kernel_equals_naive_reference(data in ohlc(300), period in period(), m in multiplier(), variant in variant()) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let out = run(&data, params);
        let naive = naive_for(variant, &data, period, m);
        assert_same_bits("supert", &naive.supert, &out.supert);
        assert_same_bits("superl", &naive.superl, &out.superl);
        assert_same_bits("supers", &naive.supers, &out.supers);
        prop_assert_eq!(&naive.superd, &out.superd);
        // The layers, too: the streaming state's true range and ATR after every bar.
        let mut state = SuperTrendState::new(params);
        for i in 0..data.len() {
            let prev_close = if i == 0 { f64::NAN } else { data.close[i - 1] };
            let tr = variant.true_range(data.high[i], data.low[i], prev_close);
            prop_assert!(common::same_bits(naive.tr[i], tr), "tr bar {}", i);
            state.update(data.high[i], data.low[i], data.close[i]);
            prop_assert!(common::same_bits(naive.atr[i], state.atr()), "atr bar {}", i);
        }
        if variant == Variant::Vectorbt {
            let mut tr = vec![0.0; data.len()];
            true_range_into(&data.high, &data.low, &data.close, &mut tr).unwrap();
            assert_same_bits("tr", &naive.tr, &tr);
            let mut atr = vec![0.0; data.len()];
            wilder_atr_into(&tr, period, &mut atr).unwrap();
            assert_same_bits("atr", &naive.atr, &atr);
        }
    }

    /// IEEE semantics all the way: whatever the bits of the prices (infinities, subnormals,
    /// high < low, negative), the kernel neither panics nor departs from the definition.
    #[test]
    fn kernel_equals_naive_reference_on_any_bits(data in wild_ohlc(60), period in period(), m in multiplier(), variant in variant()) {
        let out = run(&data, SuperTrendParams::new(period, m).unwrap().with_variant(variant));
        let naive = naive_for(variant, &data, period, m);
        assert_same_bits("supert", &naive.supert, &out.supert);
        assert_same_bits("superl", &naive.superl, &out.superl);
        assert_same_bits("supers", &naive.supers, &out.supers);
        prop_assert_eq!(&naive.superd, &out.superd);
    }

    /// Periods up to `usize::MAX`, multipliers from 0 through subnormals to `f64::MAX`, prices
    /// that overflow (1e308, `f64::MAX`), infinities, NaN: every layer, batch and streaming,
    /// follows the definition's IEEE arithmetic bit for bit, and nothing panics.
    #[test]
    fn extreme_parameters_and_edge_prices_follow_the_definition(
        data in edge_ohlc(60), period in extreme_period(), m in extreme_multiplier()
    ) {
        let params = SuperTrendParams::new(period, m).unwrap();
        let out = run(&data, params);
        let naive = naive_supertrend(&data.high, &data.low, &data.close, period, m);
        assert_same_bits("supert", &naive.supert, &out.supert);
        assert_same_bits("superl", &naive.superl, &out.superl);
        assert_same_bits("supers", &naive.supers, &out.supers);
        prop_assert_eq!(&naive.superd, &out.superd);
        let mut tr = vec![0.0; data.len()];
        true_range_into(&data.high, &data.low, &data.close, &mut tr).unwrap();
        assert_same_bits("tr", &naive.tr, &tr);
        let mut atr = vec![0.0; data.len()];
        wilder_atr_into(&tr, period, &mut atr).unwrap();
        assert_same_bits("atr", &naive.atr, &atr);
        let mut atr_state = WilderAtr::new(period).unwrap();
        let mut state = SuperTrendState::new(params);
        for i in 0..data.len() {
            prop_assert!(common::same_bits(atr_state.update(tr[i]), atr[i]), "atr bar {}", i);
            let bar = state.update(data.high[i], data.low[i], data.close[i]);
            prop_assert!(common::same_bits(bar.supert, out.supert[i]), "supert bar {}", i);
            prop_assert!(common::same_bits(bar.superl, out.superl[i]), "superl bar {}", i);
            prop_assert!(common::same_bits(bar.supers, out.supers[i]), "supers bar {}", i);
            prop_assert_eq!(bar.superd, out.superd[i], "superd bar {}", i);
        }
        prop_assert!(common::same_bits(state.atr(), out.state.atr()));
        prop_assert!(common::same_bits(state.upper_band(), out.state.upper_band()));
        prop_assert!(common::same_bits(state.lower_band(), out.state.lower_band()));
    }

    /// The same extremes under every variant: batch equals the variant's naive reference,
    /// and streaming equals batch.
    #[test]
    fn extreme_parameters_and_edge_prices_follow_every_variant(
        data in edge_ohlc(60), period in extreme_period(), m in extreme_multiplier(), variant in variant()
    ) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let out = run(&data, params);
        let naive = naive_for(variant, &data, period, m);
        assert_same_bits("supert", &naive.supert, &out.supert);
        assert_same_bits("superl", &naive.superl, &out.superl);
        assert_same_bits("supers", &naive.supers, &out.supers);
        prop_assert_eq!(&naive.superd, &out.superd);
        let mut state = SuperTrendState::new(params);
        for i in 0..data.len() {
            let bar = state.update(data.high[i], data.low[i], data.close[i]);
            prop_assert!(common::same_bits(bar.supert, out.supert[i]), "supert bar {}", i);
            prop_assert_eq!(bar.superd, out.superd[i], "superd bar {}", i);
        }
    }

    #[test]
    fn streaming_equals_batch_at_every_bar(data in ohlc(300), period in period(), m in multiplier(), variant in variant()) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let batch = run(&data, params);
        let mut state = SuperTrendState::new(params);
        for i in 0..data.len() {
            let bar = state.update(data.high[i], data.low[i], data.close[i]);
            prop_assert!(common::same_bits(bar.supert, batch.supert[i]), "supert bar {}", i);
            prop_assert!(common::same_bits(bar.superl, batch.superl[i]), "superl bar {}", i);
            prop_assert!(common::same_bits(bar.supers, batch.supers[i]), "supers bar {}", i);
            prop_assert_eq!(bar.superd, batch.superd[i], "superd bar {}", i);
        }
        prop_assert!(common::same_bits(state.upper_band(), batch.state.upper_band()));
        prop_assert!(common::same_bits(state.lower_band(), batch.state.lower_band()));
        prop_assert!(common::same_bits(state.atr(), batch.state.atr()));
        prop_assert_eq!(state.direction(), batch.state.direction());
    }

    /// The outputs for a prefix of the input are the prefix of the outputs.
    #[test]
    fn no_lookahead(data in ohlc(300), cut in any::<prop::sample::Index>(), period in period(), m in multiplier(), variant in variant()) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let full = run(&data, params);
        let cut = cut.index(data.len() + 1);
        let prefix = run(&data.slice(0..cut), params);
        assert_same_bits("supert", &full.supert[..cut], &prefix.supert);
        assert_same_bits("superl", &full.superl[..cut], &prefix.superl);
        assert_same_bits("supers", &full.supers[..cut], &prefix.supers);
        prop_assert_eq!(&full.superd[..cut], &prefix.superd[..]);
    }

    /// History in one batch call, then the rest from the returned state, equals one call.
    #[test]
    fn batch_resumed_from_its_final_state_equals_one_batch(
        data in ohlc(300), cut in any::<prop::sample::Index>(), period in period(), m in multiplier()
    , variant in variant()) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let full = run(&data, params);
        let cut = cut.index(data.len() + 1);
        let head = run(&data.slice(0..cut), params);
        let tail = data.slice(cut..data.len());
        let mut state = head.state;
        let n = tail.len();
        let (mut t, mut d, mut l, mut s) = (vec![0.0; n], vec![0i8; n], vec![0.0; n], vec![0.0; n]);
        state
            .run_into(&tail.high, &tail.low, &tail.close, SuperTrendSlices { supert: &mut t, superd: &mut d, superl: &mut l, supers: &mut s })
            .unwrap();
        assert_same_bits("supert", &full.supert[cut..], &t);
        assert_same_bits("superl", &full.superl[cut..], &l);
        assert_same_bits("supers", &full.supers[cut..], &s);
        prop_assert_eq!(&full.superd[cut..], &d[..]);
    }

    /// Scaling every price by 2^k scales every band and line exactly and keeps the directions.
    #[test]
    fn power_of_two_scaling_is_exact(data in ohlc(300), k in -20i32..=20, period in period(), m in multiplier(), variant in variant()) {
        let params = SuperTrendParams::new(period, m).unwrap().with_variant(variant);
        let scale = 2f64.powi(k);
        let scaled = Ohlc {
            high: data.high.iter().map(|x| x * scale).collect(),
            low: data.low.iter().map(|x| x * scale).collect(),
            close: data.close.iter().map(|x| x * scale).collect(),
        };
        let base = run(&data, params);
        let out = run(&scaled, params);
        let times = |v: &[f64]| v.iter().map(|x| x * scale).collect::<Vec<_>>();
        assert_same_bits("supert", &times(&base.supert), &out.supert);
        assert_same_bits("superl", &times(&base.superl), &out.superl);
        assert_same_bits("supers", &times(&base.supers), &out.supers);
        prop_assert_eq!(&base.superd, &out.superd);
    }

    /// The line is always one of the two bands, chosen by the direction.
    #[test]
    fn line_is_the_band_the_direction_selects(data in ohlc(300), period in period(), m in multiplier(), variant in variant()) {
        let out = run(&data, SuperTrendParams::new(period, m).unwrap().with_variant(variant));
        for i in 0..data.len() {
            let d = out.superd[i];
            prop_assert!(d == 1 || d == -1);
            let (active, idle) = if d > 0 { (out.superl[i], out.supers[i]) } else { (out.supers[i], out.superl[i]) };
            prop_assert!(idle.is_nan());
            prop_assert!(common::same_bits(active, out.supert[i]));
        }
    }

    /// On clean data the ATR is Wilder's smoothing `atr += (tr - atr) / period` seeded with the
    /// first true range: the same quantity in a different arithmetic order, so equal within a
    /// tight relative tolerance (and not an EMA with alpha = 2 / (period + 1)).
    #[test]
    fn atr_is_wilders_smoothing(data in clean_ohlc(300), period in period()) {
        let n = data.len();
        let mut tr = vec![0.0; n];
        true_range_into(&data.high, &data.low, &data.close, &mut tr).unwrap();
        let mut atr = vec![0.0; n];
        wilder_atr_into(&tr, period, &mut atr).unwrap();
        let mut textbook = f64::NAN;
        for i in 1..n {
            textbook = if i == 1 { tr[1] } else { textbook + (tr[i] - textbook) / period as f64 };
            if i >= period {
                assert_relative_eq!(atr[i], textbook, max_relative = REORDERED_ARITHMETIC_RELATIVE, epsilon = 1e-300);
            } else {
                prop_assert!(atr[i].is_nan());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What infinities do (the crate docs' "Failure modes" section states these rules)
// ---------------------------------------------------------------------------------------------

fn bars(n: usize) -> Ohlc {
    let close: Vec<f64> = (0..n).map(|i| 100.0 + (i % 5) as f64).collect();
    Ohlc {
        high: close.iter().map(|c| c + 2.0).collect(),
        low: close.iter().map(|c| c - 2.0).collect(),
        close,
    }
}

#[test]
fn a_band_that_overflows_is_infinite_and_the_direction_freezes() {
    // `f64::MAX` times an ATR above 1 overflows: upper = +inf, lower = -inf. No close is above
    // +inf or below -inf, so the direction stays up and the line is the -inf lower band.
    let data = bars(12);
    let out = run(&data, SuperTrendParams::new(3, f64::MAX).unwrap());
    assert!(out.supert[..3].iter().all(|x| x.is_nan()));
    assert!(out.supert[3..].iter().all(|&x| x == f64::NEG_INFINITY));
    assert_eq!(out.superl[3..], out.supert[3..]);
    assert!(out.supers.iter().all(|x| x.is_nan()));
    assert!(out.superd.iter().all(|&d| d == 1));
    assert_eq!(out.state.upper_band(), f64::INFINITY);
    // An ATR below 1 keeps the same multiplier's bands finite.
    let mut small = bars(12);
    for series in [&mut small.high, &mut small.low, &mut small.close] {
        series.iter_mut().for_each(|x| *x *= 1e-3);
    }
    let out = run(&small, SuperTrendParams::new(3, f64::MAX).unwrap());
    assert!(
        out.supert[3..].iter().all(|x| x.is_finite()),
        "{:?}",
        out.supert
    );
}

#[test]
fn one_infinite_price_makes_the_atr_infinite_for_the_rest_of_the_series() {
    // An infinite high makes that bar's true range +inf; the average of +inf and anything
    // finite is +inf, so the ATR never recovers. The bands become mid -/+ inf: the line is
    // -inf and the direction freezes (the bar itself has a NaN lower band: inf - inf).
    let mut data = bars(12);
    data.high[5] = f64::INFINITY;
    let out = run(&data, SuperTrendParams::new(2, 3.0).unwrap());
    assert_eq!(out.state.atr(), f64::INFINITY);
    assert!(out.supert[5].is_nan());
    assert!(out.supert[6..].iter().all(|&x| x == f64::NEG_INFINITY));
    assert!(out.superd[5..].iter().all(|&d| d == out.superd[4]));
    // With multiplier 0 the band offset is 0 * inf = NaN: the line is NaN from there on.
    let out = run(&data, SuperTrendParams::new(2, 0.0).unwrap());
    assert!(out.supert[..5].iter().skip(2).all(|x| x.is_finite()));
    assert!(out.supert[5..].iter().all(|x| x.is_nan()));
}

#[test]
fn after_an_infinite_price_a_downtrend_keeps_its_last_finite_band_until_a_close_crosses_it() {
    // Falling to 79 (direction down, line 83), an infinite high at bar 8, flat, then a jump.
    let mut close: Vec<f64> = (0..8).map(|i| 100.0 - 3.0 * i as f64).collect();
    close.extend([79.0; 5]);
    close.extend([200.0; 4]);
    let mut high: Vec<f64> = close.iter().map(|c| c + 1.0).collect();
    let low: Vec<f64> = close.iter().map(|c| c - 1.0).collect();
    high[8] = f64::INFINITY;
    let out = supertrend(&high, &low, &close, SuperTrendParams::new(2, 1.0).unwrap()).unwrap();
    // The ratchet keeps the lower of the finite band and +inf ...
    assert!(out.superd[4..13].iter().all(|&d| d == -1));
    assert!(out.supert[7..13].iter().all(|&x| x == 83.0));
    // ... until a close rises above it: then up at -inf, for good.
    assert!(out.superd[13..].iter().all(|&d| d == 1));
    assert!(out.supert[13..].iter().all(|&x| x == f64::NEG_INFINITY));
}

#[test]
fn prices_near_the_largest_double_overflow_the_midpoint() {
    // (high + low) / 2 overflows to +inf for prices around 1e308 although the true range is
    // finite: both bands are +inf, so every close is below the lower band and the direction
    // turns down with a +inf line.
    let high = [1.5e308; 5];
    let low = [1.0e308; 5];
    let close = [1.2e308; 5];
    let out = supertrend(&high, &low, &close, SuperTrendParams::new(1, 1.0).unwrap()).unwrap();
    assert_eq!(out.state.atr(), 0.5e308);
    assert!(out.supert[0].is_nan());
    assert!(out.supert[1..].iter().all(|&x| x == f64::INFINITY));
    assert_eq!(out.superd, [1, 1, -1, -1, -1]);
}
