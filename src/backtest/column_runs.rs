//! Columns simulated on any window of their bars, with the signals of the whole series: what
//! validation needs of the backtest (walk-forward windows that do not warm the indicator up
//! again, per-block statistics of the returns), without a returns matrix.
//!
//! [`Backtest::map_lanes`] hands out the columns [`LANES`] at a time, so that a window of all
//! of them runs through the lane engine at once, as [`Backtest::run`] does.

use std::ops::Range;

use super::lanes::{CloseRange, LaneEngine};
use super::metrics::{return_metrics, LANES};
use super::simulate::{simulate, OrderMetrics};
use super::{
    validate_closes, Backtest, BacktestConfig, ColumnMetrics, Engine, Params, SignalRule, Signals,
    Strategy, Variance,
};
use crate::error::Result;
use crate::grid::Grid;
use crate::prices::Prices;

/// Up to [`LANES`] columns of one symbol as [`Backtest::map_lanes`] hands them out: their
/// closes, their signals over the whole series, and the pipeline's configuration.
pub(crate) struct LaneRun<'a> {
    columns: [usize; LANES],
    count: usize,
    closes: [&'a [f64]; LANES],
    ranges: [Option<CloseRange>; LANES],
    signals: [&'a dyn Signals; LANES],
    config: &'a BacktestConfig,
    sqrt_annualisation: f64,
    engine: Option<LaneEngine>,
}

/// A worker's returns of one [`LaneRun::simulate`]: bar by bar, [`LANES`] per bar.
pub(crate) struct LaneReturns {
    /// Lane `k`'s return of bar `i` of the window at `interleaved[LANES * i + k]`.
    interleaved: Vec<f64>,
    /// The scalar engine's returns, a column after the other, before they are interleaved.
    columns: Vec<f64>,
}

impl LaneReturns {
    /// Room for windows of up to `bars` bars.
    pub(crate) fn new(bars: usize) -> Self {
        LaneReturns {
            interleaved: vec![0.0; LANES * bars.max(1)],
            columns: Vec::new(),
        }
    }

    /// The returns of the last window of `bars` bars, [`LANES`] per bar in lane order (lanes
    /// past the run's columns repeat one of them).
    pub(crate) fn interleaved(&self, bars: usize) -> &[f64] {
        &self.interleaved[..LANES * bars]
    }

    /// Lane `k`'s returns of the last window of `bars` bars.
    pub(crate) fn lane(&self, k: usize, bars: usize) -> impl Iterator<Item = f64> + '_ {
        self.interleaved(bars)
            .iter()
            .skip(k)
            .step_by(LANES)
            .copied()
    }
}

impl LaneRun<'_> {
    /// The columns' indices in the backtest (grid row times symbols plus symbol), in lane
    /// order: one to [`LANES`] of them.
    pub(crate) fn columns(&self) -> &[usize] {
        &self.columns[..self.count]
    }

    /// Simulates every column on `window` alone: fresh cash and no position at its first
    /// bar, the whole series' signals, closes filled within the window (PIPELINE.md 4-6).
    /// Writes the window's returns into `returns` (see [`LaneReturns::interleaved`]) and
    /// pushes each column's metrics onto `out`, in lane order, exactly: the exact variance,
    /// and the lane engine where the backtest's engine and the CPU allow (the same bits as
    /// the scalar engine).
    ///
    /// `window` lies within the bars, and `returns` has room for it.
    pub(crate) fn simulate(
        &self,
        window: Range<usize>,
        returns: &mut LaneReturns,
        out: &mut Vec<ColumnMetrics>,
    ) {
        let len = window.len();
        let signals: [Shifted<'_>; LANES] = std::array::from_fn(|k| Shifted {
            signals: self.signals[k],
            start: window.start,
        });
        let closes: [&[f64]; LANES] = std::array::from_fn(|k| &self.closes[k][window.clone()]);
        if let Some(engine) = self.engine {
            // A symbol's range bounds the closes of any window of it.
            engine.metrics(
                closes,
                self.ranges,
                &signals,
                self.count,
                self.config,
                self.sqrt_annualisation,
                &mut returns.interleaved,
                out,
            );
            return;
        }
        let stride = len.max(1);
        returns.columns.resize(LANES * stride, 0.0);
        let mut orders: Vec<OrderMetrics> = Vec::with_capacity(LANES);
        for (k, lane) in returns
            .columns
            .chunks_exact_mut(stride)
            .take(self.count)
            .enumerate()
        {
            orders.push(simulate(
                closes[k],
                &signals[k],
                self.config,
                &mut lane[..len],
            ));
        }
        let columns: Vec<&[f64]> = returns
            .columns
            .chunks_exact(stride)
            .take(self.count)
            .map(|lane| &lane[..len])
            .collect();
        return_metrics(
            &columns,
            &orders,
            Variance::Exact,
            self.sqrt_annualisation,
            out,
        );
        // Lanes past the columns repeat the last one, as the lane engine's do.
        for (i, bar) in returns.interleaved[..LANES * len]
            .chunks_exact_mut(LANES)
            .enumerate()
        {
            for (k, r) in bar.iter_mut().enumerate() {
                *r = columns[k.min(self.count - 1)][i];
            }
        }
    }
}

/// A column's signals seen from bar `start`: bar `i` of the window is bar `start + i` of the
/// series.
struct Shifted<'a> {
    signals: &'a dyn Signals,
    start: usize,
}

impl Signals for Shifted<'_> {
    #[inline]
    fn signals(&self, bar: usize) -> (bool, bool) {
        self.signals.signals(self.start + bar)
    }

    fn next_entry(&self, from: usize, end: usize) -> usize {
        self.signals.next_entry(self.start + from, self.start + end) - self.start
    }

    fn next_exit(&self, from: usize, end: usize) -> usize {
        self.signals.next_exit(self.start + from, self.start + end) - self.start
    }

    fn first_signal(&self, bars: usize) -> usize {
        let first = self.signals.first_signal(self.start + bars);
        first.saturating_sub(self.start).min(bars)
    }
}

impl<S: Strategy> Backtest<'_, '_, S> {
    /// Calls `visit` once per batch of up to [`LANES`] columns of one symbol of the
    /// backtest's strategy and configuration over `grid` and `prices` (the backtest's own, or
    /// others), with a worker's scratch from `scratch`, on the workers of the sweep (the
    /// indicator computed once per column, over the whole series). `visit` pushes one result
    /// per column of its batch; they are returned in column order.
    ///
    /// # Errors
    /// As [`run`](Backtest::run).
    pub(crate) fn map_lanes<W, T, G, F>(
        &self,
        prices: &Prices<'_>,
        grid: &Grid<Params<S>>,
        scratch: G,
        visit: F,
    ) -> Result<Vec<T>>
    where
        T: Send,
        G: Fn() -> W + Sync,
        F: Fn(&mut W, &LaneRun<'_>, &mut Vec<T>) + Sync,
    {
        validate_closes(prices)?;
        let (indicator, rule) = (self.strategy.indicator(), self.strategy.rule());
        let (plan, selection) = rule.plan(indicator, prices)?;
        let sweep = self.sweep(prices, grid, selection);
        let (symbols, bars) = (prices.as_slice(), prices.bars());
        let engine = match self.engine {
            Engine::Lanes => LaneEngine::detect(),
            Engine::Scalar => None,
        };
        let ranges: Vec<Option<CloseRange>> = match engine {
            Some(_) => symbols.iter().map(|s| CloseRange::of(s.close())).collect(),
            None => vec![None; symbols.len()],
        };
        let sqrt_annualisation = self.config.annualisation().sqrt();
        sweep.reduce_batches(
            || {
                let rules: [_; LANES] = std::array::from_fn(|_| rule.scratch(bars));
                (rules, scratch())
            },
            |(rules, scratch), batch, results| {
                for columns in batch.chunks(LANES) {
                    // Lanes beyond the columns repeat the last one.
                    let lane = |k: usize| columns[k.min(columns.len() - 1)];
                    let [a, b, c, d] = rules;
                    let signals = [
                        rule.signals(&plan, lane(0), a),
                        rule.signals(&plan, lane(1), b),
                        rule.signals(&plan, lane(2), c),
                        rule.signals(&plan, lane(3), d),
                    ];
                    let run = LaneRun {
                        columns: std::array::from_fn(|k| lane(k).column),
                        count: columns.len(),
                        closes: std::array::from_fn(|k| symbols[lane(k).key.symbol].close()),
                        ranges: std::array::from_fn(|k| ranges[lane(k).key.symbol]),
                        signals: std::array::from_fn(|k| &signals[k] as &dyn Signals),
                        config: &self.config,
                        sqrt_annualisation,
                        engine,
                    };
                    visit(scratch, &run, results);
                }
            },
        )
    }

    /// The prices the backtest runs on.
    pub(crate) fn prices(&self) -> &Prices<'_> {
        self.prices
    }

    /// The grid the backtest runs.
    pub(crate) fn grid(&self) -> &Grid<Params<S>> {
        self.grid
    }

    /// The pipeline's configuration.
    pub(crate) fn config(&self) -> &BacktestConfig {
        &self.config
    }
}

/// The Sharpe ratio and maximum drawdown (PIPELINE.md 6.1, 6.3) of a series of returns that
/// no single simulation made (chained windows, say), exactly as a column's; the order fields
/// are 0.
pub(crate) fn series_metrics(returns: &[f64], config: &BacktestConfig) -> ColumnMetrics {
    let orders = OrderMetrics {
        total_return: 0.0,
        trades: 0,
        closed_trades: 0,
    };
    let mut metrics = Vec::with_capacity(1);
    return_metrics(
        &[returns],
        &[orders],
        Variance::Exact,
        config.annualisation().sqrt(),
        &mut metrics,
    );
    metrics[0]
}

impl<S: Strategy> Backtest<'_, '_, S> {
    /// Runs `job` on the backtest's pool (or the current one).
    pub(crate) fn install<R: Send>(&self, job: impl FnOnce() -> R + Send) -> R {
        match self.pool {
            Some(pool) => pool.install(job),
            None => job(),
        }
    }
}
