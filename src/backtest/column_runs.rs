//! One column's simulation on any window of its bars, with the signals of the whole series:
//! what validation needs of the backtest (walk-forward windows that do not warm the
//! indicator up again, per-block statistics of the returns), without a returns matrix.

use std::ops::Range;

use super::metrics::return_metrics;
use super::simulate::{simulate, OrderMetrics};
use super::{
    validate_closes, Backtest, BacktestConfig, ColumnMetrics, Params, SignalRule, Signals,
    Strategy, Variance,
};
use crate::error::Result;
use crate::factory::Sweep;
use crate::grid::Grid;
use crate::prices::Prices;

/// One column of a backtest as [`Backtest::map_columns`] hands it out: its closes, its
/// signals over the whole series, and the pipeline's configuration.
pub(crate) struct ColumnRun<'a> {
    /// The column's index in the backtest (grid row times symbols plus symbol).
    pub(crate) column: usize,
    close: &'a [f64],
    signals: &'a dyn Signals,
    config: &'a BacktestConfig,
    sqrt_annualisation: f64,
}

impl ColumnRun<'_> {
    /// The column's bars.
    pub(crate) fn bars(&self) -> usize {
        self.close.len()
    }

    /// Simulates the column on `window` alone: fresh cash and no position at its first bar,
    /// the whole series' signals, closes filled within the window (PIPELINE.md 4-6). Writes
    /// the window's returns into `returns[..window.len()]` and returns its metrics, exactly
    /// (the scalar engine, the exact variance).
    ///
    /// `window` lies within the bars and `returns` holds at least its length.
    pub(crate) fn simulate(&self, window: Range<usize>, returns: &mut [f64]) -> ColumnMetrics {
        let shifted = Shifted {
            signals: self.signals,
            start: window.start,
        };
        let returns = &mut returns[..window.len()];
        let orders = simulate(&self.close[window], &shifted, self.config, returns);
        let mut metrics = Vec::with_capacity(1);
        return_metrics(
            &[returns],
            &[orders],
            Variance::Exact,
            self.sqrt_annualisation,
            &mut metrics,
        );
        metrics[0]
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
    /// Calls `visit` once per column of the backtest's strategy and configuration over
    /// `grid` and `prices` (the backtest's own, or others), with a worker's scratch from
    /// `scratch`, on the workers of the sweep (the indicator computed once per column, over
    /// the whole series), and returns the results in column order.
    ///
    /// # Errors
    /// As [`run`](Backtest::run).
    pub(crate) fn map_columns<W, T, G, F>(
        &self,
        prices: &Prices<'_>,
        grid: &Grid<Params<S>>,
        scratch: G,
        visit: F,
    ) -> Result<Vec<T>>
    where
        T: Send,
        G: Fn() -> W + Sync,
        F: Fn(&mut W, ColumnRun<'_>) -> T + Sync,
    {
        validate_closes(prices)?;
        let (indicator, rule) = (self.strategy.indicator(), self.strategy.rule());
        let (plan, selection) = rule.plan(indicator, prices)?;
        let mut sweep = Sweep::new(indicator, prices, grid).selection(selection);
        if let Some(chunk_len) = self.chunk_len {
            sweep = sweep.chunk_len(chunk_len);
        }
        if let Some(pool) = self.pool {
            sweep = sweep.pool(pool);
        }
        let (symbols, bars) = (prices.as_slice(), prices.bars());
        let sqrt_annualisation = self.config.annualisation().sqrt();
        sweep.reduce_batches(
            || (rule.scratch(bars), scratch()),
            |(rule_scratch, scratch), batch, results| {
                for &column in batch {
                    let close = symbols[column.key.symbol].close();
                    let index = column.column;
                    let signals = rule.signals(&plan, column, rule_scratch);
                    let run = ColumnRun {
                        column: index,
                        close,
                        signals: &signals,
                        config: &self.config,
                        sqrt_annualisation,
                    };
                    results.push(visit(scratch, run));
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
