//! vectorbt's `crossed_above` (`wait = 0`): the bars where one series crosses above another,
//! decided with two flags carried from bar to bar.

/// The state of one `crossed_above(a, b)`.
///
/// Per bar: a NaN in either series gives no signal and clears both flags; `a > b` signals if
/// both flags are set (bar `i - 1` was valid with `a <= b`, and `a < b` happened since the
/// last NaN), then disarms; `a == b` arms; `a < b` arms and records that `a` was below.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CrossedAbove {
    seen: bool,
    armed: bool,
}

impl CrossedAbove {
    /// Advances one bar; returns whether `a` crossed above `b` on it.
    #[inline]
    pub(crate) fn update(&mut self, a: f64, b: f64) -> bool {
        if a.is_nan() || b.is_nan() {
            *self = CrossedAbove::default();
            return false;
        }
        if a > b {
            let out = self.armed && self.seen;
            self.armed = false;
            out
        } else {
            // `a <= b`: armed; and `a < b` is the dip that a crossing needs.
            self.armed = true;
            self.seen |= a < b;
            false
        }
    }
}

/// A bar where `a` crosses above `b`, in [`crossings_into`]'s bytes.
pub(crate) const ABOVE: u8 = 1;
/// A bar where `a` crosses below `b`.
pub(crate) const BELOW: u8 = 2;
/// `a < b` on the bar (a scratch bit of the first pass).
const LESS: u8 = 4;
/// `a > b` on the bar.
const GREATER: u8 = 8;
/// `a` or `b` is NaN on the bar.
const INVALID: u8 = 16;

/// Both crossings of `a` and `b`: `out[i]` gets [`ABOVE`] if `a` crosses above `b` at bar `i`
/// ([`CrossedAbove`] of `(a, b)`), [`BELOW`] if it crosses below (of `(b, a)`); its other bits
/// are scratch, to be ignored.
///
/// The flags' recursion, unrolled: `armed` after a bar is that the bar was valid with
/// `a <= b` (for the crossing below, `a >= b`), which the bar itself says; only `seen` ("since
/// the last NaN, `a < b` happened") spans bars, and it is the same for every bar of a run of
/// valid bars once the run's first `a < b` has passed. So a first pass, with no state carried
/// and vectorised, marks the candidates (`a > b` after `a <= b`) and each bar's order, and a
/// second clears, in every run of valid bars, the candidates before its first `a < b` (and
/// `a > b` for crossings below), searching eight bytes at a time. Crossings come at no
/// predictable bars, so a state machine's branches would mispredict at every one, and a
/// branch-free one runs the whole chain of flags per bar.
pub(crate) fn crossings_into(a: &[f64], b: &[f64], out: &mut [u8]) {
    let bars = out.len().min(a.len()).min(b.len());
    let (a, b, out) = (&a[..bars], &b[..bars], &mut out[..bars]);
    if bars == 0 {
        return;
    }
    let order = |a: f64, b: f64| {
        u8::from(a < b) * LESS | u8::from(a > b) * GREATER | u8::from(a.is_nan() | b.is_nan()) * INVALID
    };
    out[0] = order(a[0], b[0]);
    for i in 1..bars {
        let (previous_a, previous_b, a, b) = (a[i - 1], b[i - 1], a[i], b[i]);
        let above = (a > b) & (previous_a <= previous_b);
        let below = (a < b) & (previous_a >= previous_b);
        out[i] = u8::from(above) * ABOVE | u8::from(below) * BELOW | order(a, b);
    }
    let mut start = 0;
    while start < bars {
        start += first_masked(&out[start..], INVALID, 0);
        if start == bars {
            break;
        }
        let end = start + first_masked(&out[start..], INVALID, INVALID);
        let run = &mut out[start..end];
        // A candidate at bar i needs the comparison before it (bars start..i) to have been
        // below (above): clear the candidates up to the first such bar, itself included.
        for (first_order, candidate) in [(LESS, ABOVE), (GREATER, BELOW)] {
            let first = first_masked(run, first_order, first_order).min(run.len() - 1);
            for byte in &mut run[..=first] {
                *byte &= !candidate;
            }
        }
        start = end;
    }
}

/// The index of the first byte of `bytes` whose bits `mask` equal `value`, or `bytes.len()`,
/// eight bytes at a time (SWAR: the loop exits once, on the word that holds the byte).
#[inline]
pub(crate) fn first_masked(bytes: &[u8], mask: u8, value: u8) -> usize {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let (masks, pattern) = (ONES * u64::from(mask), ONES * u64::from(value));
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        // Zero bytes where the byte matches; the lowest flagged byte is the first such (the
        // trick can flag a byte above a zero one, never below).
        let x = (word & masks) ^ pattern;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return offset + (zeros.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    offset
        + words
            .remainder()
            .iter()
            .position(|&b| b & mask == value)
            .unwrap_or(bytes.len() - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// The unrolled pass equals the two state machines, on series with ties and NaN.
        #[test]
        fn the_branch_free_pass_equals_the_flags(
            pairs in prop::collection::vec((0u8..5, 0u8..5), 0..200),
        ) {
            let value = |k: u8| if k == 0 { f64::NAN } else { f64::from(k) };
            let a: Vec<f64> = pairs.iter().map(|p| value(p.0)).collect();
            let b: Vec<f64> = pairs.iter().map(|p| value(p.1)).collect();
            let mut out = vec![0xff; a.len()];
            crossings_into(&a, &b, &mut out);
            let (mut up, mut down) = (CrossedAbove::default(), CrossedAbove::default());
            for i in 0..a.len() {
                let expected = u8::from(up.update(a[i], b[i])) * ABOVE
                    | u8::from(down.update(b[i], a[i])) * BELOW;
                prop_assert_eq!(out[i] & (ABOVE | BELOW), expected, "bar {}", i);
            }
        }

        #[test]
        fn first_masked_finds_the_first_byte(
            bytes in prop::collection::vec(any::<u8>(), 0..80),
            mask in any::<u8>(),
            value in any::<u8>(),
        ) {
            let value = value & mask;
            let expected = bytes.iter().position(|&b| b & mask == value).unwrap_or(bytes.len());
            prop_assert_eq!(first_masked(&bytes, mask, value), expected);
        }
    }

    #[test]
    fn follows_the_flags_of_the_reference() {
        let a = [1.0, 2.0, 3.0, 2.0, 2.0, 3.0, f64::NAN, 1.0, 3.0, 2.0, 4.0];
        let b = [2.0; 11];
        let mut state = CrossedAbove::default();
        let out: Vec<bool> = a.iter().zip(&b).map(|(&a, &b)| state.update(a, b)).collect();
        // Bar 2 crosses (dip at 0); bar 5 crosses again after a touch at 3-4; after the NaN
        // at 6, bar 8 crosses (dip at 7); bar 10 after the touch at 9.
        let expected = [false, false, true, false, false, true, false, false, true, false, true];
        assert_eq!(out, expected);
        // A first valid bar above never signals.
        let mut state = CrossedAbove::default();
        assert!(!state.update(3.0, 2.0));
    }
}
