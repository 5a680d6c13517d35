//! Is the sweep's winner real? The Deflated Sharpe Ratio, the Probability of Backtest
//! Overfitting by CSCV, and walk-forward optimisation, for any strategy grid the backtest runs,
//! from one fused pass (`docs/VALIDATION.md`).
//!
//! A grid of hundreds of combinations always has a best column, and its Sharpe ratio is
//! inflated by the number of columns tried. The three diagnostics ask, per symbol:
//! - [`DeflatedSharpe`]: the probability that the best Sharpe ratio beats the best of as many
//!   unskilled trials (Bailey and Lopez de Prado, 2014);
//! - [`Pbo`]: how often the column that is best on half of the history ranks below the
//!   median on the other half, over every way to split the history into halves of blocks
//!   (Bailey, Borwein, Lopez de Prado and Zhu, 2015);
//! - [`WalkForwardReport`]: choose on a past window, trade the next one, chain the trades.
//!
//! # How it runs
//! [`Backtest::validate`] computes each column's indicator once over the whole series, on the
//! sweep's workers, and simulates the column on the whole series and on each training window.
//! Of the returns it keeps only what the diagnostics need: the Sharpe ratio's mean and
//! deviation, three central moments, and a sum and a sum of squares per CSCV block. So a grid
//! of any size gets its report without a bars x columns matrix: the extra memory is
//! `2 * S + splits + 8` numbers per column, one column of returns per worker, and the CSCV
//! logits (`C(S, S/2)` per symbol). The test windows of the chosen columns are simulated in a
//! second, small pass.
//!
//! # Example
//! ```
//! use ta_sweep::validation::{Validation, WalkForward};
//! use ta_sweep::{supertrend, Backtest, BacktestConfig, Prices, SuperTrend};
//!
//! let close: Vec<f64> = (0..1200).map(|i| 100.0 + (i as f64 * 0.03).sin() * 8.0 + i as f64 * 0.01).collect();
//! let high: Vec<f64> = close.iter().map(|c| c * 1.01).collect();
//! let low: Vec<f64> = close.iter().map(|c| c * 0.99).collect();
//! let prices = Prices::single(&high, &low, &close)?;
//! let grid = supertrend::grid(&[5, 10, 15, 20], &[2.0, 2.5, 3.0])?;
//! let backtest = Backtest::new(SuperTrend::default(), &prices, &grid, BacktestConfig::default());
//!
//! let validation = Validation::new().blocks(8).walk_forward(WalkForward::new(400, 200, 200));
//! let report = backtest.validate(&validation)?;
//! let dsr = &report.dsr[0];
//! println!("best row {:?}: Sharpe {:.2}, DSR {:.3}", dsr.best, dsr.sharpe, dsr.dsr);
//! assert_eq!(report.pbo[0].combinations, 70);
//! assert!(report.pbo[0].pbo >= 0.0 && report.pbo[0].pbo <= 1.0);
//! let walk_forward = report.walk_forward.as_ref().unwrap();
//! assert_eq!(walk_forward.splits.len(), 4);
//! # Ok::<(), ta_sweep::Error>(())
//! ```

mod column_stats;
mod dsr;
mod normal;
mod pbo;
mod select;
mod walk_forward;

use crate::backtest::{
    series_metrics, Backtest, ColumnMetrics, LaneReturns, LaneRun, Params, Strategy, LANES,
};
use crate::columns::Columns;
use crate::error::{Error, Result};
use crate::grid::{Grid, Row};
use crate::prices::{Inputs, Prices};

use self::column_stats::{lane_stats, Blocks, Moments};
pub use self::dsr::DeflatedSharpe;
use self::pbo::{binomial, TrialBlocks};
pub use self::pbo::{CscvCombination, Pbo};
use self::select::best_of;
use self::walk_forward::compound_return;
pub use self::walk_forward::{
    Split, WalkForward, WalkForwardChoice, WalkForwardReport, WalkForwardSummary,
};

/// The most CSCV blocks: `C(24, 12)` is 2.7 million combinations per symbol.
pub const MAX_BLOCKS: usize = 24;

/// What [`Backtest::validate`] computes: PBO with `S` blocks (16 by default), and walk-forward
/// splits if asked.
///
/// # Example
/// ```
/// use ta_sweep::validation::{Validation, WalkForward};
///
/// let v = Validation::new().blocks(10).walk_forward(WalkForward::new(4380, 1460, 1460));
/// assert_eq!(v, Validation::default().blocks(10).walk_forward(WalkForward::new(4380, 1460, 1460)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Validation {
    blocks: usize,
    walk_forward: Option<WalkForward>,
}

impl Default for Validation {
    fn default() -> Self {
        Validation {
            blocks: 16,
            walk_forward: None,
        }
    }
}

impl Validation {
    /// DSR and PBO with 16 blocks, no walk-forward.
    pub fn new() -> Self {
        Self::default()
    }

    /// The CSCV blocks `S`: even, from 2 to [`MAX_BLOCKS`], at most the bars (checked when
    /// the validation runs).
    pub fn blocks(mut self, blocks: usize) -> Self {
        self.blocks = blocks;
        self
    }

    /// Walk-forward splits too.
    pub fn walk_forward(mut self, walk_forward: WalkForward) -> Self {
        self.walk_forward = Some(walk_forward);
        self
    }
}

/// The validation of a backtest: every column's metrics, and per symbol the DSR, the PBO and
/// the walk-forward results.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationReport<P: Row> {
    /// What each column holds, in sweep order.
    pub columns: Columns<P>,
    /// Every column's metrics over the whole series: [`Backtest::run`]'s, bit for bit.
    pub metrics: Vec<ColumnMetrics>,
    /// The Deflated Sharpe Ratio of each symbol's best column.
    pub dsr: Vec<DeflatedSharpe>,
    /// The PBO of each symbol.
    pub pbo: Vec<Pbo>,
    /// The walk-forward results, if asked.
    pub walk_forward: Option<WalkForwardReport>,
    /// Every column's CSCV block statistics, which the PBO comes from.
    pub block_sums: BlockSums,
}

/// Each column's sum and sum of squares of its returns in each CSCV block, each block summed
/// on its own in bar order (`docs/VALIDATION.md` 3.4): all the PBO needs of the returns.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSums {
    /// The blocks `S`.
    pub blocks: usize,
    /// Bars per block: block `b` holds bars `b * block_len .. (b + 1) * block_len`.
    pub block_len: usize,
    /// `(sum, sum of squares)` of column `j`'s block `b` at `sums[j * blocks + b]`.
    pub sums: Vec<[f64; 2]>,
}

impl BlockSums {
    /// The blocks of column `column`, in block order; empty past the last column.
    pub fn column(&self, column: usize) -> &[[f64; 2]] {
        self.sums
            .get(column * self.blocks..(column + 1) * self.blocks)
            .unwrap_or_default()
    }
}

/// What the fused pass keeps of one column.
struct ColumnPass {
    metrics: ColumnMetrics,
    moments: Moments,
    blocks: Vec<[f64; 2]>,
    train_sharpe: Vec<f64>,
}

impl<S: Strategy> Backtest<'_, '_, S> {
    /// The DSR, the PBO and (if asked) the walk-forward results of every symbol, from one pass
    /// over the columns (see the [module docs](crate::validation) and `docs/VALIDATION.md`).
    ///
    /// Trials are the columns whose Sharpe ratio over the whole series is finite. With fewer
    /// than two, a symbol's PBO is NaN (every combination undefined, no logits); with none,
    /// its DSR is NaN.
    ///
    /// # Errors
    /// - [`Error::InvalidBlocks`] for an odd or zero number of blocks, or more than
    ///   [`MAX_BLOCKS`]; [`Error::TooManyBlocks`] for more blocks than bars.
    /// - [`Error::InvalidWalkForward`] for windows that are too short or do not fit.
    /// - [`Error::OutputTooLarge`] if the statistics of every column would exceed the
    ///   [memory limit](Backtest::memory_limit); [`Error::TooManyColumns`] if their size
    ///   overflows.
    /// - [`Error::ColumnRangeUnsupported`] if a [column range](Backtest::column_range) is set.
    /// - As [`run`](Backtest::run).
    ///
    /// Every check happens before any work starts.
    pub fn validate(&self, validation: &Validation) -> Result<ValidationReport<Params<S>>> {
        // The DSR and the PBO compare every column of a symbol.
        self.whole_columns_only("validation")?;
        let prices = self.prices();
        let (bars, symbols) = (prices.bars(), prices.symbols());
        let s = validation.blocks;
        if s == 0 || s % 2 == 1 || s > MAX_BLOCKS {
            return Err(Error::InvalidBlocks {
                blocks: s,
                max: MAX_BLOCKS,
            });
        }
        if s > bars {
            return Err(Error::TooManyBlocks { blocks: s, bars });
        }
        let blocks = Blocks {
            count: s,
            len: bars / s,
        };
        let splits = match validation.walk_forward {
            Some(wf) => Some(wf.splits(bars)?),
            None => None,
        };
        let n_splits = splits.as_ref().map_or(0, Vec::len);
        let columns = Columns::new(self.grid().clone(), symbols)?;
        check_memory(columns.len(), s, n_splits, symbols, self.limit())?;

        // The fused pass: the whole series and each training window of every column, the
        // columns of a batch side by side in the lanes.
        let passes = self.map_lanes(
            prices,
            self.grid(),
            || (LaneReturns::new(bars), Vec::with_capacity(LANES)),
            |(returns, metrics), run, results| {
                let columns = run.columns().len();
                metrics.clear();
                run.simulate(0..bars, returns, metrics);
                let mut sums: [Vec<[f64; 2]>; LANES] =
                    std::array::from_fn(|_| Vec::with_capacity(s));
                let moments = lane_stats(&blocks, returns.interleaved(bars), &mut sums);
                let mut train_sharpe: [Vec<f64>; LANES] =
                    std::array::from_fn(|_| Vec::with_capacity(n_splits));
                for split in splits.iter().flatten() {
                    let mut train = Vec::with_capacity(LANES);
                    run.simulate(split.train.clone(), returns, &mut train);
                    for (sharpes, m) in train_sharpe.iter_mut().zip(&train) {
                        sharpes.push(m.sharpe);
                    }
                }
                let lanes = metrics.iter().zip(moments).zip(sums).zip(train_sharpe);
                results.extend(lanes.take(columns).map(
                    |(((&metrics, moments), blocks), train_sharpe)| ColumnPass {
                        metrics,
                        moments,
                        blocks,
                        train_sharpe,
                    },
                ));
            },
        )?;

        let rows = self.grid().len();
        let column = |row: usize, symbol: usize| &passes[row * symbols + symbol];
        let dsr = (0..symbols)
            .map(|symbol| {
                let of: Vec<(f64, Moments)> = (0..rows)
                    .map(|row| {
                        let c = column(row, symbol);
                        (c.metrics.sharpe, c.moments)
                    })
                    .collect();
                DeflatedSharpe::of(bars, &of)
            })
            .collect();
        let pbo = self.install(|| {
            (0..symbols)
                .map(|symbol| {
                    let trials: Vec<usize> = (0..rows)
                        .filter(|&row| column(row, symbol).metrics.sharpe.is_finite())
                        .collect();
                    let mut sums = vec![[0.0; 2]; s * trials.len()];
                    for (t, &row) in trials.iter().enumerate() {
                        for (b, sum) in column(row, symbol).blocks.iter().enumerate() {
                            sums[b * trials.len() + t] = *sum;
                        }
                    }
                    Pbo::of(bars, blocks, &TrialBlocks { rows: trials, sums })
                })
                .collect()
        });
        let walk_forward = match splits {
            Some(splits) => Some(self.walk_forward(splits, &passes)?),
            None => None,
        };
        let metrics = passes.iter().map(|c| c.metrics).collect();
        let block_sums = BlockSums {
            blocks: s,
            block_len: blocks.len,
            sums: passes
                .iter()
                .flat_map(|c| c.blocks.iter().copied())
                .collect(),
        };
        Ok(ValidationReport {
            columns,
            metrics,
            dsr,
            pbo,
            walk_forward,
            block_sums,
        })
    }

    /// The walk-forward choices from the training Sharpe ratios of the fused pass, then the
    /// chosen columns' test windows (a second pass over only those columns).
    fn walk_forward(&self, splits: Vec<Split>, passes: &[ColumnPass]) -> Result<WalkForwardReport> {
        let prices = self.prices();
        let symbols = prices.symbols();
        let rows = self.grid().len();
        let mut choices = Vec::with_capacity(splits.len() * symbols);
        for split in 0..splits.len() {
            for symbol in 0..symbols {
                let train = |row: usize| passes[row * symbols + symbol].train_sharpe[split];
                let candidates = (0..rows)
                    .map(|row| (row, train(row)))
                    .filter(|(_, x)| x.is_finite());
                let chosen = best_of(candidates.clone());
                choices.push(WalkForwardChoice {
                    split,
                    symbol,
                    candidates: candidates.count(),
                    chosen,
                    is_sharpe: chosen.map_or(f64::NAN, train),
                    oos: None,
                });
            }
        }

        // Per symbol, the chosen rows' test windows: metrics and returns.
        let mut summary = Vec::with_capacity(symbols);
        for symbol in 0..symbols {
            let mut chosen: Vec<usize> = choices
                .iter()
                .filter(|c| c.symbol == symbol)
                .filter_map(|c| c.chosen)
                .collect();
            chosen.sort_unstable();
            chosen.dedup();
            let mut tests: Vec<Option<(ColumnMetrics, Vec<f64>)>> = vec![None; splits.len()];
            if !chosen.is_empty() {
                let longest = splits.iter().map(|s| s.test.len()).max().unwrap_or(0);
                let choices = &choices;
                let splits_ref = &splits;
                let chosen_ref = &chosen;
                let windows = self.map_rows(
                    symbol,
                    &chosen,
                    || LaneReturns::new(longest),
                    |returns, run, results| {
                        let rows: Vec<usize> =
                            run.columns().iter().map(|&c| chosen_ref[c]).collect();
                        let mut lanes: Vec<Vec<_>> = vec![Vec::new(); rows.len()];
                        for (split, window) in splits_ref.iter().enumerate() {
                            let choice = choices[split * symbols + symbol].chosen;
                            if !rows.iter().any(|&row| choice == Some(row)) {
                                continue;
                            }
                            let mut metrics = Vec::with_capacity(LANES);
                            run.simulate(window.test.clone(), returns, &mut metrics);
                            for (k, &row) in rows.iter().enumerate() {
                                if choice == Some(row) {
                                    let r = returns.lane(k, window.test.len()).collect();
                                    lanes[k].push((split, metrics[k], r));
                                }
                            }
                        }
                        results.extend(lanes);
                    },
                )?;
                for (split, metrics, returns) in windows.into_iter().flatten() {
                    tests[split] = Some((metrics, returns));
                }
            }
            let mut chained = Vec::new();
            let mut trades = 0;
            for (split, test) in tests.iter().enumerate() {
                match test {
                    Some((metrics, returns)) => {
                        choices[split * symbols + symbol].oos = Some(*metrics);
                        chained.extend_from_slice(returns);
                        trades += metrics.trades;
                    }
                    None => chained.extend(std::iter::repeat_n(0.0, splits[split].test.len())),
                }
            }
            let metrics = series_metrics(&chained, self.config());
            summary.push(WalkForwardSummary {
                splits: splits.len(),
                chosen: tests.iter().filter(|t| t.is_some()).count(),
                oos_bars: chained.len(),
                oos_sharpe: metrics.sharpe,
                oos_compound_return: compound_return(&chained),
                oos_max_drawdown: metrics.max_drawdown,
                oos_trades: trades,
            });
        }
        let columns = rows * symbols;
        let mut train_sharpe = Vec::with_capacity(splits.len() * columns);
        for split in 0..splits.len() {
            train_sharpe.extend(passes.iter().map(|c| c.train_sharpe[split]));
        }
        Ok(WalkForwardReport {
            splits,
            choices,
            summary,
            train_sharpe,
        })
    }
}

impl<S: Strategy> Backtest<'_, '_, S> {
    /// [`map_lanes`](Backtest::map_lanes) over the grid rows `rows` (distinct, ascending) of
    /// symbol `symbol` alone: a column's index is then its place in `rows`.
    fn map_rows<W, T, G, F>(
        &self,
        symbol: usize,
        rows: &[usize],
        scratch: G,
        visit: F,
    ) -> Result<Vec<T>>
    where
        T: Send,
        G: Fn() -> W + Sync,
        F: Fn(&mut W, &LaneRun<'_>, &mut Vec<T>) + Sync,
    {
        let prices = self.prices();
        let names: Vec<&str> = self.grid().names().iter().map(String::as_str).collect();
        let params: Vec<Params<S>> = rows
            .iter()
            .map(|&row| self.grid().get(row).expect("a grid row"))
            .collect();
        let grid = Grid::tuples(&names, &params)?;
        let series = &prices.as_slice()[symbol];
        let one = match prices.inputs() {
            Inputs::HighLowClose => {
                Prices::from_symbols([(series.high(), series.low(), series.close())])?
            }
            Inputs::Close => Prices::from_close_series([series.close()])?,
        };
        self.map_lanes(&one, &grid, scratch, visit)
    }
}

/// Checks that the statistics of `columns` columns and the logits fit within `limit` bytes
/// before any work starts.
fn check_memory(
    columns: usize,
    blocks: usize,
    splits: usize,
    symbols: usize,
    limit: u128,
) -> Result<()> {
    let too_many = Error::TooManyColumns {
        combinations: columns / symbols.max(1),
        symbols,
    };
    let per_column = (2 * blocks + splits + 16) * std::mem::size_of::<f64>();
    let combinations = binomial(blocks, blocks / 2).ok_or(too_many.clone())?;
    let bytes = columns
        .checked_mul(per_column)
        .and_then(|b| {
            combinations
                .checked_mul(symbols)?
                .checked_mul(std::mem::size_of::<CscvCombination>())?
                .checked_add(b)
        })
        .ok_or(too_many)?;
    if bytes as u128 > limit {
        return Err(Error::OutputTooLarge {
            bytes: bytes as u128,
            limit,
        });
    }
    Ok(())
}
