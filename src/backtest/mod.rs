//! The fused backtest pipeline: every column of a sweep through SuperTrend, long-only
//! signals, a simulation with fees and its metrics, one column at a time, nothing larger than
//! a column ever allocated.

mod config;
mod metrics;
mod repeated_sum;
mod simulate;
mod tolerance;
mod trace;

use rayon::ThreadPool;

use crate::error::{Error, Result};
use crate::output::{Output, OutputSet};
use crate::params::{ParamGrid, SweepColumns};
use crate::prices::Prices;
use crate::sweep::Sweep;

pub use self::config::{annualisation_from_interval, BacktestConfig};
pub use self::metrics::{ColumnMetrics, Variance};
use self::simulate::{simulate, ColumnScratch, LineDirection};
pub use self::simulate::{Order, Side};
pub use self::trace::{backtest_trace, BacktestTrace};

/// A backtest of every column of a sweep: configure, then [`run`](Backtest::run).
#[derive(Debug, Clone, Copy)]
pub struct Backtest<'s, 'p> {
    prices: &'s Prices<'p>,
    grid: &'s ParamGrid,
    config: BacktestConfig,
    variance: Variance,
    chunk_len: Option<usize>,
    pool: Option<&'s ThreadPool>,
}

/// One row of metrics per column of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOutput {
    /// Which (period, multiplier, symbol) each row belongs to, in sweep order.
    pub columns: SweepColumns,
    /// The metrics of every column, in column order.
    pub metrics: Vec<ColumnMetrics>,
}

impl<'s, 'p> Backtest<'s, 'p> {
    /// A backtest of every combination of `grid` over every symbol of `prices`.
    pub fn new(prices: &'s Prices<'p>, grid: &'s ParamGrid, config: BacktestConfig) -> Self {
        Backtest {
            prices,
            grid,
            config,
            variance: Variance::Exact,
            chunk_len: None,
            pool: None,
        }
    }

    /// How the Sharpe ratio's variance is computed (default: [`Variance::Exact`]).
    pub fn variance(mut self, variance: Variance) -> Self {
        self.variance = variance;
        self
    }

    /// How many consecutive columns one task computes; see [`Sweep::chunk_len`].
    pub fn chunk_len(mut self, columns: usize) -> Self {
        self.chunk_len = Some(columns);
        self
    }

    /// Runs on `pool` instead of the current rayon pool.
    pub fn pool(mut self, pool: &'s ThreadPool) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Runs the pipeline over every column.
    ///
    /// # Errors
    /// - [`Error::InvalidClose`] for the first close that is zero, negative or infinite.
    /// - [`Error::InvalidChunkLen`] if a chunk length of 0 was set.
    /// - [`Error::TooManyColumns`] if the column count overflows `usize`.
    pub fn run(&self) -> Result<BacktestOutput> {
        validate_closes(self.prices)?;
        let sweep = self.sweep();
        let columns = sweep.columns()?;
        let (config, variance) = (self.config, self.variance);
        let sqrt_annualisation = config.annualisation().sqrt();
        let bars = self.prices.bars();
        let symbols = self.prices.as_slice();
        let metrics = sweep.reduce_init(
            || ColumnScratch::new(bars),
            |scratch, column| {
                let bands = LineDirection {
                    supert: column.supert.expect("selected"),
                    superd: column.superd.expect("selected"),
                };
                let close = &symbols[column.key.symbol].close;
                simulate(
                    close,
                    &bands,
                    &config,
                    variance,
                    sqrt_annualisation,
                    scratch,
                )
            },
        )?;
        Ok(BacktestOutput { columns, metrics })
    }

    fn sweep(&self) -> Sweep<'s, 'p> {
        let mut sweep = Sweep::new(self.prices, self.grid)
            .outputs(OutputSet::only(Output::Supert).with(Output::Superd));
        if let Some(chunk_len) = self.chunk_len {
            sweep = sweep.chunk_len(chunk_len);
        }
        if let Some(pool) = self.pool {
            sweep = sweep.pool(pool);
        }
        sweep
    }
}

/// Every close must be tradable or missing: checked once, before any worker starts.
fn validate_closes(prices: &Prices<'_>) -> Result<()> {
    for (symbol, series) in prices.as_slice().iter().enumerate() {
        validate_close(symbol, &series.close)?;
    }
    Ok(())
}

/// A close is a positive finite price or NaN (a missing bar); vectorbt raises an error for
/// orders at any other price, and the pipeline would divide by it.
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
