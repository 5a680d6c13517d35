//! The fused backtest pipeline: every column of a sweep through SuperTrend, long-only
//! signals, a simulation with fees and its metrics, one column at a time, nothing larger than
//! a few columns per worker ever allocated.

mod band_gaps;
mod config;
mod metrics;
mod repeated_sum;
mod rolling;
mod signals;
mod simulate;
mod tolerance;
mod trace;

use rayon::ThreadPool;

use crate::error::{Error, Result};
use crate::kernel::variant::Variant;
use crate::output::{Output, OutputSet};
use crate::params::{ColumnKey, ParamGrid, SweepColumns};
use crate::prices::Prices;
use crate::sweep::Sweep;

use self::band_gaps::BandGaps;
pub use self::config::{annualisation_from_interval, BacktestConfig};
pub use self::metrics::{ColumnMetrics, Variance};
pub use self::rolling::RollingOutput;
use self::signals::{Bands, DirectionGaps, LineDirection};
use self::simulate::{simulate, ColumnScratch};
pub use self::simulate::{Order, Side};
pub use self::trace::{backtest_trace, BacktestTrace};

/// A backtest of every column of a sweep: each (period, multiplier, symbol) through
/// SuperTrend, long-only signals, a simulation with fees and its metrics. Configure, then
/// [`run`](Backtest::run) (or [`rolling`](Backtest::rolling) over windows).
///
/// # The pipeline
/// Exactly the reference recipe of `../shared/PIPELINE.md` (vectorbt's
/// `Portfolio.from_signals` on the SuperTrend tutorial's signals), bit for bit:
/// - **Signals** are levels, shifted by one bar: a bar's entry signal is that the previous
///   bar's long band (`superl`) is a value, its exit signal that the short band (`supers`) is.
/// - **Orders** fill at the bar's close: a flat column with an entry signal buys with all its
///   cash, the fee included in it; a column holding a position with an exit signal sells it
///   all. Long only, no pyramiding, no forced exit at the end. A NaN close defers the order:
///   the signals decide again on the next bar.
/// - **Metrics** come from the per-bar value (cash plus the position at the last valid close)
///   and its returns: see [`ColumnMetrics`].
///
/// # How it runs
/// On the reduce path of the sweep ([`Sweep::reduce_init`]): the workers compute SuperTrend
/// for a few columns at a time and simulate each column at once, in one pass over its bars,
/// into a returns buffer of one column per worker for the exact two-pass Sharpe ratio.
/// SuperTrend is computed in its leanest form, the directions alone: where the bands exist
/// follows from the prices (before the ATR's warm-up ends, and on bars with a missing high or
/// low, they do not), for every price that is NaN or finite below `1e300` in magnitude; with
/// other prices, and with the [`TradingView`](Variant::TradingView) and
/// [`TaLib`](Variant::TaLib) variants, the line is computed too, whose NaN marks the missing
/// bands. Nothing is allocated per column, and nothing proportional to bars times columns:
/// the memory is a few columns per worker thread. Results are the same bits for every thread
/// count and chunk length.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use ta_sweep::{Backtest, BacktestConfig, ColumnKey, ParamGrid, Prices};
///
/// let close: Vec<f64> = (0..2000).map(|i| 100.0 + (i as f64 * 0.02).sin() * 10.0).collect();
/// let high: Vec<f64> = close.iter().map(|c| c * 1.01).collect();
/// let low: Vec<f64> = close.iter().map(|c| c * 0.99).collect();
/// let prices = Prices::single(&high, &low, &close)?;
/// let grid = ParamGrid::tutorial();
/// let hourly = BacktestConfig::default().with_bar_interval(Duration::from_secs(3600))?;
///
/// let out = Backtest::new(&prices, &grid, hourly).run()?;
/// assert_eq!(out.metrics.len(), 336);
/// let best = out
///     .columns
///     .keys()
///     .zip(&out.metrics)
///     .max_by(|a, b| a.1.sharpe.total_cmp(&b.1.sharpe))
///     .unwrap();
/// println!("best: {} with Sharpe {:.2}", best.0, best.1.sharpe);
/// let m = out.get(ColumnKey { period: 10, multiplier: 3.0, symbol: 0 }).unwrap();
/// assert!(m.trades >= m.closed_trades);
/// # Ok::<(), ta_sweep::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Backtest<'s, 'p> {
    prices: &'s Prices<'p>,
    grid: &'s ParamGrid,
    config: BacktestConfig,
    variance: Variance,
    variant: Variant,
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

impl BacktestOutput {
    /// The metrics of the column holding `key`, if the backtest has it.
    pub fn get(&self, key: ColumnKey) -> Option<&ColumnMetrics> {
        self.metrics.get(self.columns.column(key)?)
    }
}

impl<'s, 'p> Backtest<'s, 'p> {
    /// A backtest of every combination of `grid` over every symbol of `prices`, with exact
    /// variance, on the current rayon pool.
    pub fn new(prices: &'s Prices<'p>, grid: &'s ParamGrid, config: BacktestConfig) -> Self {
        Backtest {
            prices,
            grid,
            config,
            variance: Variance::Exact,
            variant: Variant::Vectorbt,
            chunk_len: None,
            pool: None,
        }
    }

    /// How the Sharpe ratio's variance is computed (default: [`Variance::Exact`]).
    pub fn variance(mut self, variance: Variance) -> Self {
        self.variance = variance;
        self
    }

    /// Which definition of SuperTrend gives the signals (default: [`Variant::Vectorbt`], the
    /// one `../shared/PIPELINE.md` is written for). The other variants' long and short bands
    /// feed the same signal, order and metric rules.
    pub fn variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// How many consecutive columns one task computes; see [`Sweep::chunk_len`]. A length of
    /// 0 is an error when the backtest runs.
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
    ///
    /// Every check happens before any work starts.
    pub fn run(&self) -> Result<BacktestOutput> {
        validate_closes(self.prices)?;
        let columns = SweepColumns::new(self.grid.clone(), self.prices.symbols())?;
        let metrics = self.metrics(self.prices)?;
        Ok(BacktestOutput { columns, metrics })
    }

    /// The metrics of every column of the sweep of `prices` (the backtest's own, or windows
    /// of them), in column order. The closes are valid.
    ///
    /// Where the bands' gaps follow from the prices ([`BandGaps`]), the sweep computes only
    /// the directions, its leanest mode; otherwise it adds the line, whose NaN marks them.
    /// The derivation of the gaps is the default variant's; the others take the line.
    fn metrics(&self, prices: &Prices<'_>) -> Result<Vec<ColumnMetrics>> {
        let gaps = match self.variant {
            Variant::Vectorbt => BandGaps::of(prices),
            _ => None,
        };
        match gaps {
            Some(gaps) => self.metrics_from_directions(prices, &gaps),
            None => self.metrics_from_lines(prices),
        }
    }

    fn metrics_from_directions(
        &self,
        prices: &Prices<'_>,
        gaps: &[BandGaps],
    ) -> Result<Vec<ColumnMetrics>> {
        let symbols = prices.as_slice();
        self.sweep(prices, OutputSet::only(Output::Superd))
            .reduce_init(
                || ColumnScratch::new(prices.bars()),
                |scratch, column| {
                    let gaps = &gaps[column.key.symbol];
                    let bands = DirectionGaps {
                        superd: column.superd.expect("the direction is selected"),
                        first_atr: gaps.first_atr(column.key.period),
                        missing_mid: gaps.missing_mid(),
                    };
                    let close = &symbols[column.key.symbol].close;
                    self.simulate(close, &bands, scratch)
                },
            )
    }

    fn metrics_from_lines(&self, prices: &Prices<'_>) -> Result<Vec<ColumnMetrics>> {
        let symbols = prices.as_slice();
        let outputs = OutputSet::only(Output::Supert).with(Output::Superd);
        self.sweep(prices, outputs).reduce_init(
            || ColumnScratch::new(prices.bars()),
            |scratch, column| {
                let bands = LineDirection {
                    supert: column.supert.expect("the line is selected"),
                    superd: column.superd.expect("the direction is selected"),
                };
                let close = &symbols[column.key.symbol].close;
                self.simulate(close, &bands, scratch)
            },
        )
    }

    fn sweep<'a, 'q>(&self, prices: &'a Prices<'q>, outputs: OutputSet) -> Sweep<'a, 'q>
    where
        's: 'a,
    {
        let mut sweep = Sweep::new(prices, self.grid)
            .outputs(outputs)
            .variant(self.variant);
        if let Some(chunk_len) = self.chunk_len {
            sweep = sweep.chunk_len(chunk_len);
        }
        if let Some(pool) = self.pool {
            sweep = sweep.pool(pool);
        }
        sweep
    }

    #[inline]
    fn simulate<B: Bands>(
        &self,
        close: &[f64],
        bands: &B,
        scratch: &mut ColumnScratch,
    ) -> ColumnMetrics {
        let sqrt_annualisation = self.config.annualisation().sqrt();
        simulate(
            close,
            bands,
            &self.config,
            self.variance,
            sqrt_annualisation,
            scratch,
        )
    }
}

/// Every close must be tradable or missing: checked once, before any worker starts.
fn validate_closes(prices: &Prices<'_>) -> Result<()> {
    for (symbol, series) in prices.as_slice().iter().enumerate() {
        validate_close(symbol, &series.close)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Random walks with missing highs, lows, closes and whole bars, and flat runs.
    fn walks(bars: usize, symbols: usize) -> Vec<[Vec<f64>; 3]> {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..symbols)
            .map(|_| {
                let mut price = 100.0;
                let mut series = [vec![], vec![], vec![]];
                for i in 0..bars {
                    if i % 50 >= 45 {
                        price *= 1.0;
                    } else {
                        price *= 1.0 + 0.03 * (next() - 0.5);
                    }
                    let mut bar = [price * 1.005, price * 0.995, price];
                    let roll = next();
                    if roll < 0.04 {
                        bar[(roll * 100.0) as usize % 3] = f64::NAN;
                    } else if roll < 0.05 {
                        bar = [f64::NAN; 3];
                    }
                    for (s, v) in series.iter_mut().zip(bar) {
                        s.push(v);
                    }
                }
                series
            })
            .collect()
    }

    #[test]
    fn directions_with_gaps_give_the_bits_of_the_line() {
        let data = walks(2000, 3);
        let prices =
            Prices::from_symbols(data.iter().map(|[h, l, c]| (&h[..], &l[..], &c[..]))).unwrap();
        let grid = ParamGrid::product(&[1, 2, 5, 13, 40], &[0.0, 1.0, 2.5, 4.0]).unwrap();
        for variance in [Variance::Exact, Variance::OnePass] {
            let backtest =
                Backtest::new(&prices, &grid, BacktestConfig::default()).variance(variance);
            let gaps = BandGaps::of(&prices).expect("ordinary prices");
            let (directions, lines) = (
                backtest.metrics_from_directions(&prices, &gaps).unwrap(),
                backtest.metrics_from_lines(&prices).unwrap(),
            );
            let bits = ColumnMetrics::bits;
            assert_eq!(
                directions.iter().map(bits).collect::<Vec<_>>(),
                lines.iter().map(bits).collect::<Vec<_>>()
            );
            assert!(lines.iter().map(|m| m.trades).sum::<usize>() > 1000);
        }
    }
}
