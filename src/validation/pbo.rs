//! The Probability of Backtest Overfitting by combinatorially symmetric cross-validation
//! (Bailey, Borwein, Lopez de Prado and Zhu, 2015; `docs/VALIDATION.md` section 3), from each
//! trial's per-block sums: no returns matrix.
//!
//! Every half (a set of `S/2` blocks) is the training set of one combination and the test
//! set of its complement, so the half Sharpe ratios of a combination and its complement are
//! computed once for both.

use rayon::prelude::*;

use super::column_stats::Blocks;
use super::select::{average_rank, best_of};

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
        let bars_per_half = half * blocks.len;
        // Pairs (c, C - 1 - c): one half and its complement serve both combinations. In
        // lexicographic order consecutive halves share their first blocks, and so do their
        // complements (in the reverse order), so each half's sums mostly reuse the previous
        // one's partial sums.
        let pairs = combinations / 2;
        let tasks: Vec<Vec<[CscvCombination; 2]>> = (0..pairs.div_ceil(PAIRS_PER_TASK))
            .into_par_iter()
            .map(|task| {
                let mut first = HalfSums::new(half, n_t);
                let mut second = HalfSums::new(half, n_t);
                let mut rate = Scratch::new(n_t);
                let end = ((task + 1) * PAIRS_PER_TASK).min(pairs);
                (task * PAIRS_PER_TASK..end)
                    .map(|c| {
                        let (a, b) = (masks[c], masks[combinations - 1 - c]);
                        debug_assert_eq!(a ^ b, (1u64 << blocks.count) - 1);
                        let (sa, qa) = first.update(a, &columns);
                        half_sharpes(sa, qa, bars_per_half, &mut rate.train);
                        let (sb, qb) = second.update(b, &columns);
                        half_sharpes(sb, qb, bars_per_half, &mut rate.test);
                        [
                            combination(a, &rate.train, &rate.test, &trials.rows),
                            combination(b, &rate.test, &rate.train, &trials.rows),
                        ]
                    })
                    .collect()
            })
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

/// The block sums as two planes, so that a block's trials are contiguous: `sum[b * n + t]`,
/// `sum_sq[b * n + t]`.
struct BlockColumns {
    trials: usize,
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl BlockColumns {
    fn of(trials: &TrialBlocks, blocks: usize) -> Self {
        debug_assert_eq!(trials.sums.len(), blocks * trials.rows.len());
        BlockColumns {
            trials: trials.rows.len(),
            sum: trials.sums.iter().map(|x| x[0]).collect(),
            sum_sq: trials.sums.iter().map(|x| x[1]).collect(),
        }
    }

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
/// no variance).
fn half_sharpes(s: &[f64], q: &[f64], bars: usize, out: &mut [f64]) {
    let n = bars as f64;
    for ((out, s), q) in out.iter_mut().zip(s).zip(q) {
        let mu = s / n;
        let var = (q - s * mu) / (n - 1.0);
        let sr = mu / var.sqrt();
        *out = if *q == 0.0 || var.is_nan() || var <= 0.0 || bars < 2 {
            f64::NAN
        } else {
            sr
        };
    }
}

/// The combination that trains on `train_mask`, with the trials' half Sharpe ratios on the
/// training (`train`) and test (`test`) halves.
fn combination(train_mask: u64, train: &[f64], test: &[f64], rows: &[usize]) -> CscvCombination {
    let undefined = CscvCombination {
        train_mask,
        winner: None,
        is_sr: f64::NAN,
        oos_sr: f64::NAN,
        rank: f64::NAN,
        logit: f64::NAN,
    };
    // A NaN anywhere makes the sum NaN (infinities are no half Sharpe ratio: `var > 0` is
    // finite over `q`, and `mu` over a finite `s`).
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
    use super::*;

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
