//! The TradingView and TA-Lib reference vectors of `tests/data/golden-variants/` (copied from
//! the shared VARIANTS.md golden set), reproduced bit for bit by the batch kernel, the
//! streaming state (intermediates included), the sweep's lanes and the naive reference.

mod common;

use common::{assert_same_bits, golden_cases, naive_supertrend_variant, GoldenCase, NaiveVariant};
use ta_sweep::{supertrend, Prices, SuperTrend, SuperTrendParams, SuperTrendState, Sweep, Variant};

const VARIANTS: [(&str, Variant, NaiveVariant); 2] = [
    (
        "golden-variants/tradingview",
        Variant::TradingView,
        NaiveVariant::TradingView,
    ),
    ("golden-variants/talib", Variant::TaLib, NaiveVariant::TaLib),
];

fn cases(dir: &str) -> Vec<GoldenCase> {
    let cases = golden_cases(dir);
    // A loader that silently found nothing would make every test below pass vacuously.
    assert_eq!(cases.len(), 17, "expected the 17 golden cases of {dir}");
    cases
}

fn params(case: &GoldenCase, variant: Variant) -> SuperTrendParams {
    SuperTrendParams::new(case.period, case.multiplier)
        .unwrap()
        .with_variant(variant)
}

#[test]
fn batch_kernel_reproduces_every_variant_case() {
    for (dir, variant, _) in VARIANTS {
        for case in cases(dir) {
            let out =
                supertrend(&case.high, &case.low, &case.close, params(&case, variant)).unwrap();
            let name = format!("{variant} {}", case.name);
            assert_same_bits(&format!("{name} supert"), &case.supert, &out.supert);
            assert_same_bits(&format!("{name} superl"), &case.superl, &out.superl);
            assert_same_bits(&format!("{name} supers"), &case.supers, &out.supers);
            assert_eq!(case.superd, out.superd, "{name} superd");
        }
    }
}

#[test]
fn streaming_state_reproduces_every_variant_case_and_its_intermediates() {
    for (dir, variant, _) in VARIANTS {
        for case in cases(dir) {
            let mut state = SuperTrendState::new(params(&case, variant));
            let n = case.high.len();
            let (mut tr, mut atr, mut upper, mut lower) = (vec![], vec![], vec![], vec![]);
            let (mut supert, mut superd) = (vec![], vec![]);
            for i in 0..n {
                let prev_close = if i == 0 { f64::NAN } else { case.close[i - 1] };
                tr.push(variant.true_range(case.high[i], case.low[i], prev_close));
                let bar = state.update(case.high[i], case.low[i], case.close[i]);
                supert.push(bar.supert);
                superd.push(bar.superd);
                atr.push(state.atr());
                upper.push(state.upper_band());
                lower.push(state.lower_band());
            }
            let name = format!("{variant} {}", case.name);
            assert_same_bits(&format!("{name} tr"), &case.debug_tr, &tr);
            assert_same_bits(&format!("{name} atr"), &case.debug_atr, &atr);
            assert_same_bits(&format!("{name} upper"), &case.debug_upper, &upper);
            assert_same_bits(&format!("{name} lower"), &case.debug_lower, &lower);
            assert_same_bits(&format!("{name} streaming supert"), &case.supert, &supert);
            assert_eq!(case.superd, superd, "{name} streaming superd");
        }
    }
}

#[test]
fn sweep_lanes_reproduce_every_variant_case() {
    for (dir, variant, _) in VARIANTS {
        for case in cases(dir) {
            let prices = Prices::single(&case.high, &case.low, &case.close).unwrap();
            // The golden case's multiplier among others, so it runs in a lane of a full vector.
            let multipliers = [
                case.multiplier + 1.0,
                case.multiplier,
                case.multiplier + 0.5,
            ];
            let grid = supertrend::grid(&[case.period], &multipliers).unwrap();
            let out = Sweep::new(SuperTrend::new(variant), &prices, &grid)
                .run()
                .unwrap();
            let name = format!("{variant} {} sweep", case.name);
            let column = |m: Option<&ndarray::Array2<f64>>| m.unwrap().column(1).to_vec();
            assert_same_bits(
                &format!("{name} supert"),
                &case.supert,
                &column(out.supert()),
            );
            assert_same_bits(
                &format!("{name} superl"),
                &case.superl,
                &column(out.superl()),
            );
            assert_same_bits(
                &format!("{name} supers"),
                &case.supers,
                &column(out.supers()),
            );
            assert_eq!(
                case.superd,
                out.superd().unwrap().column(1).to_vec(),
                "{name} superd"
            );
        }
    }
}

#[test]
fn manifest_metadata_matches_the_outputs() {
    for (dir, variant, _) in VARIANTS {
        for case in cases(dir) {
            let out =
                supertrend(&case.high, &case.low, &case.close, params(&case, variant)).unwrap();
            let first_valid = out.supert.iter().position(|x| !x.is_nan());
            assert_eq!(
                first_valid, case.first_valid_supert,
                "{variant} {} first valid",
                case.name
            );
            let flips = out.superd.windows(2).filter(|w| w[0] != w[1]).count();
            assert_eq!(flips, case.n_dir_flips, "{variant} {} flips", case.name);
        }
    }
}

/// The naive references used by the property tests are checked against the golden sets, so a
/// property test comparing against them compares against the definitions.
#[test]
fn naive_references_reproduce_every_variant_case() {
    for (dir, _, naive_variant) in VARIANTS {
        for case in cases(dir) {
            let naive = naive_supertrend_variant(
                &case.high,
                &case.low,
                &case.close,
                case.period,
                case.multiplier,
                naive_variant,
            );
            let name = format!("{naive_variant:?} {} naive", case.name);
            assert_same_bits(&format!("{name} tr"), &case.debug_tr, &naive.tr);
            assert_same_bits(&format!("{name} atr"), &case.debug_atr, &naive.atr);
            assert_same_bits(&format!("{name} upper"), &case.debug_upper, &naive.upper);
            assert_same_bits(&format!("{name} lower"), &case.debug_lower, &naive.lower);
            assert_same_bits(&format!("{name} supert"), &case.supert, &naive.supert);
            assert_eq!(case.superd, naive.superd, "{name} superd");
        }
    }
}

#[test]
fn variant_names_round_trip_and_unknown_names_are_errors() {
    for variant in Variant::ALL {
        assert_eq!(variant.name().parse::<Variant>().unwrap(), variant);
        assert_eq!(
            variant
                .to_string()
                .to_uppercase()
                .parse::<Variant>()
                .unwrap(),
            variant
        );
    }
    assert_eq!(Variant::default(), Variant::Vectorbt);
    let err = "pine".parse::<Variant>().unwrap_err();
    assert_eq!(
        err,
        ta_sweep::Error::UnknownVariant {
            name: "pine".into()
        }
    );
    assert!(err.to_string().contains("tradingview"), "{err}");
}
