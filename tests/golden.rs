//! The reference vectors of `tests/data/golden/` (copied from the shared SEMANTICS.md golden
//! set), reproduced bit for bit by every stage of the kernel and by the streaming state.

mod common;

use common::{assert_same_bits, golden_cases, naive_supertrend, GoldenCase};
use ta_sweep::{supertrend, true_range_into, wilder_atr_into, SuperTrendParams, SuperTrendState};

fn cases() -> Vec<GoldenCase> {
    let cases = golden_cases("golden");
    // A loader that silently found nothing would make every test below pass vacuously.
    assert_eq!(
        cases.len(),
        17,
        "expected the 17 golden cases of SEMANTICS.md"
    );
    cases
}

fn params(case: &GoldenCase) -> SuperTrendParams {
    SuperTrendParams::new(case.period, case.multiplier).unwrap()
}

#[test]
fn batch_kernel_reproduces_every_golden_case() {
    for case in cases() {
        let out = supertrend(&case.high, &case.low, &case.close, params(&case)).unwrap();
        let name = &case.name;
        assert_same_bits(&format!("{name} supert"), &case.supert, &out.supert);
        assert_same_bits(&format!("{name} superl"), &case.superl, &out.superl);
        assert_same_bits(&format!("{name} supers"), &case.supers, &out.supers);
        assert_eq!(case.superd, out.superd, "{name} superd");
    }
}

#[test]
fn streaming_state_reproduces_every_golden_case_and_its_final_bands() {
    for case in cases() {
        let mut state = SuperTrendState::new(params(&case));
        let n = case.high.len();
        let (mut supert, mut superd, mut upper, mut lower) = (vec![], vec![], vec![], vec![]);
        for i in 0..n {
            let bar = state.update(case.high[i], case.low[i], case.close[i]);
            supert.push(bar.supert);
            superd.push(bar.superd);
            upper.push(state.upper_band());
            lower.push(state.lower_band());
        }
        let name = &case.name;
        assert_same_bits(&format!("{name} streaming supert"), &case.supert, &supert);
        assert_eq!(case.superd, superd, "{name} streaming superd");
        assert_same_bits(
            &format!("{name} final upper band"),
            &case.debug_upper,
            &upper,
        );
        assert_same_bits(
            &format!("{name} final lower band"),
            &case.debug_lower,
            &lower,
        );
    }
}

#[test]
fn true_range_and_atr_reproduce_the_debug_intermediates() {
    for case in cases() {
        let n = case.high.len();
        let mut tr = vec![0.0; n];
        true_range_into(&case.high, &case.low, &case.close, &mut tr).unwrap();
        assert_same_bits(&format!("{} tr", case.name), &case.debug_tr, &tr);

        let mut atr = vec![0.0; n];
        wilder_atr_into(&case.debug_tr, case.period, &mut atr).unwrap();
        assert_same_bits(&format!("{} atr", case.name), &case.debug_atr, &atr);
    }
}

#[test]
fn manifest_metadata_matches_the_outputs() {
    for case in cases() {
        let out = supertrend(&case.high, &case.low, &case.close, params(&case)).unwrap();
        let first_valid = out.supert.iter().position(|x| !x.is_nan());
        assert_eq!(
            first_valid, case.first_valid_supert,
            "{} first valid",
            case.name
        );
        let flips = out.superd.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(flips, case.n_dir_flips, "{} flips", case.name);
    }
}

/// The naive reference used by the property tests is itself checked against the golden set,
/// so a property test comparing against it compares against the definition.
#[test]
fn naive_reference_reproduces_every_golden_case() {
    for case in cases() {
        let naive = naive_supertrend(
            &case.high,
            &case.low,
            &case.close,
            case.period,
            case.multiplier,
        );
        let name = &case.name;
        assert_same_bits(&format!("{name} naive tr"), &case.debug_tr, &naive.tr);
        assert_same_bits(&format!("{name} naive atr"), &case.debug_atr, &naive.atr);
        assert_same_bits(
            &format!("{name} naive upper"),
            &case.debug_upper,
            &naive.upper,
        );
        assert_same_bits(
            &format!("{name} naive lower"),
            &case.debug_lower,
            &naive.lower,
        );
        assert_same_bits(&format!("{name} naive supert"), &case.supert, &naive.supert);
        assert_eq!(case.superd, naive.superd, "{name} naive superd");
    }
}
