//! The metrics of columns from their returns (`docs/PIPELINE.md` section 6): the Sharpe
//! ratio's sums, the compounded growth and its drawdown, accumulated bar by bar in the
//! reference's order, and the two-pass variance, for a few columns in lock step.
//!
//! Every accumulator is a chain of dependent operations, which exactness forbids reordering,
//! so one column at a time waits on their latency (4 cycles an add or a multiply). The chains
//! of different columns are independent: [`return_metrics`] runs up to [`LANES`] columns'
//! chains interleaved, so they overlap, each with exactly its own scalar arithmetic.

use super::simulate::OrderMetrics;

/// vectorbt's `start_value` of the cumulative returns the drawdown is measured on.
const GROWTH_SCALE: f64 = 100.0;

/// The running maximum before the first bar. vectorbt's maximum starts at the first value
/// (NaN-aware), which is below 100 when an order fills, with its fee, on bar 0: any value
/// beats `-inf`, so the first bar always starts the first segment.
const NO_PEAK: f64 = f64::NEG_INFINITY;

/// One column's metrics: one row of a backtest's result.
///
/// Each value is what vectorbt 1.2.0 returns for the reference recipe (`docs/PIPELINE.md`),
/// bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnMetrics {
    /// The annualised Sharpe ratio of the per-bar returns (risk-free rate 0, `ddof = 1`):
    /// `mean / std * sqrt(annualisation)`. `+inf` when the returns do not vary (a column
    /// that never trades), NaN with fewer than 2 bars.
    pub sharpe: f64,
    /// The profit over the initial cash, from the order flow, with an open position valued at
    /// the last valid close: `0.05` is 5 %. `0.0` without orders.
    pub total_return: f64,
    /// The deepest fall of the value from its running peak, as a fraction `<= 0`
    /// (`-0.25` is a 25 % drawdown); `0.0` if the value never fell, NaN without bars.
    pub max_drawdown: f64,
    /// The number of trades: the closed ones, plus one for a position still open (`> 0`) at the
    /// end. So the number of buys, but for columns whose orders overflow: a sale whose
    /// proceeds overflow leaves the cash NaN, and a buy from it fills a NaN position, which is
    /// no open trade.
    pub trades: usize,
    /// The number of closed trades (sells).
    pub closed_trades: usize,
}

#[cfg(test)]
impl ColumnMetrics {
    /// Every field as bits, for comparing runs exactly (NaN included).
    pub(crate) fn bits(&self) -> (u64, u64, u64, usize, usize) {
        (
            self.sharpe.to_bits(),
            self.total_return.to_bits(),
            self.max_drawdown.to_bits(),
            self.trades,
            self.closed_trades,
        )
    }
}

/// How the Sharpe ratio's variance is computed.
///
/// # Example
/// ```
/// use ta_sweep::Variance;
///
/// assert_eq!(Variance::default(), Variance::Exact);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Variance {
    /// The reference's two passes: the mean first, then the squared deviations from it, in bar
    /// order. Bit-identical to vectorbt; needs one column of returns per worker thread.
    #[default]
    Exact,
    /// A one-pass variance: each block of 256 bars is summarised while it is in cache (its
    /// mean and squared deviations) and merged into the column's (Chan, Golub and LeVeque's
    /// pairwise update). No second pass over the column.
    ///
    /// **Not bit-exact**: the Sharpe ratio differs from [`Exact`](Variance::Exact) in its last
    /// digits (tested within a relative `1e-9`; `1.2e-13` at worst on the tutorial workload);
    /// every other metric is still exact.
    ///
    /// **Not faster any more**: the exact variance runs on the lane engine, four columns in
    /// the lanes of one vector, and this one reads each column's returns whole, so it takes
    /// the scalar engine and measures slower than `Exact` (20 to 23 ms against 15 to 17 ms
    /// for the tutorial backtest on 2 cores, across runs). Prefer `Exact`.
    OnePass,
}

/// The most columns [`return_metrics`] interleaves.
pub(crate) const LANES: usize = 4;

/// Bars per block of the one-pass variance.
const ONE_PASS_BLOCK: usize = 256;

/// The metrics of up to [`LANES`] columns of the same bars, from their returns (NaN for a
/// missing return) and their order metrics: `returns[k]` and `orders[k]` belong to column
/// `k`, whose metrics are pushed onto `out`, in order.
pub(super) fn return_metrics(
    returns: &[&[f64]],
    orders: &[OrderMetrics],
    variance: Variance,
    sqrt_annualisation: f64,
    out: &mut Vec<ColumnMetrics>,
) {
    let columns = returns.len();
    debug_assert!((1..=LANES).contains(&columns) && orders.len() == columns);
    let bars = returns[0].len();
    // Lanes beyond the columns repeat the last one; their results are dropped.
    let lanes: [&[f64]; LANES] = std::array::from_fn(|k| &returns[k.min(columns - 1)][..bars]);
    let sums = lane_sums(lanes);
    let means = sums.means();
    let ssd = match variance {
        Variance::Exact => squared_deviations(lanes, means),
        Variance::OnePass => std::array::from_fn(|k| one_pass_squared_deviations(lanes[k])),
    };
    push_metrics(&sums, ssd, orders, bars, sqrt_annualisation, out);
}

/// The metrics of `orders.len()` lanes, from their sums, squared deviations and order
/// metrics, pushed onto `out` in lane order.
pub(super) fn push_metrics(
    sums: &LaneSums,
    ssd: [f64; LANES],
    orders: &[OrderMetrics],
    bars: usize,
    sqrt_annualisation: f64,
    out: &mut Vec<ColumnMetrics>,
) {
    let means = sums.means();
    for (k, orders) in orders.iter().enumerate() {
        out.push(ColumnMetrics {
            sharpe: sharpe_from(means[k], ssd[k], sums.count[k], sqrt_annualisation),
            total_return: orders.total_return,
            max_drawdown: sums.max_drawdown(k, bars),
            trades: orders.trades,
            closed_trades: orders.closed_trades,
        });
    }
}

/// The running accumulators of [`LANES`] columns' returns, one lane per column: the Sharpe
/// ratio's sum and count, and the compounded growth whose drawdown is tracked.
#[derive(Debug, Clone, Copy)]
pub(super) struct LaneSums {
    /// Sum of the non-NaN returns, in bar order.
    sum: [f64; LANES],
    /// Number of non-NaN returns.
    count: [usize; LANES],
    /// `prod(1 + r)` over the non-NaN returns, in bar order.
    growth: [f64; LANES],
    drawdown: [Drawdown; LANES],
}

impl LaneSums {
    /// Every lane's mean return.
    pub(super) fn means(&self) -> [f64; LANES] {
        std::array::from_fn(|k| self.sum[k] / self.count[k] as f64)
    }

    /// Lane `k`'s maximum drawdown over `bars` returns.
    fn max_drawdown(&self, k: usize, bars: usize) -> f64 {
        if bars == 0 || self.growth[k].is_nan() {
            // A NaN growth stays NaN, and so was the drawdown of the bar where it began.
            return f64::NAN;
        }
        self.drawdown[k].finish()
    }
}

/// Every lane's sums, the lanes in lock step, compiled for the CPU at hand.
fn lane_sums(lanes: [&[f64]; LANES]) -> LaneSums {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the one precondition of an AVX2 function is a CPU with AVX2, just checked.
        return unsafe { avx2::lane_sums(lanes) };
    }
    lane_sums_each(lanes)
}

/// The first pass: per bar, each lane's return into its sum, count, growth and drawdown. A
/// NaN return adds `0.0` to the sum (which changes no sum but `-0.0`, and one starting at
/// `+0.0` never is) and multiplies the growth by `1.0` (which changes nothing): the same bits
/// as skipping it, without a branch. The drawdown's branch on a new peak is taken once per
/// bar for all lanes, rarely: between peaks every lane only keeps its trough, a vector min.
#[inline(always)]
fn lane_sums_each(lanes: [&[f64]; LANES]) -> LaneSums {
    let bars = lanes[0].len();
    let lanes: [&[f64]; LANES] = std::array::from_fn(|k| &lanes[k][..bars]);
    let mut sum = [0.0; LANES];
    let mut count = [0usize; LANES];
    let mut growth = [1.0; LANES];
    let mut peak = [NO_PEAK; LANES];
    let mut trough = [NO_PEAK; LANES];
    let mut deepest = [0.0; LANES];
    // Bar `i` of every lane at once: the lanes in lock step, as the vector path runs them.
    #[allow(clippy::needless_range_loop)]
    for i in 0..bars {
        let r: [f64; LANES] = std::array::from_fn(|k| lanes[k][i]);
        let mut c = [0.0; LANES];
        for k in 0..LANES {
            let valid = !r[k].is_nan();
            sum[k] += if valid { r[k] } else { 0.0 };
            count[k] += usize::from(valid);
            growth[k] *= if valid { r[k] + 1.0 } else { 1.0 };
            c[k] = growth[k] * GROWTH_SCALE;
        }
        // One vector compare and one branch for all lanes, not one per lane.
        let new_peaks = (0..LANES).fold(0u8, |bits, k| bits | (u8::from(c[k] > peak[k]) << k));
        let new_peak = new_peaks != 0;
        if new_peak {
            for k in 0..LANES {
                let mut lane = Drawdown {
                    peak: peak[k],
                    trough: trough[k],
                    deepest: deepest[k],
                };
                lane.push(c[k]);
                (peak[k], trough[k], deepest[k]) = (lane.peak, lane.trough, lane.deepest);
            }
        } else {
            for k in 0..LANES {
                trough[k] = if c[k] < trough[k] { c[k] } else { trough[k] };
            }
        }
    }
    LaneSums {
        sum,
        count,
        growth,
        drawdown: std::array::from_fn(|k| Drawdown {
            peak: peak[k],
            trough: trough[k],
            deepest: deepest[k],
        }),
    }
}

/// The second pass of the exact variance: each lane's squared deviations from its mean, in
/// bar order, NaN returns skipped (adding `0.0` to a sum of squares changes nothing).
fn squared_deviations(lanes: [&[f64]; LANES], means: [f64; LANES]) -> [f64; LANES] {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the one precondition of an AVX2 function is a CPU with AVX2, just checked.
        return unsafe { avx2::squared_deviations(lanes, means) };
    }
    squared_deviations_each(lanes, means)
}

#[inline(always)]
fn squared_deviations_each(lanes: [&[f64]; LANES], means: [f64; LANES]) -> [f64; LANES] {
    let bars = lanes[0].len();
    let lanes: [&[f64]; LANES] = std::array::from_fn(|k| &lanes[k][..bars]);
    let mut ssd = [0.0; LANES];
    // Bar `i` of every lane at once, as in `lane_sums_each`.
    #[allow(clippy::needless_range_loop)]
    for i in 0..bars {
        for k in 0..LANES {
            let r = lanes[k][i];
            let deviation = r - means[k];
            ssd[k] += if r.is_nan() {
                0.0
            } else {
                deviation * deviation
            };
        }
    }
    ssd
}

/// The lanes' passes with AVX2: the four lanes of each accumulator are one vector, each lane
/// doing exactly the scalar arithmetic of [`lane_sums_each`] and [`squared_deviations_each`].
/// The lane engine ([`super::lanes`]) feeds the same accumulator bar by bar.
#[cfg(target_arch = "x86_64")]
pub(super) mod avx2 {
    use std::arch::x86_64::*;

    use super::{Drawdown, LaneSums, GROWTH_SCALE, LANES, NO_PEAK};

    /// The first pass's accumulators of four lanes, one vector each; see
    /// [`lane_sums_each`](super::lane_sums_each). `and(valid, r)` is `r` or `+0.0` and
    /// `blendv(1, r + 1, valid)` is `r + 1` or `1.0`: the scalar selects. The new-peak test is
    /// one compare and one branch for the four lanes. Without a new peak, each lane keeps its
    /// trough, `min_pd(c, trough)` being `c < trough ? c : trough`, NaN included; with one,
    /// the lanes take [`Drawdown::push`](super::Drawdown)'s two cases with masks.
    #[derive(Debug, Clone, Copy)]
    pub(in crate::backtest) struct Accumulator {
        sum: __m256d,
        count: __m256i,
        growth: __m256d,
        peak: __m256d,
        trough: __m256d,
        deepest: __m256d,
    }

    impl Accumulator {
        /// No bar yet.
        #[target_feature(enable = "avx2")]
        pub(in crate::backtest) fn new() -> Self {
            Accumulator {
                sum: _mm256_setzero_pd(),
                count: _mm256_setzero_si256(),
                growth: _mm256_set1_pd(1.0),
                peak: _mm256_set1_pd(NO_PEAK),
                trough: _mm256_set1_pd(NO_PEAK),
                deepest: _mm256_setzero_pd(),
            }
        }

        /// The next bar's returns, one per lane.
        #[inline]
        #[target_feature(enable = "avx2")]
        pub(in crate::backtest) fn push(&mut self, r: __m256d) {
            let one = _mm256_set1_pd(1.0);
            let valid = _mm256_cmp_pd::<_CMP_ORD_Q>(r, r);
            self.sum = _mm256_add_pd(self.sum, _mm256_and_pd(valid, r));
            // A valid lane's mask is all ones: -1 as an integer.
            self.count = _mm256_sub_epi64(self.count, _mm256_castpd_si256(valid));
            let factor = _mm256_blendv_pd(one, _mm256_add_pd(r, one), valid);
            self.growth = _mm256_mul_pd(self.growth, factor);
            self.drawdown(_mm256_mul_pd(self.growth, _mm256_set1_pd(GROWTH_SCALE)));
        }

        /// The drawdown's step with the scaled growth `value`.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn drawdown(&mut self, value: __m256d) {
            let one = _mm256_set1_pd(1.0);
            let new_peaks = _mm256_cmp_pd::<_CMP_GT_OQ>(value, self.peak);
            let kept = _mm256_min_pd(value, self.trough);
            if _mm256_movemask_pd(new_peaks) != 0 {
                // `close_segment` where the peak is new: the segment's drawdown, if it fell,
                // and the deepest if deeper; then the value is the peak and the trough.
                let fell = _mm256_cmp_pd::<_CMP_LT_OQ>(self.trough, self.peak);
                let drawdown = _mm256_sub_pd(_mm256_div_pd(self.trough, self.peak), one);
                let deeper = _mm256_cmp_pd::<_CMP_LT_OQ>(drawdown, self.deepest);
                let closes = _mm256_and_pd(new_peaks, _mm256_and_pd(fell, deeper));
                self.deepest = _mm256_blendv_pd(self.deepest, drawdown, closes);
                self.peak = _mm256_blendv_pd(self.peak, value, new_peaks);
                self.trough = _mm256_blendv_pd(kept, value, new_peaks);
            } else {
                self.trough = kept;
            }
        }

        /// [`push`](Accumulator::push) of returns that are never NaN, without counting them
        /// ([`count_bars`](Accumulator::count_bars) does): the masks select nothing then.
        #[inline]
        #[target_feature(enable = "avx2")]
        pub(in crate::backtest) fn push_valid(&mut self, r: __m256d) {
            let one = _mm256_set1_pd(1.0);
            self.sum = _mm256_add_pd(self.sum, r);
            self.growth = _mm256_mul_pd(self.growth, _mm256_add_pd(r, one));
            self.drawdown(_mm256_mul_pd(self.growth, _mm256_set1_pd(GROWTH_SCALE)));
        }

        /// Counts `bars` more valid returns in every lane: those of
        /// [`push_valid`](Accumulator::push_valid), or bars whose returns are all `0.0` after
        /// a bar that pushed `0.0` or the same value, which change nothing else (`+ 0.0`,
        /// `* 1.0`, the same value again).
        #[inline]
        #[target_feature(enable = "avx2")]
        pub(in crate::backtest) fn count_bars(&mut self, bars: usize) {
            self.count = _mm256_add_epi64(self.count, _mm256_set1_epi64x(bars as i64));
        }

        /// The sums after the last bar pushed.
        #[target_feature(enable = "avx2")]
        pub(in crate::backtest) fn finish(&self) -> LaneSums {
            let (peak, trough) = (lanes_of(self.peak), lanes_of(self.trough));
            let deepest = lanes_of(self.deepest);
            let mut counts = [0i64; LANES];
            // SAFETY: `counts` is four i64, exactly what the unaligned store writes.
            unsafe { _mm256_storeu_si256(counts.as_mut_ptr().cast(), self.count) };
            LaneSums {
                sum: lanes_of(self.sum),
                count: counts.map(|n| n as usize),
                growth: lanes_of(self.growth),
                drawdown: std::array::from_fn(|k| Drawdown {
                    peak: peak[k],
                    trough: trough[k],
                    deepest: deepest[k],
                }),
            }
        }
    }

    /// See [`lane_sums_each`](super::lane_sums_each): the [`Accumulator`] over every bar.
    #[target_feature(enable = "avx2")]
    pub(super) fn lane_sums(lanes: [&[f64]; LANES]) -> LaneSums {
        let bars = lanes[0].len();
        let [a, b, c, d] = lanes.map(|lane| &lane[..bars]);
        let mut sums = Accumulator::new();
        for_each_bar(a, b, c, d, &mut |r| sums.push(r));
        sums.finish()
    }

    /// Calls `step` with every bar's four lanes as one vector, in bar order: four bars of each
    /// lane loaded at once and transposed, instead of four scalar loads per bar.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn for_each_bar(a: &[f64], b: &[f64], c: &[f64], d: &[f64], step: &mut impl FnMut(__m256d)) {
        let bars = a.len();
        let (b, c, d) = (&b[..bars], &c[..bars], &d[..bars]);
        let blocks = bars / 4;
        let load = |lane: &[f64], i: usize| {
            let four: &[f64; 4] = lane[i..i + 4].try_into().expect("four bars");
            // SAFETY: `four` is four initialised f64, exactly what the unaligned load reads.
            unsafe { _mm256_loadu_pd(four.as_ptr()) }
        };
        for block in 0..blocks {
            let i = 4 * block;
            let (ra, rb, rc, rd) = (load(a, i), load(b, i), load(c, i), load(d, i));
            // Rows (one lane, four bars) to columns (one bar, four lanes).
            let ab_even = _mm256_unpacklo_pd(ra, rb); // a0 b0 a2 b2
            let ab_odd = _mm256_unpackhi_pd(ra, rb); // a1 b1 a3 b3
            let cd_even = _mm256_unpacklo_pd(rc, rd);
            let cd_odd = _mm256_unpackhi_pd(rc, rd);
            step(_mm256_permute2f128_pd::<0x20>(ab_even, cd_even));
            step(_mm256_permute2f128_pd::<0x20>(ab_odd, cd_odd));
            step(_mm256_permute2f128_pd::<0x31>(ab_even, cd_even));
            step(_mm256_permute2f128_pd::<0x31>(ab_odd, cd_odd));
        }
        for i in 4 * blocks..bars {
            step(_mm256_set_pd(d[i], c[i], b[i], a[i]));
        }
    }

    /// A vector's four lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(in crate::backtest) fn lanes_of(vector: __m256d) -> [f64; LANES] {
        let mut lanes = [0.0; LANES];
        // SAFETY: `lanes` is four f64, exactly what the unaligned store writes.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), vector) };
        lanes
    }

    /// A vector of four lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(in crate::backtest) fn vector_of(lanes: [f64; LANES]) -> __m256d {
        // SAFETY: `lanes` is four f64, exactly what the unaligned load reads.
        unsafe { _mm256_loadu_pd(lanes.as_ptr()) }
    }

    /// `ssd + (r - mean)^2` in each lane where `r` is not NaN: `and(valid, d * d)` is `d * d`
    /// or `+0.0`, as [`squared_deviations_each`](super::squared_deviations_each) adds.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn add_squared_deviation(ssd: __m256d, r: __m256d, mean: __m256d) -> __m256d {
        let valid = _mm256_cmp_pd::<_CMP_ORD_Q>(r, r);
        let deviation = _mm256_sub_pd(r, mean);
        _mm256_add_pd(
            ssd,
            _mm256_and_pd(valid, _mm256_mul_pd(deviation, deviation)),
        )
    }

    /// The second pass over returns stored bar by bar, four lanes per bar (`returns[4 * i +
    /// k]` is bar `i` of lane `k`), as the lane engine writes them: no transposition.
    #[target_feature(enable = "avx2")]
    pub(in crate::backtest) fn interleaved_squared_deviations(
        returns: &[f64],
        means: [f64; LANES],
    ) -> [f64; LANES] {
        let mean = vector_of(means);
        let mut ssd = _mm256_setzero_pd();
        for bar in returns.chunks_exact(LANES) {
            let r = vector_of(bar.try_into().expect("four lanes"));
            ssd = add_squared_deviation(ssd, r, mean);
        }
        lanes_of(ssd)
    }

    /// See [`squared_deviations_each`](super::squared_deviations_each).
    #[target_feature(enable = "avx2")]
    pub(super) fn squared_deviations(lanes: [&[f64]; LANES], means: [f64; LANES]) -> [f64; LANES] {
        let bars = lanes[0].len();
        let [a, b, c, d] = lanes.map(|lane| &lane[..bars]);
        let mean = vector_of(means);
        let mut ssd = _mm256_setzero_pd();
        for_each_bar(a, b, c, d, &mut |r| {
            ssd = add_squared_deviation(ssd, r, mean)
        });
        lanes_of(ssd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Whatever the path the CPU takes, every lane's sums equal the scalar reference, on
        /// returns with NaN, infinities, zeros and falls.
        #[test]
        fn lanes_equal_the_scalar_sums(
            returns in prop::collection::vec(prop_oneof![
                Just(0.0), Just(f64::NAN), Just(-1.0), Just(f64::INFINITY), -0.1f64..0.1,
            ], 0..200),
            columns in 1usize..=LANES,
        ) {
            let bars = returns.len() / columns;
            let lanes: Vec<&[f64]> = (0..LANES)
                .map(|k| &returns[(k % columns) * bars..(k % columns + 1) * bars])
                .collect();
            let lanes: [&[f64]; LANES] = lanes.try_into().unwrap();
            let (fast, slow) = (lane_sums(lanes), lane_sums_each(lanes));
            let bits = |x: f64| x.to_bits();
            for k in 0..LANES {
                prop_assert_eq!(bits(fast.sum[k]), bits(slow.sum[k]));
                prop_assert_eq!(fast.count[k], slow.count[k]);
                prop_assert!(bits(fast.growth[k]) == bits(slow.growth[k]) || (fast.growth[k].is_nan() && slow.growth[k].is_nan()));
                let (f, s) = (fast.max_drawdown(k, bars), slow.max_drawdown(k, bars));
                prop_assert!(bits(f) == bits(s) || (f.is_nan() && s.is_nan()));
            }
            let means: [f64; LANES] = std::array::from_fn(|k| slow.sum[k] / slow.count[k] as f64);
            let (fast, slow) = (squared_deviations(lanes, means), squared_deviations_each(lanes, means));
            for k in 0..LANES {
                prop_assert!(bits(fast[k]) == bits(slow[k]) || (fast[k].is_nan() && slow[k].is_nan()));
            }
        }
    }
}

/// The running minimum of `c / running_max(c) - 1` over the scaled growth `c`, with one
/// division per new peak instead of one per bar.
///
/// Between two peaks the divisor is fixed and `x / peak - 1` (rounded twice) is monotone in
/// `x`, so the segment's minimum is that of its lowest value: the same bits as dividing every
/// bar. That needs `peak > 0`: the first value, the peak it starts with, is
/// `100 * (1 + r_0)` with `r_0 > -1` (fees are below 1, so an order on bar 0 leaves some of
/// the value), and peaks only rise. Before it the peak is [`NO_PEAK`], below every value,
/// and the trough too, so that the first bar closes no segment. A `+inf` value makes its own drawdown NaN (`inf / inf`), and so the minimum, as
/// NumPy's `min` propagates NaN; it also stays the peak, which is how it is recognised. NaN
/// values are [`LaneSums`]' to recognise.
#[derive(Debug, Clone, Copy)]
struct Drawdown {
    peak: f64,
    trough: f64,
    deepest: f64,
}

impl Drawdown {
    #[inline]
    fn push(&mut self, c: f64) {
        if c > self.peak {
            self.close_segment();
            self.peak = c;
            self.trough = c;
        } else {
            // A select, not a branch: troughs come in no predictable pattern.
            self.trough = if c < self.trough { c } else { self.trough };
        }
    }

    #[inline]
    fn close_segment(&mut self) {
        if self.trough < self.peak {
            let dd = self.trough / self.peak - 1.0;
            if dd < self.deepest {
                self.deepest = dd;
            }
        }
    }

    fn finish(&self) -> f64 {
        if self.peak == f64::INFINITY {
            return f64::NAN;
        }
        let mut last = *self;
        last.close_segment();
        last.deepest
    }
}

/// `mean / std * sqrt(A)` with `std = sqrt((ssd / cnt) * cnt / (cnt - 1))`, written as the
/// reference evaluates it (not `sqrt(ssd / (cnt - 1))`, which differs in the last bit); `+inf`
/// for a zero standard deviation.
fn sharpe_from(mean: f64, ssd: f64, count: usize, sqrt_annualisation: f64) -> f64 {
    let cnt = count as f64;
    let std = if count <= 1 {
        f64::NAN
    } else {
        (ssd / cnt * cnt / (cnt - 1.0)).sqrt()
    };
    if std == 0.0 {
        return f64::INFINITY;
    }
    mean / std * sqrt_annualisation
}

/// The sum of squared deviations in one pass over a column: each block's own mean and
/// squared deviations first, while it is in cache, then Chan, Golub and LeVeque's pairwise
/// update ("Updating formulae and a pairwise algorithm for computing sample variances",
/// 1979). NaN returns are skipped.
fn one_pass_squared_deviations(returns: &[f64]) -> f64 {
    let (mut count, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    for block in returns.chunks(ONE_PASS_BLOCK) {
        let valid = |r: &f64| !r.is_nan();
        let n = block.iter().filter(|r| valid(r)).count() as f64;
        if n == 0.0 {
            continue;
        }
        let block_mean = sum_in_lanes(block, |r| if r.is_nan() { 0.0 } else { r }) / n;
        let block_m2 = sum_in_lanes(block, |r| {
            if r.is_nan() {
                0.0
            } else {
                (r - block_mean) * (r - block_mean)
            }
        });
        let total = count + n;
        let delta = block_mean - mean;
        mean += delta * (n / total);
        m2 += block_m2 + delta * delta * (count * n / total);
        count = total;
    }
    m2
}

/// `f` summed over `values` in four interleaved lanes, which the compiler vectorises (the
/// order of the additions is not the reference's: for the one-pass variance only).
#[inline]
fn sum_in_lanes(values: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut lanes = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    for chunk in chunks.by_ref() {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            *lane += f(x);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&x| f(x)).sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}
