//! What validation keeps of one column's returns, from one pass over them after its
//! simulation: its Sharpe ratio's mean and deviation, the central moments the Deflated Sharpe
//! Ratio reads, and the sum and sum of squares of each CSCV block. Never the returns.

use std::ops::Range;

use crate::backtest::LANES;

/// One column's moments over all its bars (`docs/VALIDATION.md` 1.2, 2.4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Moments {
    /// The returns counted (every bar: returns are never NaN but after an overflow).
    pub(crate) count: usize,
    /// The per-period Sharpe ratio `mean / std` (PIPELINE.md 6.1 before the annualisation).
    pub(crate) sr: f64,
    /// The sums of the deviations from the mean, squared, cubed and to the fourth.
    pub(crate) m2: f64,
    pub(crate) m3: f64,
    pub(crate) m4: f64,
}

impl Moments {
    /// The moments of `returns`, in the reference's order: the sum in bar order, the mean,
    /// then the deviations from it in a second pass (NaN returns skipped, as 6.1 does).
    /// The one-column definition that [`Moments::of_lanes`] is tested against.
    #[cfg(test)]
    pub(crate) fn of(returns: &[f64]) -> Moments {
        let (mut sum, mut count) = (0.0, 0usize);
        for &r in returns {
            if !r.is_nan() {
                sum += r;
                count += 1;
            }
        }
        let n = count as f64;
        let mean = sum / n;
        let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
        for &r in returns {
            if !r.is_nan() {
                let d = r - mean;
                let d2 = d * d;
                m2 += d2;
                m3 += d2 * d;
                m4 += d2 * d2;
            }
        }
        Moments::from_sums(count, mean, m2, m3, m4)
    }
}

impl Moments {
    /// The moments from the count, the mean and the central sums.
    fn from_sums(count: usize, mean: f64, m2: f64, m3: f64, m4: f64) -> Moments {
        let n = count as f64;
        // PIPELINE.md 6.1's evaluation order, so `sr * sqrt(A)` is the metrics' Sharpe.
        let std = if count > 1 {
            (m2 / n * n / (n - 1.0)).sqrt()
        } else {
            f64::NAN
        };
        Moments {
            count,
            sr: mean / std,
            m2,
            m3,
            m4,
        }
    }
}

/// The CSCV blocks of a series of `bars` bars: `blocks` blocks of `bars / blocks` bars, the
/// remainder at the end dropped (VALIDATION.md 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Blocks {
    pub(crate) count: usize,
    pub(crate) len: usize,
}

impl Blocks {
    /// The bars of block `b`.
    pub(crate) fn bars(&self, b: usize) -> Range<usize> {
        b * self.len..(b + 1) * self.len
    }

    /// The bars the blocks cover.
    pub(crate) fn bars_used(&self) -> usize {
        self.count * self.len
    }

    /// Appends each block's `(sum r, sum r * r)` of `returns` to `out`, each from a fresh
    /// accumulator in bar order (3.4): differences of running totals would break exact ties
    /// between equal returns.
    #[cfg(test)]
    pub(crate) fn sums_into(&self, returns: &[f64], out: &mut Vec<[f64; 2]>) {
        for b in 0..self.count {
            let (mut s, mut q) = (0.0, 0.0);
            for &r in &returns[self.bars(b)] {
                s += r;
                q += r * r;
            }
            out.push([s, q]);
        }
    }
}

/// What the fused pass keeps of [`LANES`] columns' returns over the whole series, stored bar by
/// bar (lane `k` of bar `i` at `interleaved[LANES * i + k]`): each lane's [`Moments`], and its
/// blocks' `(sum, sum of squares)` appended to `sums[k]`. The same bits as `Moments::of` and
/// `Blocks::sums_into` of each lane alone: the same additions in the same order, the lanes
/// side by side, in two passes over the returns (the blocks and the sum, then the deviations
/// from the mean).
///
/// A NaN return adds `0.0` to the moments' sums instead of being skipped, which changes no
/// sum: a sum that starts at `+0.0` is never `-0.0`, and `x + 0.0` is `x` for every other `x`.
pub(crate) fn lane_stats(
    blocks: &Blocks,
    interleaved: &[f64],
    sums: &mut [Vec<[f64; 2]>; LANES],
) -> [Moments; LANES] {
    let (mut sum, mut count) = ([0.0; LANES], [0usize; LANES]);
    let mut add = |bar: &[f64]| {
        for k in 0..LANES {
            let valid = !bar[k].is_nan();
            sum[k] += if valid { bar[k] } else { 0.0 };
            count[k] += usize::from(valid);
        }
    };
    for b in 0..blocks.count {
        let (mut s, mut q) = ([0.0; LANES], [0.0; LANES]);
        let bars = blocks.bars(b);
        for bar in interleaved[LANES * bars.start..LANES * bars.end].chunks_exact(LANES) {
            for k in 0..LANES {
                s[k] += bar[k];
                q[k] += bar[k] * bar[k];
            }
            add(bar);
        }
        for (k, out) in sums.iter_mut().enumerate() {
            out.push([s[k], q[k]]);
        }
    }
    // The bars after the last block count for the moments only.
    interleaved[LANES * blocks.bars_used()..]
        .chunks_exact(LANES)
        .for_each(&mut add);
    let mean: [f64; LANES] = std::array::from_fn(|k| sum[k] / count[k] as f64);
    let (mut m2, mut m3, mut m4) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
    for bar in interleaved.chunks_exact(LANES) {
        for k in 0..LANES {
            let d = if bar[k].is_nan() {
                0.0
            } else {
                bar[k] - mean[k]
            };
            let d2 = d * d;
            m2[k] += d2;
            m3[k] += d2 * d;
            m4[k] += d2 * d2;
        }
    }
    std::array::from_fn(|k| Moments::from_sums(count[k], mean[k], m2[k], m3[k], m4[k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_follow_their_definition() {
        let r = [0.01, -0.02, 0.0, 0.03, 0.005];
        let m = Moments::of(&r);
        let mean = r.iter().sum::<f64>() / 5.0;
        let d: Vec<f64> = r.iter().map(|x| x - mean).collect();
        let m2: f64 = d.iter().map(|d| d * d).sum();
        assert!((m.m2 - m2).abs() < 1e-18);
        assert!((m.m3 - d.iter().map(|d| d.powi(3)).sum::<f64>()).abs() < 1e-18);
        assert!((m.m4 - d.iter().map(|d| d.powi(4)).sum::<f64>()).abs() < 1e-18);
        assert!((m.sr - mean / (m2 / 4.0).sqrt()).abs() < 1e-15);
        assert_eq!(m.count, 5);
    }

    #[test]
    fn blocks_drop_the_remainder() {
        let blocks = Blocks { count: 4, len: 2 };
        let r = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let mut out = Vec::new();
        blocks.sums_into(&r, &mut out);
        assert_eq!(out, [[3.0, 5.0], [7.0, 25.0], [11.0, 61.0], [15.0, 113.0]]);
        assert_eq!(blocks.bars_used(), 8);
    }

    /// [`lane_stats`] against each lane alone, with NaN returns, a remainder after the last block and
    /// lanes that differ in the last bits.
    #[test]
    fn lanes_have_the_statistics_of_each_lane_alone() {
        let blocks = Blocks { count: 3, len: 7 };
        let lane = |k: usize| -> Vec<f64> {
            (0..23)
                .map(|i| match (i * 5 + k) % 9 {
                    0 if k > 0 => f64::NAN,
                    j => (j as f64 - 4.0) * 0.01 + 1e-17 * k as f64,
                })
                .collect()
        };
        let interleaved: Vec<f64> = (0..23)
            .flat_map(|i| (0..LANES).map(move |k| lane(k)[i]))
            .collect();
        let bits = |m: &Moments| (m.count, [m.sr, m.m2, m.m3, m.m4].map(f64::to_bits));
        let sum_bits = |v: &[[f64; 2]]| v.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>();
        let mut sums: [Vec<[f64; 2]>; LANES] = Default::default();
        let moments = lane_stats(&blocks, &interleaved, &mut sums);
        for k in 0..LANES {
            assert_eq!(bits(&moments[k]), bits(&Moments::of(&lane(k))), "lane {k}");
            let mut alone = Vec::new();
            blocks.sums_into(&lane(k), &mut alone);
            assert_eq!(sum_bits(&sums[k]), sum_bits(&alone), "lane {k}");
        }
    }
}
