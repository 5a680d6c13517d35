//! `k` sequential roundings of `acc += q`, exactly, in O(number of binades crossed) steps: the
//! second pass of the exact variance adds the same square for every bar of a flat run.
//!
//! # Why it is exact
//! Let `acc` be a normal double in `[2^e, 2^(e+1))`, where doubles are the multiples of
//! `u = ulp(acc)`. While the exact sum `acc + q` stays below `2^(e+1)`, it is rounded to a
//! multiple of `u`, and only the fractional part of `q / u` (the same for every `acc` on the
//! grid) and, for an exact tie, the parity of the result decide how: off a tie every step adds
//! the same `d = round(q)`; on a tie every result is even, so from the first even `acc` on
//! every step adds the same even-preserving `d` too. So once two consecutive steps inside one
//! binade have added the same `d`, every further step that stays safely inside it adds `d`
//! again, and `t` of them add `t * d`, an exact integer number of `u`.

/// `acc` after `count` sequential additions of `q`, each rounded, bit for bit as the loop
/// `for _ in 0..count { acc += q }` computes it.
pub(super) fn add_repeated(mut acc: f64, q: f64, mut count: usize) -> f64 {
    // The grid argument needs finite, non-negative values (a sum of squares).
    if !(acc.is_finite() && q.is_finite() && acc >= 0.0 && q >= 0.0) {
        for _ in 0..count {
            acc += q;
        }
        return acc;
    }
    loop {
        if count < 3 {
            for _ in 0..count {
                acc += q;
            }
            return acc;
        }
        let first = acc + q;
        let second = first + q;
        let third = second + q;
        count -= 3;
        acc = third;
        if second == third {
            // A step that changes nothing changes nothing ever again.
            return acc;
        }
        let (Some(a), Some(b), Some(c)) = (grid(first), grid(second), grid(third)) else {
            continue;
        };
        if a.exponent != c.exponent || b.units - a.units != c.units - b.units {
            continue;
        }
        // In units of `u`: each safe step from `units` needs `units + d + 1 <= 2^53`.
        let increment = c.units - b.units;
        let safe = (TOP - 1 - c.units) / increment;
        let steps = safe.min(count as u64);
        acc = c.with_units(c.units + steps * increment);
        count -= steps as usize;
    }
}

/// `2^53`: the first significand past the binade, in units of its ulp.
const TOP: u64 = 1 << 53;

/// A positive normal double as `units * 2^(exponent - 1075)`, `units` in `[2^52, 2^53)`.
#[derive(Debug, Clone, Copy)]
struct Grid {
    exponent: u64,
    units: u64,
}

fn grid(x: f64) -> Option<Grid> {
    if !x.is_normal() || x < 0.0 {
        return None;
    }
    let bits = x.to_bits();
    Some(Grid {
        exponent: bits >> 52,
        units: (bits & ((1 << 52) - 1)) | (1 << 52),
    })
}

impl Grid {
    /// The double with this exponent and `units < 2^53`.
    fn with_units(self, units: u64) -> f64 {
        debug_assert!((1 << 52..TOP).contains(&units));
        f64::from_bits((self.exponent << 52) | (units - (1 << 52)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn looped(mut acc: f64, q: f64, count: usize) -> f64 {
        for _ in 0..count {
            acc += q;
        }
        acc
    }

    #[test]
    fn equals_the_loop_on_chosen_cases() {
        let cases = [
            (0.0, 1e-10, 100_000),
            (0.0, 0.1, 1000),
            (1.0, 1e-16, 10_000),              // below half an ulp: stalls
            (1.0, 1.1102230246251565e-16, 10), // exactly half an ulp: a tie every step
            (1.0, 3.0 * 1.1102230246251565e-16, 1000), // 1.5 ulp: ties that alternate
            (0.999, 1e-5, 1_000_000),          // crosses binades
            (5e-324, 5e-324, 100),             // subnormal
            (1e300, 1e300, 1000),              // overflows to infinity
            (3.0, 0.0, 50),
        ];
        for (acc, q, count) in cases {
            let (fast, slow) = (add_repeated(acc, q, count), looped(acc, q, count));
            assert_eq!(fast.to_bits(), slow.to_bits(), "{acc} + {q} x {count}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn equals_the_loop(
            acc in prop_oneof![Just(0.0), 0.0f64..1e-3, 0.0f64..10.0],
            q in prop_oneof![0.0f64..1e-8, 0.0f64..1e-4, (0u32..64).prop_map(|k| f64::from(k) * f64::EPSILON / 4.0)],
            count in 0usize..20_000,
        ) {
            prop_assert_eq!(add_repeated(acc, q, count).to_bits(), looped(acc, q, count).to_bits());
        }
    }
}
