//! The metrics of one column from its returns (PIPELINE.md section 6): the running sums of
//! the Sharpe ratio, the compounded growth and its drawdown, accumulated bar by bar in the
//! reference's order, and the two-pass variance at the end.

use super::repeated_sum::add_repeated;

/// vectorbt's `start_value` of the cumulative returns the drawdown is measured on.
const GROWTH_SCALE: f64 = 100.0;

/// One column's metrics: one row of a backtest's result.
///
/// Each value is what vectorbt 1.2.0 returns for the reference recipe (`../shared/PIPELINE.md`),
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
    /// A one-pass variance: each run of bars between orders is summarised while it is in
    /// cache (its mean and squared deviations) and merged into the column's (Chan, Golub and
    /// LeVeque's pairwise update), runs of zero returns in O(1), order bars by Welford's
    /// update. No second pass over the column, so somewhat faster.
    ///
    /// **Not bit-exact**: the Sharpe ratio differs from [`Exact`](Variance::Exact) in its last
    /// digits (tested within a relative `1e-9`; `1.2e-13` at worst on the tutorial workload);
    /// every other metric is still exact.
    OnePass,
}

/// The running accumulators of a column's returns: the Sharpe ratio's sum and count, and the
/// compounded growth whose drawdown is tracked.
#[derive(Debug, Clone)]
pub(super) struct ReturnStats {
    /// Sum of the non-NaN returns, in bar order.
    pub(super) sum: f64,
    /// Number of non-NaN returns.
    pub(super) count: usize,
    /// `prod(1 + r)` over the non-NaN returns, in bar order.
    growth: f64,
    drawdown: Drawdown,
}

impl ReturnStats {
    pub(super) fn new() -> Self {
        ReturnStats {
            sum: 0.0,
            count: 0,
            growth: 1.0,
            drawdown: Drawdown::new(),
        }
    }

    /// Adds one bar's return.
    #[inline]
    pub(super) fn push(&mut self, r: f64) {
        if !r.is_nan() {
            self.sum += r;
            self.count += 1;
            self.growth *= r + 1.0;
        }
        self.drawdown.push(self.growth * GROWTH_SCALE);
    }

    /// Adds returns that are all finite: [`push`](ReturnStats::push) without the NaN test, in
    /// a loop of three dependency chains (sum, growth, peak) and nothing else.
    #[inline]
    pub(super) fn push_finite(&mut self, returns: &[f64]) {
        let (mut sum, mut growth) = (self.sum, self.growth);
        let mut drawdown = self.drawdown.clone();
        for &r in returns {
            sum += r;
            growth *= r + 1.0;
            drawdown.push(growth * GROWTH_SCALE);
        }
        (self.sum, self.growth, self.drawdown) = (sum, growth, drawdown);
        self.count += returns.len();
    }

    /// Adds `bars` returns of exactly `0.0`: the sum, the growth and the drawdown cannot
    /// change (`s + 0.0 == s` for every `s` but `-0.0`, which a sum starting at `+0.0` never
    /// is; `g * 1.0 == g`, and a repeated value is no new peak or trough), only the count
    /// does.
    #[inline]
    pub(super) fn push_zeros(&mut self, bars: usize) {
        self.count += bars;
    }

    /// The maximum drawdown of every return pushed, `bars` of them.
    pub(super) fn max_drawdown(&self, bars: usize) -> f64 {
        if bars == 0 || self.growth.is_nan() {
            // A NaN growth stays NaN, and so was the drawdown of the bar where it began.
            return f64::NAN;
        }
        self.drawdown.finish()
    }
}

/// The running minimum of `c / running_max(c) - 1` over the scaled growth `c`, with one
/// division per new peak instead of one per bar.
///
/// Between two peaks the divisor is fixed and `x / peak - 1` (rounded twice) is monotone in
/// `x`, so the segment's minimum is that of its lowest value: the same bits as dividing every
/// bar. That needs `peak > 0`: the first value, the peak it starts with, is
/// `100 * (1 + 0.0)` (no order can fill at bar 0, so the first return is 0), and peaks only
/// rise. A `+inf` value makes its own drawdown NaN (`inf / inf`), and so the minimum, as
/// NumPy's `min` propagates NaN; it also stays the peak, which is how it is recognised. NaN
/// values are [`ReturnStats`]' to recognise.
#[derive(Debug, Clone)]
struct Drawdown {
    peak: f64,
    trough: f64,
    deepest: f64,
}

impl Drawdown {
    fn new() -> Self {
        Drawdown {
            peak: GROWTH_SCALE,
            trough: GROWTH_SCALE,
            deepest: 0.0,
        }
    }

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
        let mut last = self.clone();
        last.close_segment();
        last.deepest
    }
}

/// The annualised Sharpe ratio from the column's returns, their non-NaN sum and count:
/// vectorbt's `sharpe_ratio_1d_nb` with `ddof = 1`, both passes in bar order.
///
/// `zero_runs` are ranges of bars (in order, disjoint) whose returns are exactly `0.0`: their
/// values in `returns` are not read, and each run's squared deviations are added in closed
/// form ([`add_repeated`]), with the same bits as one by one.
pub(super) fn sharpe_exact(
    returns: &[f64],
    zero_runs: &[std::ops::Range<usize>],
    sum: f64,
    count: usize,
    sqrt_annualisation: f64,
) -> f64 {
    let cnt = count as f64;
    let mean = sum / cnt;
    let zero_deviation = (0.0 - mean) * (0.0 - mean);
    let no_nan = count == returns.len();
    let add_squares = |mut ssd: f64, returns: &[f64]| {
        if no_nan {
            // The one dependency chain of the additions, nothing else.
            for &r in returns {
                let d = r - mean;
                ssd += d * d;
            }
        } else {
            for &r in returns.iter().filter(|r| !r.is_nan()) {
                let d = r - mean;
                ssd += d * d;
            }
        }
        ssd
    };
    let mut ssd = 0.0;
    let mut bar = 0;
    for run in zero_runs {
        ssd = add_squares(ssd, &returns[bar..run.start]);
        ssd = add_repeated(ssd, zero_deviation, run.len());
        bar = run.end;
    }
    ssd = add_squares(ssd, &returns[bar..]);
    sharpe_from(mean, ssd, count, sqrt_annualisation)
}

/// `mean / std * sqrt(A)` with `std = sqrt((ssd / cnt) * cnt / (cnt - 1))`, written as the
/// reference evaluates it (not `sqrt(ssd / (cnt - 1))`, which differs in the last bit); `+inf`
/// for a zero standard deviation.
pub(super) fn sharpe_from(mean: f64, ssd: f64, count: usize, sqrt_annualisation: f64) -> f64 {
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

/// The one-pass variance: count, mean and sum of squared deviations, merged block by block
/// (Chan, Golub and LeVeque, "Updating formulae and a pairwise algorithm for computing sample
/// variances", 1979), so the column is read once and runs of zero returns merge in O(1).
#[derive(Debug, Clone, Default)]
pub(super) struct OnePassVariance {
    count: f64,
    mean: f64,
    m2: f64,
}

impl OnePassVariance {
    /// Merges one return (NaN skipped): Welford's update.
    #[inline]
    pub(super) fn merge_one(&mut self, r: f64) {
        if r.is_nan() {
            return;
        }
        self.count += 1.0;
        let delta = r - self.mean;
        self.mean += delta / self.count;
        self.m2 += delta * (r - self.mean);
    }

    /// Merges a block of finite returns: its own mean and squared deviations first, while it
    /// is in cache, summed in four interleaved lanes (the compiler vectorises them), then the
    /// pairwise update.
    pub(super) fn merge_finite_block(&mut self, block: &[f64]) {
        if block.is_empty() {
            return;
        }
        let count = block.len() as f64;
        let mean = sum_in_lanes(block, |r| r) / count;
        let m2 = sum_in_lanes(block, |r| (r - mean) * (r - mean));
        self.merge(count, mean, m2);
    }

    /// Merges `bars` returns of exactly zero.
    pub(super) fn merge_zeros(&mut self, bars: usize) {
        if bars > 0 {
            self.merge(bars as f64, 0.0, 0.0);
        }
    }

    fn merge(&mut self, count: f64, mean: f64, m2: f64) {
        let total = self.count + count;
        let delta = mean - self.mean;
        self.mean += delta * (count / total);
        self.m2 += m2 + delta * delta * (self.count * count / total);
        self.count = total;
    }

    /// The annualised Sharpe ratio with the exact mean `sum / count` and this sum of squared
    /// deviations.
    pub(super) fn sharpe(&self, sum: f64, count: usize, sqrt_annualisation: f64) -> f64 {
        sharpe_from(sum / count as f64, self.m2, count, sqrt_annualisation)
    }
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
