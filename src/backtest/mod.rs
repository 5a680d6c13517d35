//! The fused backtest: every column of a sweep through its strategy's indicator, the rule's
//! entries and exits, a long-only simulation with fees and its metrics, a batch of columns at
//! a time, nothing larger than a few columns per worker ever allocated.
//!
//! The pipeline is `docs/PIPELINE.md` (vectorbt's `Portfolio.from_signals`), the signals are
//! the strategy's: [`SuperTrendSignals`] (`docs/PIPELINE.md` section 3), [`Crossover`]
//! (`docs/STRATEGIES.md`), [`Threshold`], or a [`SignalRule`] of your own.

mod band_gaps;
mod column_runs;
mod config;
mod crossover;
// Feature dispatch: the lane engine compiled with AVX2.
#[allow(unsafe_code)]
mod lanes;
// Feature dispatch: the metrics' lanes compiled with AVX2.
#[allow(unsafe_code)]
mod metrics;
mod rolling;
mod rules;
// Feature dispatch: the returns of position runs compiled with AVX2.
#[allow(unsafe_code)]
mod simulate;
mod supertrend_signals;
mod threshold;
mod tolerance;
mod trace;

use rayon::ThreadPool;

use crate::columns::{ColumnKey, Columns};
use crate::error::{Error, Result};
use crate::factory::{default_memory_limit, Indicator, OutputSet, Sweep};
use crate::grid::{Grid, Row};
use crate::prices::Prices;

pub(crate) use self::column_runs::{series_metrics, LaneReturns, LaneRun};
pub use self::config::{annualisation_from_interval, BacktestConfig};
pub use self::crossover::{Crossover, MaCrossover};
pub use self::lanes::Engine;
use self::lanes::{CloseRange, LaneEngine};
use self::metrics::return_metrics;
pub(crate) use self::metrics::LANES;
pub use self::metrics::{ColumnMetrics, Variance};
pub use self::rolling::RollingOutput;
pub use self::rules::{SignalBits, SignalBuffer, SignalRule, Signals, Strategy};
use self::simulate::{simulate, OrderMetrics};
pub use self::simulate::{Order, Side};
pub use self::supertrend_signals::{SuperTrendPlan, SuperTrendSignals};
pub use self::threshold::{Level, Threshold};
pub(crate) use self::tolerance::is_close;
pub use self::trace::{backtest_trace, trace, BacktestTrace};

/// A strategy's grid row.
pub type Params<S> = <<S as Strategy>::Indicator as Indicator>::Params;

/// A backtest of every column of a strategy's sweep: each (grid row, symbol) through the
/// indicator, the rule's signals, a simulation with fees and its metrics. Configure, then
/// [`run`](Backtest::run) (or [`rolling`](Backtest::rolling) over windows).
///
/// # The pipeline
/// Exactly the reference recipe of `docs/PIPELINE.md` (vectorbt's `Portfolio.from_signals`),
/// bit for bit, on the strategy's signals:
/// - **Signals** come from the rule: SuperTrend's are levels shifted by one bar (an entry while
///   the previous bar's long band is a value), a crossover's are edges on the bar itself.
/// - **Orders** fill at the bar's close: a flat column with an entry (and no exit) buys with
///   all its cash, the fee included in it; a column holding a position with an exit (and no
///   entry) sells it all. Long only, no pyramiding, no forced exit at the end. A NaN close
///   ignores the order, and the signals decide again on the next bar.
/// - **Metrics** come from the per-bar value (cash plus the position at the last valid close)
///   and its returns: see [`ColumnMetrics`].
///
/// # How it runs
/// On the reduce path of the sweep ([`Sweep::reduce_batches`]): the workers compute the
/// indicator for a batch of columns at a time, only the outputs the rule reads, and simulate
/// the batch's columns in one pass over the bars, into a returns buffer of four columns per
/// worker for the exact two-pass Sharpe ratio. Where the CPU has AVX2 the four columns run in
/// the lanes of one vector (the lane engine, [`Engine::Lanes`]); otherwise, or with
/// [`Engine::Scalar`], one column after the other. Nothing is allocated per column, and
/// nothing proportional to bars times columns: the memory is a few columns per worker thread.
/// Results are the same bits for every engine, thread count and chunk length.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use ta_sweep::{supertrend, Backtest, BacktestConfig, ColumnKey, Prices, SuperTrend};
///
/// let close: Vec<f64> = (0..2000).map(|i| 100.0 + (i as f64 * 0.02).sin() * 10.0).collect();
/// let high: Vec<f64> = close.iter().map(|c| c * 1.01).collect();
/// let low: Vec<f64> = close.iter().map(|c| c * 0.99).collect();
/// let prices = Prices::single(&high, &low, &close)?;
/// let grid = supertrend::tutorial_grid();
/// let hourly = BacktestConfig::default().with_bar_interval(Duration::from_secs(3600))?;
///
/// let out = Backtest::new(SuperTrend::default(), &prices, &grid, hourly).run()?;
/// assert_eq!(out.metrics.len(), 336);
/// let best = out
///     .columns
///     .keys()
///     .zip(&out.metrics)
///     .max_by(|a, b| a.1.sharpe.total_cmp(&b.1.sharpe))
///     .unwrap();
/// println!("best: {:?} with Sharpe {:.2}", best.0, best.1.sharpe);
/// let m = out.get(ColumnKey::new((10, 3.0), 0)).unwrap();
/// assert!(m.trades >= m.closed_trades);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Backtest<'s, 'p, S: Strategy> {
    strategy: S,
    prices: &'s Prices<'p>,
    grid: &'s Grid<Params<S>>,
    config: BacktestConfig,
    variance: Variance,
    engine: Engine,
    chunk_len: Option<usize>,
    /// The columns to backtest (start, end), if not all; see [`Sweep::column_range`].
    column_range: Option<(usize, usize)>,
    pool: Option<&'s ThreadPool>,
    /// The sweep's memory limit, if not the default; see [`Sweep::memory_limit`].
    memory_limit: Option<u64>,
}

/// One row of metrics per column of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOutput<P: Row> {
    /// What each row belongs to, in sweep order.
    pub columns: Columns<P>,
    /// The metrics of every column, in column order.
    pub metrics: Vec<ColumnMetrics>,
}

impl<P: Row> BacktestOutput<P> {
    /// The metrics of the column holding `key`, if the backtest has it.
    pub fn get(&self, key: ColumnKey<P>) -> Option<&ColumnMetrics> {
        self.metrics.get(self.columns.column(key)?)
    }
}

impl<'s, 'p, S: Strategy> Backtest<'s, 'p, S> {
    /// A backtest of `strategy` with every row of `grid` over every symbol of `prices`, with
    /// exact variance, on the current rayon pool.
    pub fn new(
        strategy: S,
        prices: &'s Prices<'p>,
        grid: &'s Grid<Params<S>>,
        config: BacktestConfig,
    ) -> Self {
        Backtest {
            strategy,
            prices,
            grid,
            config,
            variance: Variance::Exact,
            engine: Engine::Lanes,
            chunk_len: None,
            column_range: None,
            pool: None,
            memory_limit: None,
        }
    }

    /// How the Sharpe ratio's variance is computed (default: [`Variance::Exact`]).
    pub fn variance(mut self, variance: Variance) -> Self {
        self.variance = variance;
        self
    }

    /// Which engine simulates the columns (default: [`Engine::Lanes`]). Both give the same
    /// bits; the scalar one is the reference, and for benchmarks.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = engine;
        self
    }

    /// How many consecutive columns one task computes; see [`Sweep::chunk_len`]. A length of
    /// 0 is an error when the backtest runs.
    pub fn chunk_len(mut self, columns: usize) -> Self {
        self.chunk_len = Some(columns);
        self
    }

    /// Backtests only the columns `range` of the sweep (a shard of it, see
    /// [`shard`](crate::shard)): the output has `range.len()` rows, row `j` the metrics of
    /// column `range.start + j` of the whole backtest, the same bits. Concatenated in order,
    /// the shards' metrics are the whole backtest's. Checked when the backtest runs;
    /// [`rolling`](Backtest::rolling) and [`validate`](Backtest::validate) refuse a range.
    ///
    /// # Example
    /// ```
    /// use ta_sweep::{shard, Backtest, BacktestConfig, Grid, MaCrossover, Prices};
    ///
    /// let close: Vec<f64> = (0..600).map(|i| 100.0 + (i as f64 * 0.03).sin() * 9.0).collect();
    /// let prices = Prices::from_close_series([&close[..]])?;
    /// let windows: Vec<usize> = (2..=20).collect();
    /// let grid = Grid::combinations(&["fast", "slow"], &windows)?;
    /// let backtest = Backtest::new(MaCrossover::simple(), &prices, &grid, BacktestConfig::default());
    ///
    /// let mut metrics = Vec::new();
    /// for i in 0..4 {
    ///     let range = shard(grid.len() * prices.symbols(), i, 4)?;
    ///     metrics.extend(backtest.clone().column_range(range).run()?.metrics);
    /// }
    /// assert_eq!(metrics, backtest.run()?.metrics);
    /// # Ok::<(), ta_sweep::Error>(())
    /// ```
    pub fn column_range(mut self, range: std::ops::Range<usize>) -> Self {
        self.column_range = Some((range.start, range.end));
        self
    }

    /// Refuses a column range for `what`, which needs every column of each symbol.
    pub(crate) fn whole_columns_only(&self, what: &'static str) -> Result<()> {
        match self.column_range {
            Some(_) => Err(Error::ColumnRangeUnsupported { what }),
            None => Ok(()),
        }
    }

    /// Runs on `pool` instead of the current rayon pool.
    pub fn pool(mut self, pool: &'s ThreadPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// The most bytes the metrics of [`run`](Backtest::run) may take, one
    /// [`ColumnMetrics`] per column (default: [`default_memory_limit`]).
    /// Over it, `run` returns [`Error::OutputTooLarge`] before any work starts: shard the
    /// columns with [`column_range`](Backtest::column_range), or raise the limit. The limit
    /// holds [`rolling`](Backtest::rolling)'s metrics of every window and
    /// [`validate`](Backtest::validate)'s statistics of every column the same way.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// The memory limit in bytes: the one set, or the default; never above `isize::MAX`.
    pub(crate) fn limit(&self) -> u128 {
        self.memory_limit
            .map_or_else(default_memory_limit, u128::from)
            .min(isize::MAX as u128)
    }

    /// The strategy backtested.
    pub fn strategy(&self) -> &S {
        &self.strategy
    }

    /// Runs the pipeline over every column.
    ///
    /// # Errors
    /// - [`Error::InvalidClose`] for the first close that is zero, negative or infinite.
    /// - The rule's errors (an output the indicator lacks), and the sweep's: an invalid grid
    ///   row, [`Error::MissingPrices`], [`Error::InvalidChunkLen`],
    ///   [`Error::TooManyColumns`], [`Error::InvalidColumnRange`].
    /// - [`Error::OutputTooLarge`] if the metrics would exceed the
    ///   [memory limit](Backtest::memory_limit).
    ///
    /// Every check happens before any work starts.
    pub fn run(&self) -> Result<BacktestOutput<Params<S>>> {
        validate_closes(self.prices)?;
        let mut columns = Columns::new(self.grid.clone(), self.prices.symbols())?;
        if let Some((start, end)) = self.column_range {
            columns = columns.with_range(start..end)?;
        }
        let metrics = self.metrics(self.prices)?;
        Ok(BacktestOutput { columns, metrics })
    }

    /// The sweep of the strategy's indicator over `prices` and `grid`, computing `selection`,
    /// with the backtest's chunk length, pool and memory limit.
    fn sweep<'a, 'q>(
        &'a self,
        prices: &'a Prices<'q>,
        grid: &'a Grid<Params<S>>,
        selection: OutputSet,
    ) -> Sweep<'a, 'q, &'a S::Indicator> {
        let mut sweep = Sweep::new(self.strategy.indicator(), prices, grid).selection(selection);
        if let Some(chunk_len) = self.chunk_len {
            sweep = sweep.chunk_len(chunk_len);
        }
        if let Some(pool) = self.pool {
            sweep = sweep.pool(pool);
        }
        if let Some(bytes) = self.memory_limit {
            sweep = sweep.memory_limit(bytes);
        }
        sweep
    }

    /// The metrics of every column of the sweep of `prices` (the backtest's own, or windows
    /// of them), in column order. The closes are valid.
    fn metrics(&self, prices: &Prices<'_>) -> Result<Vec<ColumnMetrics>> {
        let (indicator, rule) = (self.strategy.indicator(), self.strategy.rule());
        let (plan, selection) = rule.plan(indicator, prices)?;
        let mut sweep = self.sweep(prices, self.grid, selection);
        if let Some((start, end)) = self.column_range {
            sweep = sweep.column_range(start..end);
        }
        let (symbols, bars) = (prices.as_slice(), prices.bars());
        let sqrt_annualisation = self.config.annualisation().sqrt();
        // The one-pass variance reads each column's returns whole: the scalar engine.
        let lanes = match (self.engine, self.variance) {
            (Engine::Lanes, Variance::Exact) => LaneEngine::detect(),
            _ => None,
        };
        let ranges: Vec<Option<CloseRange>> = match lanes {
            Some(_) => symbols.iter().map(|s| CloseRange::of(s.close())).collect(),
            None => Vec::new(),
        };
        sweep.reduce_batches(
            || BatchScratch {
                returns: vec![0.0; LANES * bars.max(1)],
                orders: Vec::with_capacity(LANES),
                rule: std::array::from_fn(|_| rule.scratch(bars)),
            },
            |scratch, batch, results| {
                for columns in batch.chunks(LANES) {
                    let close = |k: usize| symbols[columns[k].key.symbol].close();
                    match lanes {
                        // A lone column too: the scalar engine's metrics take four lanes
                        // anyway.
                        Some(engine) => {
                            // Lanes beyond the columns repeat the last one.
                            let lane = |k: usize| k.min(columns.len() - 1);
                            let [a, b, c, d] = &mut scratch.rule;
                            let signals = [
                                rule.signals(&plan, columns[lane(0)], a),
                                rule.signals(&plan, columns[lane(1)], b),
                                rule.signals(&plan, columns[lane(2)], c),
                                rule.signals(&plan, columns[lane(3)], d),
                            ];
                            let symbol = |k: usize| columns[lane(k)].key.symbol;
                            engine.metrics(
                                std::array::from_fn(|k| close(lane(k))),
                                std::array::from_fn(|k| ranges[symbol(k)]),
                                &signals,
                                columns.len(),
                                &self.config,
                                sqrt_annualisation,
                                &mut scratch.returns,
                                results,
                            );
                        }
                        // Each column's orders and returns, then their metrics in lock step.
                        _ => {
                            scratch.orders.clear();
                            let mut returns = scratch.returns.chunks_exact_mut(bars.max(1));
                            for (k, &column) in columns.iter().enumerate() {
                                let signals = rule.signals(&plan, column, &mut scratch.rule[0]);
                                let returns = returns.next().expect("a column per lane");
                                let orders = simulate(close(k), &signals, &self.config, returns);
                                scratch.orders.push(orders);
                            }
                            let returns: Vec<&[f64]> = scratch
                                .returns
                                .chunks_exact(bars.max(1))
                                .take(columns.len())
                                .map(|lane| &lane[..bars])
                                .collect();
                            return_metrics(
                                &returns,
                                &scratch.orders,
                                self.variance,
                                sqrt_annualisation,
                                results,
                            );
                        }
                    }
                }
            },
        )
    }
}

/// A worker's memory for backtesting a batch of columns.
struct BatchScratch<R> {
    /// A column of returns per lane: one after the other for the scalar engine, bar by bar
    /// (four lanes per bar) for the lane engine.
    returns: Vec<f64>,
    orders: Vec<OrderMetrics>,
    /// The rule's scratch per lane.
    rule: [R; LANES],
}

/// Every close must be tradable or missing: checked once, before any worker starts.
fn validate_closes(prices: &Prices<'_>) -> Result<()> {
    for (symbol, series) in prices.as_slice().iter().enumerate() {
        validate_close(symbol, series.close())?;
    }
    Ok(())
}

/// A close is a positive finite price or NaN (a missing bar): vectorbt refuses orders at any
/// other price, and the pipeline divides by it.
fn validate_close(symbol: usize, close: &[f64]) -> Result<()> {
    match close
        .iter()
        .enumerate()
        .find(|(_, &c)| !(c.is_nan() || (c.is_finite() && c > 0.0)))
    {
        Some((bar, &close)) => Err(Error::InvalidClose { symbol, bar, close }),
        None => Ok(()),
    }
}
