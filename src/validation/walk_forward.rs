//! Walk-forward optimisation (`docs/VALIDATION.md` section 4): choose the best column on a
//! training window, trade it on the test window that follows, and judge the strategy by the
//! chained test windows only.
//!
//! The indicator and signals are the whole series' (no warm-up again per window); every
//! window is simulated on its own from fresh cash.

use std::ops::Range;

use crate::backtest::ColumnMetrics;
use crate::error::{Error, Result};

/// Walk-forward windows, in bars: split `k` trains on `k * step .. k * step + train` and
/// tests on the `test` bars after it, for every split whose test window fits in the data.
///
/// # Example
/// ```
/// use ta_sweep::validation::WalkForward;
///
/// let wf = WalkForward::new(756, 252, 252);
/// let splits = wf.splits(3270)?;
/// assert_eq!(splits.len(), 9);
/// assert_eq!((splits[8].train.clone(), splits[8].test.clone()), (2016..2772, 2772..3024));
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WalkForward {
    /// Bars of each training window (at least 2).
    pub train: usize,
    /// Bars of each test window (at least 2).
    pub test: usize,
    /// Bars between the starts of consecutive splits (at least 1).
    pub step: usize,
}

/// One walk-forward split: its training and test bars.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Split {
    /// The training window.
    pub train: Range<usize>,
    /// The test window, right after it.
    pub test: Range<usize>,
}

impl WalkForward {
    /// Windows of `train` and `test` bars, a split every `step` bars.
    pub fn new(train: usize, test: usize, step: usize) -> Self {
        WalkForward { train, test, step }
    }

    /// The splits over `bars` bars.
    ///
    /// # Errors
    /// [`Error::InvalidWalkForward`] if `train` or `test` is under 2 bars, `step` is 0, or
    /// not even one split fits.
    pub fn splits(&self, bars: usize) -> Result<Vec<Split>> {
        let invalid = Error::InvalidWalkForward {
            train: self.train,
            test: self.test,
            step: self.step,
            bars,
        };
        let span = self.train.checked_add(self.test).ok_or(invalid.clone())?;
        if self.train < 2 || self.test < 2 || self.step == 0 || span > bars {
            return Err(invalid);
        }
        Ok((0..=bars - span)
            .step_by(self.step)
            .map(|start| Split {
                train: start..start + self.train,
                test: start + self.train..start + span,
            })
            .collect())
    }
}

/// The choice of one split for one symbol, and how it did on the test window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkForwardChoice {
    /// The split's index.
    pub split: usize,
    /// The symbol's index.
    pub symbol: usize,
    /// The columns with a finite Sharpe ratio on the training window.
    pub candidates: usize,
    /// The grid row chosen: the best training Sharpe ratio (near-ties to the lowest row);
    /// `None` without candidates (the split then stays in cash).
    pub chosen: Option<usize>,
    /// The chosen row's annualised Sharpe ratio on the training window (NaN without one).
    pub is_sharpe: f64,
    /// The chosen row's metrics on the test window, simulated from fresh cash (`None`
    /// without a choice).
    pub oos: Option<ColumnMetrics>,
}

/// The chained test windows of one symbol: what walk-forward trading would have earned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkForwardSummary {
    /// The splits.
    pub splits: usize,
    /// The splits with a choice.
    pub chosen: usize,
    /// The test bars chained: splits times the test window (overlapping tests counted as
    /// often as they occur).
    pub oos_bars: usize,
    /// The annualised Sharpe ratio of the chained test returns (a split without a choice
    /// contributes returns of 0).
    pub oos_sharpe: f64,
    /// Their compound return `prod(1 + r) - 1`.
    pub oos_compound_return: f64,
    /// Their maximum drawdown (PIPELINE.md 6.3).
    pub oos_max_drawdown: f64,
    /// The trades of the test windows, summed.
    pub oos_trades: usize,
}

/// The walk-forward results of every split and symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkForwardReport {
    /// The splits, in order.
    pub splits: Vec<Split>,
    /// One choice per split and symbol, split-major: `choices[split * symbols + symbol]`.
    pub choices: Vec<WalkForwardChoice>,
    /// One summary per symbol.
    pub summary: Vec<WalkForwardSummary>,
    /// Every column's training-window Sharpe ratio, split-major:
    /// `train_sharpe[split * columns + column]`.
    pub train_sharpe: Vec<f64>,
}

/// The compound return `prod(1 + r) - 1` of `returns` in order, NaN returns skipped (the
/// product of PIPELINE.md 6.3).
pub(crate) fn compound_return(returns: &[f64]) -> f64 {
    let mut growth = 1.0;
    for &r in returns {
        if !r.is_nan() {
            growth *= r + 1.0;
        }
    }
    growth - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_their_errors() {
        let wf = WalkForward::new(4, 2, 3);
        let splits = wf.splits(12).unwrap();
        let tests: Vec<_> = splits.iter().map(|s| s.test.clone()).collect();
        assert_eq!(tests, [4..6, 7..9, 10..12]);
        assert_eq!(WalkForward::new(4, 2, 3).splits(11).unwrap().len(), 2);
        for bad in [
            WalkForward::new(1, 2, 1),
            WalkForward::new(2, 1, 1),
            WalkForward::new(2, 2, 0),
            WalkForward::new(8, 5, 1),
            WalkForward::new(usize::MAX, 5, 1),
        ] {
            assert!(matches!(
                bad.splits(12),
                Err(Error::InvalidWalkForward { .. })
            ));
        }
    }

    #[test]
    fn compounding() {
        assert_eq!(compound_return(&[]), 0.0);
        assert!((compound_return(&[0.1, f64::NAN, -0.1]) - (1.1 * 0.9 - 1.0)).abs() < 1e-15);
    }
}
