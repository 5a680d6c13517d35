//! The best of a set of values, with near-ties to the lowest index (`docs/VALIDATION.md` 1.3),
//! and the average rank of a value among others, ties by the same tolerance (3.5).
//!
//! Columns whose trades coincide differ only in the last bits of their Sharpe ratios (their
//! cash histories differ), so an exact argmax would choose between them by rounding noise.
//!
//! `best_index` and `average_rank` run once per CSCV combination over every trial, so they
//! are written without branches on the values (inlined into a caller compiled for AVX2, LLVM
//! vectorises them); `best_of` serves the few other callers.

use crate::backtest::is_close;

/// `is_close`'s relative tolerance (vectorbt's default).
const RELATIVE: f64 = 1e-9;
/// `is_close`'s absolute tolerance.
const ABSOLUTE: f64 = 1e-12;
/// The lanes of the max pass and of the tolerance scan: two AVX2 vectors.
const LANES: usize = 8;

/// `x > y ? x : y`, as `is_close`'s tolerance takes the larger (one `maxpd`).
#[inline(always)]
fn larger(x: f64, y: f64) -> f64 {
    if x > y {
        x
    } else {
        y
    }
}

/// `is_close(a, b)` without branches, so that a loop of it vectorises. For finite `a` and
/// `b`, `a == b` implies `|a - b| = 0`, within the (positive) tolerance, so it needs no test
/// of its own; an infinite `a` or `b` makes the tolerance infinite, which `tolerance < inf`
/// rejects (where `|a - b| <= tolerance` would hold); a NaN fails `|a - b| <= tolerance`.
#[inline(always)]
pub(crate) fn close(a: f64, b: f64) -> bool {
    let tolerance = larger(RELATIVE * larger(a.abs(), b.abs()), ABSOLUTE);
    ((a - b).abs() <= tolerance) & (tolerance < f64::INFINITY)
}

/// The index of the best of `values` (an iterator of `(index, value)` over finite values, in
/// increasing index order): the lowest index whose value is within tolerance of the maximum.
/// `None` if there are no values.
pub(crate) fn best_of(values: impl Iterator<Item = (usize, f64)> + Clone) -> Option<usize> {
    let mut max: Option<f64> = None;
    for (_, x) in values.clone() {
        if max.is_none_or(|m| x > m) {
            max = Some(x);
        }
    }
    let max = max?;
    // An infinite maximum is close to nothing: the first value equal to it then.
    values
        .clone()
        .find(|&(_, x)| is_close(x, max))
        .or_else(|| values.clone().find(|&(_, x)| x == max))
        .map(|(index, _)| index)
}

/// `best_of(values.iter().copied().enumerate())`, the same index for any values, NaN and
/// infinities included, in two vectorisable passes.
///
/// The maximum is taken in `LANES` running maxima, each starting at `values[0]` as the
/// sequential one does: a NaN there stays in every lane (`x > NaN` is false), as it stays the
/// sequential maximum, and later NaNs are skipped by both. Values the lanes combine in
/// another order than the sequential pass can only differ in the sign of a zero maximum,
/// which no test below distinguishes (`-0.0 == 0.0`, and the tolerance takes `|max|`).
#[inline(always)]
pub(crate) fn best_index(values: &[f64]) -> Option<usize> {
    let first = *values.first()?;
    let mut lanes = [first; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (m, &x) in lanes.iter_mut().zip(chunk) {
            *m = larger(x, *m);
        }
    }
    let max = rest.iter().chain(&lanes).fold(first, |m, &x| larger(x, m));
    if !max.is_finite() {
        // An infinite maximum is close to nothing: the first value equal to it (none for
        // NaN, as `best_of` finds none).
        return values.iter().position(|&x| x == max);
    }
    // The first value within tolerance, a chunk at a time: the maximum itself is one.
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for (c, chunk) in chunks.enumerate() {
        let hits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |hits, (k, &x)| hits | u32::from(close(x, max)) << k);
        if hits != 0 {
            return Some(c * LANES + hits.trailing_zeros() as usize);
        }
    }
    let start = values.len() - rest.len();
    rest.iter().position(|&x| close(x, max)).map(|p| start + p)
}

/// The average rank of `x` among `values` (1 = the lowest): those below it and not close,
/// plus the middle of those close to it (`x` itself among them when it is one of `values`).
/// Counted without branches: a value close to `x` is tied, one below and not close is below.
#[inline(always)]
pub(crate) fn average_rank(values: &[f64], x: f64) -> f64 {
    let (mut below, mut tied) = (0usize, 0usize);
    for &v in values {
        let tie = close(v, x);
        tied += usize::from(tie);
        below += usize::from(!tie & (v < x));
    }
    below as f64 + (tied as f64 + 1.0) / 2.0
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `average_rank` as VALIDATION.md 3.5 words it, with branches: the reference.
    pub(in crate::validation) fn average_rank_plain(values: &[f64], x: f64) -> f64 {
        let (mut below, mut tied) = (0usize, 0usize);
        for &v in values {
            if is_close(v, x) {
                tied += 1;
            } else if v < x {
                below += 1;
            }
        }
        below as f64 + (tied as f64 + 1.0) / 2.0
    }

    #[test]
    fn near_ties_go_to_the_lowest_index() {
        let values = [1.0, 2.0, 2.0 + 1e-12, 2.0 - 1e-3];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(1));
        assert_eq!(best_index(&values), Some(1));
        let values = [3.0, 2.0];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(0));
        assert_eq!(best_of(std::iter::empty::<(usize, f64)>()), None);
        assert_eq!(best_index(&[]), None);
        let values = [1.0, f64::INFINITY, f64::INFINITY];
        assert_eq!(best_of(values.iter().copied().enumerate()), Some(1));
        assert_eq!(best_index(&values), Some(1));
        // A leading NaN is the sequential maximum, close to nothing and equal to nothing.
        let values = [f64::NAN, 1.0, 2.0];
        assert_eq!(best_of(values.iter().copied().enumerate()), None);
        assert_eq!(best_index(&values), None);
    }

    #[test]
    fn ranks_count_ties_by_tolerance() {
        // VALIDATION.md 5, combination 1: the winner ties another column out of sample.
        let oos = [0.5, 0.5 - 1e-13, -0.2];
        assert_eq!(average_rank(&oos, oos[0]), 2.5);
        assert_eq!(average_rank(&[1.0, 2.0, 3.0], 3.0), 3.0);
        assert_eq!(average_rank(&[1.0, 2.0, 3.0], 1.0), 1.0);
    }

    /// Values that stress the tolerance and the special cases.
    fn special() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(f64::MIN_POSITIVE),
            Just(5e-324),
            Just(-5e-324),
            Just(1e-12),
            Just(-1e-12),
            Just(2e-12),
        ]
    }

    /// `x` moved by `k` ulps (`kind` 0), by about the relative tolerance (`f` of it, up or
    /// down: 1), or by `d`, about the absolute (2).
    fn perturb(x: f64, (kind, k, f, up, d): (u8, i64, f64, bool, f64)) -> f64 {
        match kind {
            0 => f64::from_bits((x.to_bits() as i64).wrapping_add(k) as u64),
            1 if up => x + f * 1e-9 * x.abs(),
            1 => x - f * 1e-9 * x.abs(),
            _ => x + d,
        }
    }

    /// How to move a value near another.
    fn nudge() -> impl Strategy<Value = (u8, i64, f64, bool, f64)> {
        (
            0u8..3,
            -4i64..=4,
            0.5f64..1.5,
            any::<bool>(),
            -3e-12f64..3e-12,
        )
    }

    /// A value: a plain one, any bits, a special one, one near the absolute tolerance.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => -2.0f64..2.0,
            1 => any::<f64>(),
            1 => special(),
            1 => -1e-11f64..1e-11,
        ]
    }

    /// A few seeds and many values near them, shuffled: near-ties among themselves and with
    /// the maximum.
    pub(in crate::validation) fn values() -> impl Strategy<Value = Vec<f64>> {
        (
            prop::collection::vec(value(), 1..6),
            prop::collection::vec((any::<prop::sample::Index>(), nudge()), 0..48),
        )
            .prop_map(|(mut values, nears)| {
                let seeds = values.clone();
                values.extend(
                    nears
                        .into_iter()
                        .map(|(i, how)| perturb(seeds[i.index(seeds.len())], how)),
                );
                values
            })
            .prop_shuffle()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn close_is_is_close(
            (a, b) in prop_oneof![
                (value(), value()),
                (value(), nudge()).prop_map(|(a, how)| (a, perturb(a, how))),
                (special(), special()),
            ],
        ) {
            prop_assert_eq!(close(a, b), is_close(a, b));
            prop_assert_eq!(close(b, a), is_close(b, a));
        }

        #[test]
        fn best_index_is_best_of(values in values()) {
            prop_assert_eq!(best_index(&values), best_of(values.iter().copied().enumerate()));
        }

        #[test]
        fn average_rank_is_the_plain_count(values in values(), pick in any::<prop::sample::Index>()) {
            let x = values[pick.index(values.len())];
            let (fast, plain) = (average_rank(&values, x), average_rank_plain(&values, x));
            prop_assert_eq!(fast.to_bits(), plain.to_bits());
        }
    }
}
