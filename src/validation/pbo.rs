//! The Probability of Backtest Overfitting by combinatorially symmetric cross-validation
//! (Bailey, Borwein, Lopez de Prado and Zhu, 2015; `docs/VALIDATION.md` section 3), from each
//! trial's per-block sums: no returns matrix.
//!
//! Every half (a set of `S/2` blocks) is the training set of one combination and the test
//! set of its complement, so the half Sharpe ratios of a combination and its complement are
//! computed once for both.

use std::ops::Range;

use rayon::prelude::*;

use super::column_stats::Blocks;
use super::select::{average_rank, best_index};

/// Oos Sharpe ratios below this count as a loss (VALIDATION.md 3.6).
const LOSS: f64 = -1e-12;

/// One CSCV combination: a training half, the column it chooses and how that column ranks
/// on the test half.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CscvCombination {
    /// The training blocks, bit `b` for block `b`.
    pub train_mask: u64,
    /// The grid row of the in-sample winner (near-ties to the lowest row); `None` when the
    /// combination is undefined (a trial without a Sharpe ratio on a half).
    pub winner: Option<usize>,
    /// The winner's per-bar Sharpe ratio on the training half.
    pub is_sr: f64,
    /// Its per-bar Sharpe ratio on the test half: with `is_sr`, the paper's performance
    /// degradation pair.
    pub oos_sr: f64,
    /// Its average rank among the trials on the test half, 1 = worst, ties by tolerance.
    pub rank: f64,
    /// `ln(omega / (1 - omega))` with `omega = rank / (trials + 1)`: at most 0 when the
    /// in-sample winner is no better than the median out of sample.
    pub logit: f64,
}

/// The PBO of one symbol's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Pbo {
    /// The bars of the series.
    pub bars: usize,
    /// The bars the blocks cover (the last `bars % blocks` are dropped).
    pub bars_used: usize,
    /// Bars per block.
    pub block_len: usize,
    /// The number of blocks `S`.
    pub blocks: usize,
    /// The trials: columns with a finite Sharpe ratio over the whole series.
    pub trials: usize,
    /// `C(S, S/2)`.
    pub combinations: usize,
    /// Combinations in which some trial has no Sharpe ratio on a half (all of its returns
    /// 0, or no variance): all of them with fewer than two trials.
    pub undefined: usize,
    /// Combinations whose logit is at most 0.
    pub overfit: usize,
    /// `overfit / combinations`; NaN if any combination is undefined (or with fewer than
    /// two trials).
    pub pbo: f64,
    /// The mean of `omega` over the combinations.
    pub mean_omega: f64,
    /// The fraction of combinations whose winner loses out of sample (Sharpe below -1e-12).
    pub prob_oos_loss: f64,
    /// Every combination, in lexicographic order of the training blocks (Python's
    /// `itertools.combinations(range(S), S // 2)`): combination `C - 1 - c` is the complement
    /// of `c`. Empty with fewer than two trials.
    pub logits: Vec<CscvCombination>,
}

/// `C(n, k)`, or `None` if it overflows.
pub(crate) fn binomial(n: usize, k: usize) -> Option<usize> {
    let mut c: usize = 1;
    for i in 0..k {
        c = c.checked_mul(n - i)? / (i + 1);
    }
    Some(c)
}

/// The training masks of every combination of `half` of `blocks` blocks, in lexicographic
/// order.
fn masks(blocks: usize, half: usize) -> Vec<u64> {
    let mut out = Vec::with_capacity(binomial(blocks, half).unwrap_or(0));
    let mut chosen: Vec<usize> = (0..half).collect();
    loop {
        out.push(chosen.iter().map(|&b| 1u64 << b).sum());
        // The rightmost index that can still advance, then the ones after it follow it.
        let Some(i) = (0..half).rev().find(|&i| chosen[i] < blocks - half + i) else {
            return out;
        };
        chosen[i] += 1;
        for j in i + 1..half {
            chosen[j] = chosen[j - 1] + 1;
        }
    }
}

/// One symbol's trials' block sums: `sums[b * trials + t]` is `(sum, sum of squares)` of trial
/// `t`'s returns in block `b`; `rows[t]` is trial `t`'s grid row.
#[derive(Debug)]
pub(crate) struct TrialBlocks {
    pub(crate) rows: Vec<usize>,
    pub(crate) sums: Vec<[f64; 2]>,
}

/// Consecutive pairs of combinations one task evaluates: its first half sums are computed
/// whole, the others share their prefix with the previous combination's.
const PAIRS_PER_TASK: usize = 64;

impl Pbo {
    /// The PBO of one symbol from its trials' block sums.
    pub(crate) fn of(bars: usize, blocks: Blocks, trials: &TrialBlocks) -> Pbo {
        let half = blocks.count / 2;
        let combinations = binomial(blocks.count, half).expect("blocks are bounded");
        let n_t = trials.rows.len();
        let mut pbo = Pbo {
            bars,
            bars_used: blocks.bars_used(),
            block_len: blocks.len,
            blocks: blocks.count,
            trials: n_t,
            combinations,
            undefined: combinations,
            overfit: 0,
            pbo: f64::NAN,
            mean_omega: f64::NAN,
            prob_oos_loss: f64::NAN,
            logits: Vec::new(),
        };
        if n_t < 2 {
            return pbo;
        }
        let masks = masks(blocks.count, half);
        let columns = BlockColumns::of(trials, blocks.count);
        let cscv = Cscv {
            masks: &masks,
            columns: &columns,
            rows: &trials.rows,
            half,
            bars_per_half: half * blocks.len,
            bound: bound(n_t),
        };
        // Pairs (c, C - 1 - c): one half and its complement serve both combinations. In
        // lexicographic order consecutive halves share their first blocks, and so do their
        // complements (in the reverse order), so each half's sums mostly reuse the previous
        // one's partial sums.
        let pairs = combinations / 2;
        let tasks: Vec<Vec<[CscvCombination; 2]>> = (0..pairs.div_ceil(PAIRS_PER_TASK))
            .into_par_iter()
            .map(|task| cscv.pairs(task * PAIRS_PER_TASK..((task + 1) * PAIRS_PER_TASK).min(pairs)))
            .collect();
        let mut logits = Vec::with_capacity(combinations);
        logits.extend(tasks.iter().flatten().map(|pair| pair[0]));
        logits.extend(tasks.iter().flatten().rev().map(|pair| pair[1]));
        let count =
            |keep: &dyn Fn(&CscvCombination) -> bool| logits.iter().filter(|x| keep(x)).count();
        pbo.undefined = count(&|x| x.winner.is_none());
        pbo.overfit = count(&|x| x.logit <= 0.0);
        let c = combinations as f64;
        pbo.pbo = if pbo.undefined == 0 {
            pbo.overfit as f64 / c
        } else {
            f64::NAN
        };
        let omega = |x: &CscvCombination| x.rank / (n_t as f64 + 1.0);
        pbo.mean_omega = logits.iter().map(omega).sum::<f64>() / c;
        pbo.prob_oos_loss = count(&|x| x.oos_sr < LOSS) as f64 / c;
        pbo.logits = logits;
        pbo
    }
}

/// The largest half Sharpe ratio (in magnitude) for which a combination needs no NaN test
/// of the sum of its `2 * trials` ratios: a sum of `m` values within `f64::MAX / (4 m)` stays
/// finite (its rounding errors add at most `m` ulps to the exact sum), so it is NaN only if
/// a value is. Half Sharpe ratios of real returns are hundreds of orders of magnitude below it.
fn bound(trials: usize) -> f64 {
    f64::MAX / (8.0 * trials as f64)
}

/// What every task of one symbol reads.
struct Cscv<'a> {
    masks: &'a [u64],
    columns: &'a BlockColumns,
    rows: &'a [usize],
    half: usize,
    bars_per_half: usize,
    /// `bound(trials)`.
    bound: f64,
}

impl Cscv<'_> {
    /// The pairs of combinations `(c, C - 1 - c)` for `c` in `pairs`, compiled for the CPU
    /// at hand: with AVX2, LLVM vectorises the loops of `pairs_each` four lanes wide.
    #[allow(unsafe_code)]
    fn pairs(&self, pairs: Range<usize>) -> Vec<[CscvCombination; 2]> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the one precondition of an AVX2 function is a CPU with AVX2, just
            // checked.
            return unsafe { self.pairs_avx2(pairs) };
        }
        self.pairs_each(pairs)
    }

    /// `pairs_each` compiled with AVX2 (everything it calls is inlined into it).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn pairs_avx2(&self, pairs: Range<usize>) -> Vec<[CscvCombination; 2]> {
        self.pairs_each(pairs)
    }

    /// The pairs of combinations `(c, C - 1 - c)` for `c` in `pairs`: the first halves' sums
    /// are computed whole, the others share their prefix with the previous pair's.
    #[inline(always)]
    fn pairs_each(&self, pairs: Range<usize>) -> Vec<[CscvCombination; 2]> {
        let n_t = self.rows.len();
        let combinations = self.masks.len();
        let mut first = HalfSums::new(self.half, n_t);
        let mut second = HalfSums::new(self.half, n_t);
        let mut rate = Scratch::new(n_t);
        let mut out = Vec::with_capacity(pairs.len());
        for c in pairs {
            let (a, b) = (self.masks[c], self.masks[combinations - 1 - c]);
            debug_assert_eq!(a ^ b, (1u64 << self.columns.blocks) - 1);
            let (sa, qa) = first.update(a, self.columns);
            let bounded_a = half_sharpes(sa, qa, self.bars_per_half, self.bound, &mut rate.train);
            let (sb, qb) = second.update(b, self.columns);
            let bounded_b = half_sharpes(sb, qb, self.bars_per_half, self.bound, &mut rate.test);
            let bounded = bounded_a & bounded_b;
            out.push([
                combination(a, &rate.train, &rate.test, self.rows, bounded),
                combination(b, &rate.test, &rate.train, self.rows, bounded),
            ]);
        }
        out
    }
}

/// The block sums as two planes, so that a block's trials are contiguous: `sum[b * n + t]`,
/// `sum_sq[b * n + t]`.
struct BlockColumns {
    trials: usize,
    /// The number of blocks.
    blocks: usize,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl BlockColumns {
    fn of(trials: &TrialBlocks, blocks: usize) -> Self {
        debug_assert_eq!(trials.sums.len(), blocks * trials.rows.len());
        BlockColumns {
            trials: trials.rows.len(),
            blocks,
            sum: trials.sums.iter().map(|x| x[0]).collect(),
            sum_sq: trials.sums.iter().map(|x| x[1]).collect(),
        }
    }

    #[inline(always)]
    fn block(&self, b: usize) -> (&[f64], &[f64]) {
        let range = b * self.trials..(b + 1) * self.trials;
        (&self.sum[range.clone()], &self.sum_sq[range])
    }
}

/// The running sums of a half's blocks, level `d` holding the sum of its first `d + 1`
/// blocks, in block order: the sum of a half is then the same additions, in the same order,
/// as summing its blocks from scratch (3.4), whichever prefix was reused.
struct HalfSums {
    chosen: Vec<usize>,
    /// How many levels hold the sums of `chosen`'s prefixes.
    valid: usize,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl HalfSums {
    fn new(half: usize, trials: usize) -> Self {
        HalfSums {
            chosen: vec![usize::MAX; half],
            valid: 0,
            sum: vec![0.0; half * trials],
            sum_sq: vec![0.0; half * trials],
        }
    }

    /// The sums over the blocks of `mask` (exactly `chosen.len()` bits).
    #[inline(always)]
    fn update(&mut self, mask: u64, columns: &BlockColumns) -> (&[f64], &[f64]) {
        let n = columns.trials;
        let half = self.chosen.len();
        let mut bits = (0..64usize).filter(|b| mask >> b & 1 == 1);
        let mut from = self.valid;
        for d in 0..half {
            let b = bits.next().expect("a block per level");
            if self.chosen[d] != b {
                self.chosen[d] = b;
                from = from.min(d);
            }
        }
        for d in from..half {
            let (sb, qb) = columns.block(self.chosen[d]);
            let (done, level) = self.sum.split_at_mut(d * n);
            let (done_sq, level_sq) = self.sum_sq.split_at_mut(d * n);
            let (level, level_sq) = (&mut level[..n], &mut level_sq[..n]);
            if d == 0 {
                for (s, x) in level.iter_mut().zip(sb) {
                    *s = 0.0 + x;
                }
                for (q, x) in level_sq.iter_mut().zip(qb) {
                    *q = 0.0 + x;
                }
            } else {
                let previous = &done[(d - 1) * n..];
                for ((s, p), x) in level.iter_mut().zip(previous).zip(sb) {
                    *s = p + x;
                }
                let previous = &done_sq[(d - 1) * n..];
                for ((q, p), x) in level_sq.iter_mut().zip(previous).zip(qb) {
                    *q = p + x;
                }
            }
        }
        self.valid = half;
        let last = (half - 1) * n..half * n;
        (&self.sum[last.clone()], &self.sum_sq[last])
    }
}

/// A task's half Sharpe ratios of the current pair.
struct Scratch {
    train: Vec<f64>,
    test: Vec<f64>,
}

impl Scratch {
    fn new(trials: usize) -> Self {
        Scratch {
            train: vec![0.0; trials],
            test: vec![0.0; trials],
        }
    }
}

/// Every trial's per-bar Sharpe ratio (ddof 1) on a half of `bars` bars from its sums `s`
/// and sums of squares `q` (3.4), into `out`: NaN where it is undefined (all returns 0, or
/// no variance). Whether every ratio is within `bound` in magnitude (so none is NaN), which
/// spares the combinations their own pass over the ratios.
#[inline(always)]
fn half_sharpes(s: &[f64], q: &[f64], bars: usize, bound: f64, out: &mut [f64]) -> bool {
    let n = bars as f64;
    // A count rather than a `bool` `&=`, which LLVM vectorises as well.
    let mut inside = 0usize;
    for ((out, s), q) in out.iter_mut().zip(s).zip(q) {
        let mu = s / n;
        let var = (q - s * mu) / (n - 1.0);
        let sr = mu / var.sqrt();
        *out = if *q == 0.0 || var.is_nan() || var <= 0.0 || bars < 2 {
            f64::NAN
        } else {
            sr
        };
        inside += usize::from(out.abs() <= bound);
    }
    inside == out.len()
}

/// The combination that trains on `train_mask`, with the trials' half Sharpe ratios on the
/// training (`train`) and test (`test`) halves; `bounded` when all of them are within
/// `bound(trials)`.
#[inline(always)]
fn combination(
    train_mask: u64,
    train: &[f64],
    test: &[f64],
    rows: &[usize],
    bounded: bool,
) -> CscvCombination {
    let undefined = CscvCombination {
        train_mask,
        winner: None,
        is_sr: f64::NAN,
        oos_sr: f64::NAN,
        rank: f64::NAN,
        logit: f64::NAN,
    };
    // A NaN anywhere makes the sum NaN (infinities are no half Sharpe ratio: `var > 0` is
    // finite over `q`, and `mu` over a finite `s`). Bounded ratios have a finite sum, so the
    // sum is only taken otherwise: literally, so that even infinities the halves cannot
    // produce would decide as they always did.
    if !bounded
        && train
            .iter()
            .chain(test)
            .fold(0.0, |acc, x| acc + x)
            .is_nan()
    {
        return undefined;
    }
    let Some(w) = best_index(train) else {
        return undefined;
    };
    let rank = average_rank(test, test[w]);
    let omega = rank / (train.len() as f64 + 1.0);
    CscvCombination {
        train_mask,
        winner: Some(rows[w]),
        is_sr: train[w],
        oos_sr: test[w],
        rank,
        logit: (omega / (1.0 - omega)).ln(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::select::best_of;
    use super::super::select::tests::{average_rank_plain, values};
    use super::*;
    use proptest::prelude::*;

    /// `combination` as it was: its own NaN pass, `best_of` and the rank with branches. The
    /// reference of the fast one.
    fn combination_plain(
        train_mask: u64,
        train: &[f64],
        test: &[f64],
        rows: &[usize],
    ) -> CscvCombination {
        let undefined = CscvCombination {
            train_mask,
            winner: None,
            is_sr: f64::NAN,
            oos_sr: f64::NAN,
            rank: f64::NAN,
            logit: f64::NAN,
        };
        if train
            .iter()
            .chain(test)
            .fold(0.0, |acc, x| acc + x)
            .is_nan()
        {
            return undefined;
        }
        let Some(w) = best_of(train.iter().copied().enumerate()) else {
            return undefined;
        };
        let rank = average_rank_plain(test, test[w]);
        let omega = rank / (train.len() as f64 + 1.0);
        CscvCombination {
            train_mask,
            winner: Some(rows[w]),
            is_sr: train[w],
            oos_sr: test[w],
            rank,
            logit: (omega / (1.0 - omega)).ln(),
        }
    }

    /// The same bits in every field (NaN as NaN).
    fn same(a: &CscvCombination, b: &CscvCombination) -> bool {
        let bits = |x: &CscvCombination| {
            [x.is_sr, x.oos_sr, x.rank, x.logit].map(|v| {
                if v.is_nan() {
                    u64::MAX
                } else {
                    v.to_bits()
                }
            })
        };
        a.train_mask == b.train_mask && a.winner == b.winner && bits(a) == bits(b)
    }

    /// The plain route of `Pbo::of`'s tasks: `half_sharpes` without using its answer, and
    /// `combination_plain`.
    fn pairs_plain(cscv: &Cscv, pairs: Range<usize>) -> Vec<[CscvCombination; 2]> {
        let n_t = cscv.rows.len();
        let c_all = cscv.masks.len();
        let mut first = HalfSums::new(cscv.half, n_t);
        let mut second = HalfSums::new(cscv.half, n_t);
        let mut rate = Scratch::new(n_t);
        pairs
            .map(|c| {
                let (a, b) = (cscv.masks[c], cscv.masks[c_all - 1 - c]);
                let (sa, qa) = first.update(a, cscv.columns);
                half_sharpes(sa, qa, cscv.bars_per_half, cscv.bound, &mut rate.train);
                let (sb, qb) = second.update(b, cscv.columns);
                half_sharpes(sb, qb, cscv.bars_per_half, cscv.bound, &mut rate.test);
                [
                    combination_plain(a, &rate.train, &rate.test, cscv.rows),
                    combination_plain(b, &rate.test, &rate.train, cscv.rows),
                ]
            })
            .collect()
    }

    /// Block sums of `trials` columns over `blocks` blocks of 3 bars, from returns that are
    /// seeds or near-copies of them (a few ulps apart: near-ties), some blocks all zero.
    fn block_sums() -> impl Strategy<Value = (usize, TrialBlocks)> {
        (
            prop_oneof![Just(2usize), Just(4), Just(6), Just(8)],
            2usize..24,
        )
            .prop_flat_map(|(blocks, trials)| {
                (
                    Just(blocks),
                    prop::collection::vec(
                        prop_oneof![4 => -0.05f64..0.05, 1 => Just(0.0)],
                        3 * blocks * 3,
                    ),
                    prop::collection::vec((0usize..3, -3i64..=3, 0usize..40), trials),
                )
            })
            .prop_map(|(blocks, seeds, picks)| {
                let bars = 3 * blocks;
                let n_t = picks.len();
                let mut sums = vec![[0.0; 2]; blocks * n_t];
                for (t, &(seed, ulps, zero_block)) in picks.iter().enumerate() {
                    let r: Vec<f64> = (0..bars)
                        .map(|i| {
                            let x = seeds[seed * bars + i];
                            if i / 3 == zero_block {
                                0.0
                            } else if x == 0.0 {
                                x
                            } else {
                                f64::from_bits((x.to_bits() as i64 + ulps) as u64)
                            }
                        })
                        .collect();
                    let mut out = Vec::new();
                    Blocks {
                        count: blocks,
                        len: 3,
                    }
                    .sums_into(&r, &mut out);
                    for (b, s) in out.into_iter().enumerate() {
                        sums[b * n_t + t] = s;
                    }
                }
                (
                    blocks,
                    TrialBlocks {
                        rows: (0..n_t).collect(),
                        sums,
                    },
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn combination_is_the_plain_one(
            (train, test) in values().prop_flat_map(|train| {
                let n = train.len();
                (Just(train), values().prop_map(move |mut test| {
                    test.resize(n, 0.25);
                    test
                }))
            }),
            mask in any::<u64>(),
        ) {
            let rows: Vec<usize> = (0..train.len()).map(|t| 3 * t + 1).collect();
            let plain = combination_plain(mask, &train, &test, &rows);
            let bound = bound(train.len());
            let bounded = train.iter().chain(&test).all(|x| x.abs() <= bound);
            for bounded in [bounded, false] {
                let fast = combination(mask, &train, &test, &rows, bounded);
                prop_assert!(same(&fast, &plain), "{fast:?} {plain:?}");
            }
        }

        #[test]
        fn tasks_are_the_plain_route((blocks, trials) in block_sums()) {
            let half = blocks / 2;
            let masks = masks(blocks, half);
            let columns = BlockColumns::of(&trials, blocks);
            let cscv = Cscv {
                masks: &masks,
                columns: &columns,
                rows: &trials.rows,
                half,
                bars_per_half: half * 3,
                bound: bound(trials.rows.len()),
            };
            let pairs = 0..masks.len() / 2;
            let plain = pairs_plain(&cscv, pairs.clone());
            let mut routes = vec![cscv.pairs(pairs.clone()), cscv.pairs_each(pairs.clone())];
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, just checked.
                #[allow(unsafe_code)]
                routes.push(unsafe { cscv.pairs_avx2(pairs.clone()) });
            }
            for route in routes {
                prop_assert_eq!(route.len(), plain.len());
                for (x, y) in route.iter().flatten().zip(plain.iter().flatten()) {
                    prop_assert!(same(x, y), "{x:?} {y:?}");
                }
            }
        }
    }

    #[test]
    fn masks_are_lexicographic_and_complements_pair_up() {
        let m = masks(4, 2);
        assert_eq!(m, [3, 5, 9, 6, 10, 12]);
        let m = masks(16, 8);
        assert_eq!(m.len(), 12_870);
        assert_eq!((m[0], m[12_869]), (255, 65_280));
        assert!((0..m.len()).all(|c| m[c] ^ m[m.len() - 1 - c] == 0xffff));
        assert_eq!(binomial(16, 8), Some(12_870));
    }

    /// VALIDATION.md 5: three columns, nine bars, four blocks.
    #[test]
    fn the_worked_example() {
        let cols: [[f64; 9]; 3] = [
            [3., 2., 0., 1., -2., 3., 3., 0., 3.],
            [-1., 3., 1., 2., 3., -1., -1., 2., 0.],
            [3., -2., 0., 1., 1., 0., -2., -2., -1.],
        ];
        let blocks = Blocks { count: 4, len: 2 };
        let mut sums = vec![[0.0; 2]; 4 * 3];
        for (t, col) in cols.iter().enumerate() {
            let r: Vec<f64> = col.iter().map(|x| x * 0.01).collect();
            let mut out = Vec::new();
            blocks.sums_into(&r, &mut out);
            for (b, s) in out.into_iter().enumerate() {
                sums[b * 3 + t] = s;
            }
        }
        let trials = TrialBlocks {
            rows: vec![0, 1, 2],
            sums,
        };
        let pbo = Pbo::of(9, blocks, &trials);
        let winners: Vec<_> = pbo.logits.iter().map(|x| x.winner).collect();
        assert_eq!(
            winners,
            [Some(0), Some(0), Some(0), Some(2), Some(0), Some(0)]
        );
        let ranks: Vec<_> = pbo.logits.iter().map(|x| x.rank).collect();
        assert_eq!(ranks, [3.0, 2.5, 1.0, 1.0, 3.0, 3.0]);
        let masks: Vec<_> = pbo.logits.iter().map(|x| x.train_mask).collect();
        assert_eq!(masks, [3, 5, 9, 6, 10, 12]);
        assert_eq!((pbo.overfit, pbo.undefined), (2, 0));
        assert_eq!(pbo.pbo, 2.0 / 6.0);
        assert!((pbo.mean_omega - 0.5625).abs() < 1e-15);
        assert_eq!(pbo.prob_oos_loss, 1.0 / 6.0);
        let (sqrt_2, half_sqrt_2) = (std::f64::consts::SQRT_2, std::f64::consts::FRAC_1_SQRT_2);
        let expected = [1.1619, 0.6301, sqrt_2, 0.8660, half_sqrt_2, 0.4082];
        for (x, e) in pbo.logits.iter().zip(expected) {
            assert!((x.is_sr - e).abs() < 1e-4, "{x:?}");
        }
        assert!((pbo.logits[0].logit - 1.0986).abs() < 1e-4);
        assert!((pbo.logits[3].oos_sr + 0.3).abs() < 1e-12);
    }

    #[test]
    fn a_half_of_zeros_is_undefined() {
        let blocks = Blocks { count: 2, len: 2 };
        let trials = TrialBlocks {
            rows: vec![0, 1],
            sums: vec![[0.0, 0.0], [0.1, 0.01], [0.2, 0.03], [0.1, 0.02]],
        };
        let pbo = Pbo::of(4, blocks, &trials);
        assert_eq!((pbo.undefined, pbo.combinations), (2, 2));
        assert!(pbo.pbo.is_nan());
        assert!(pbo
            .logits
            .iter()
            .all(|x| x.winner.is_none() && x.logit.is_nan()));
    }
}
